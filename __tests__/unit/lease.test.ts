import { EventEmitter } from 'node:events'
import type pg from 'pg'
import { abandonedLease, duration, judgeSkip, usualInterval } from '../../src/report/skipped.js'
import { LeaseLostError, RunLease, runName, type LeaseRecord } from '../../src/store/lease.js'
import { connectDelayMs, transientConnectFailure } from '../../src/store/connect.js'
import { settingWarnings } from '../../src/store/settings.js'

const NOW = new Date('2026-12-08T10:00:00Z')
const ago = (s: number) => new Date(NOW.getTime() - s * 1000)
const lease = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  run: 'acme/shop run 77 attempt 1, job sync',
  takenAt: ago(600),
  renewedAt: ago(20),
  expiresAt: new Date(NOW.getTime() + 100_000),
  releasedAt: null,
  now: NOW,
  ...over
})
/** Runs every 5 minutes, newest first, the copy last written `lastWritten` s ago. */
const everyFiveMinutes = (lastWritten?: number) => ({
  now: NOW,
  lastWrittenAt: lastWritten === undefined ? undefined : ago(lastWritten),
  starts: Array.from({ length: 9 }, (_, i) => ago((lastWritten ?? 0) + 300 * i))
})

describe('judgeSkip', () => {
  it('a skip beside a healthy run is a notice naming the holder, since when, and when its lease ends', () => {
    const v = judgeSkip('public', lease(), everyFiveMinutes(240), 0)
    expect(v.level).toBe('notice')
    expect(v.message).toBe(
      'Skipped: acme/shop run 77 attempt 1, job sync has held the lock on schema public since 2026-12-08T09:50:00Z (10 min; renewed 20 s ago, ' +
        'its lease ends 2026-12-08T10:01:40Z unless renewed); this run waited 0 s (lock-timeout) and wrote nothing. ' +
        'The copy was last written 4 min ago; runs here usually write every 5 min.'
    )
  })
  it('warns past three usual intervals without a write, fails past twelve (and an hour)', () => {
    expect(judgeSkip('public', lease(), everyFiveMinutes(15 * 60), 0).level).toBe('notice')
    expect(judgeSkip('public', lease(), everyFiveMinutes(15 * 60 + 1), 0).level).toBe('warning')
    expect(judgeSkip('public', lease(), everyFiveMinutes(60 * 60), 0).level).toBe('warning')
    const frozen = judgeSkip('public', lease(), everyFiveMinutes(60 * 60 + 1), 0)
    expect(frozen.level).toBe('failure')
    expect(frozen.message).toMatch(/frozen while that run holds the lock/)
  })
  it('a lock held longer than any GitHub job runs fails, whatever the schedule', () => {
    const v = judgeSkip('public', lease({ takenAt: ago(6 * 3600 + 1) }), { now: NOW, starts: [] }, 0)
    expect(v.level).toBe('failure')
    expect(v.message).toMatch(/No GitHub job runs for 6 h: whatever holds the lock keeps renewing it/)
  })
  it('before any run has written (a first backfill), a skip is a notice that says so', () => {
    const v = judgeSkip('public', lease(), { now: NOW, starts: [] }, 30)
    expect(v.level).toBe('notice')
    expect(v.message).toMatch(/waited 30 s .* No run has finished writing this schema yet \(a first backfill in progress\)\.$/)
  })
  it('the advisory fallback cannot say who holds it, and says why', () => {
    expect(judgeSkip('public', undefined, everyFiveMinutes(60), 0).message).toMatch(
      /^Skipped: another run holds the lock on schema public \(an advisory lock: this role may not read stripe_sync_lease, which would say who\)/
    )
  })
})

describe('usualInterval and duration', () => {
  it('is the median gap between starts, ignoring one long pause', () => {
    const starts = [0, 300, 600, 900, 4500, 4800].map((s) => ago(s))
    expect(usualInterval(starts)).toBe(300)
    expect(usualInterval([NOW])).toBeUndefined()
  })
  it('reads as a person would say it', () => {
    expect([duration(59), duration(600), duration(3 * 3600), duration(90 * 3600), duration(5 * 86400)]).toEqual(['59 s', '10 min', '3 h', '3.8 days', '5 days'])
  })
})

describe('abandonedLease', () => {
  it('says whether the lease ran out or its connection was seen gone', () => {
    expect(abandonedLease('public', lease({ expiresAt: ago(30) }))).toMatch(/its lease ran out 30 s ago\./)
    expect(abandonedLease('public', lease())).toMatch(
      /its connection to Postgres is gone, so the lock was free at once, 100 s before its lease would have run out/
    )
  })
})

describe('RunLease.check', () => {
  /** A client whose renewals answer as `renewed` says; the clock is the test's. */
  function leaseWith(renewed: () => boolean) {
    let ms = 0
    const client = Object.assign(new EventEmitter(), {
      query: async () => ({ rowCount: renewed() ? 1 : 0, rows: [] })
    }) as unknown as pg.Client
    const held = new RunLease(client, 'public', 'public', 'run', 20, undefined, () => ms)
    return { held, advance: (by: number) => (ms += by) }
  }
  it('holds while renewals succeed; stops writing before the lease could end unrenewed', () => {
    const { held, advance } = leaseWith(() => true)
    held.claimedAt(0)
    advance(17_000)
    expect(() => held.check()).not.toThrow()
    // 2 s before the lease's end by the runner's clock: another run could take it soon.
    advance(1_500)
    expect(() => held.check()).toThrow(LeaseLostError)
    expect(() => held.check()).toThrow(/lock on schema public was lost \(not renewed for 20 s\).*raise lock-lease/)
  })
})

describe('runName', () => {
  it('names the workflow run on GitHub, else the process', () => {
    expect(runName({ GITHUB_RUN_ID: '12', GITHUB_RUN_ATTEMPT: '2', GITHUB_REPOSITORY: 'acme/shop', GITHUB_JOB: 'sync' })).toBe(
      'acme/shop run 12 attempt 2, job sync'
    )
    expect(runName({}, 4242)).toBe('process 4242 (not on GitHub Actions)')
  })
})

describe('connection retries', () => {
  it('retries what a full or waking provider answers, and nothing retrying cannot change', () => {
    expect(transientConnectFailure({ code: '53300', message: 'sorry, too many clients already' })).toBe('the server has too many connections (53300)')
    expect(transientConnectFailure({ code: '57P03', message: 'the database system is starting up' })).toBe('the database is starting up (57P03)')
    expect(transientConnectFailure({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe(
      'the server ended the connection (57P01)'
    )
    expect(transientConnectFailure({ code: '08P01', message: 'no more connections allowed (max_client_conn)' })).toBe("the pooler's client limit is reached")
    expect(transientConnectFailure({ message: 'FATAL: Max client connections reached' })).toBe("the pooler's client limit is reached")
    expect(transientConnectFailure({ message: 'Connection terminated unexpectedly' })).toBe('the connection dropped while opening')
    expect(transientConnectFailure({ code: '28P01', message: 'password authentication failed for user "x"' })).toBeUndefined()
    expect(transientConnectFailure({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5' })).toBeUndefined()
    expect(transientConnectFailure({ code: '3D000', message: 'database "nope" does not exist' })).toBeUndefined()
    expect(transientConnectFailure({ message: 'The endpoint has been disabled. Enable it using Neon API and retry.' })).toBeUndefined()
  })
  it('backs off from 0.5 s, doubling to 8 s, with jitter', () => {
    expect([1, 2, 3, 4, 5, 9].map((a) => connectDelayMs(a, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000])
    expect(connectDelayMs(1, () => 0)).toBe(250)
  })
})

describe('settingWarnings', () => {
  it('names a statement or idle-transaction limit under a minute, and how to raise it; none for no limit', () => {
    expect(settingWarnings({ statementTimeoutMs: 0, idleInTransactionMs: 0 })).toEqual([])
    expect(settingWarnings({ statementTimeoutMs: 60_000, idleInTransactionMs: 120_000 })).toEqual([])
    const [statement, idle] = settingWarnings({ statementTimeoutMs: 8000, idleInTransactionMs: 1500 })
    expect(statement).toMatch(
      /^Postgres cancels statements after 8 s \(statement_timeout\) for this role: .*ALTER ROLE <role> SET statement_timeout = '10min'\.$/
    )
    expect(idle).toMatch(/^Postgres ends a transaction left idle for 1500 ms \(idle_in_transaction_session_timeout\)/)
  })
})
