import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { FAST_RETRY, generateCharges, makeCharge, randomId, seededRandom, unpacedClock } from '../../test-support/fixtures.js'
import { pgbouncerBinary, startPgBouncer, type PgBouncer } from '../../test-support/pgbouncer.js'
import { withClient } from '../../test-support/postgres.js'
import pg from 'pg'
import { connect } from '../../src/store/connect.js'
import { recorder } from '../../test-support/recorder.js'
import { startDist } from '../../test-support/run-dist.js'
import { readTable, tableDifferences } from '../../test-support/table.js'
import { World } from '../../test-support/world.js'

// The sync through a real PgBouncer in transaction mode (and session mode), as runners reach
// Supabase's and Neon's poolers: a server connection is the client's for one transaction only, and
// three server connections serve every connection of every run, so whatever a run left on one
// (a session advisory lock, a SET) would reach the next run that gets it.

const KEY = 'sk_test_PoolerKey1234'
const DAY = 86400
const bouncer = pgbouncerBinary()
if (!bouncer.path) console.warn(`Skipping the pooler tests: ${bouncer.why}.`)
const describePooled = bouncer.path ? describe : describe.skip

const world = new World('pool', { start: Math.floor(Date.UTC(2026, 10, 26, 12) / 1000) })
let transaction: PgBouncer
let session: PgBouncer

beforeAll(async () => {
  if (!bouncer.path) return
  transaction = await startPgBouncer(world.db.url, { poolMode: 'transaction', poolSize: 3 })
  session = await startPgBouncer(world.db.url, { poolMode: 'session', poolSize: 20 })
})
afterAll(async () => {
  await transaction?.stop()
  await session?.stop()
})

async function run(inputs: Record<string, string> = {}, url = transaction.url) {
  const io = recorder({
    'stripe-secret-key': KEY,
    'database-url': url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    incremental: 'true',
    limit: 'all',
    status: 'all',
    ...inputs
  })
  const outcome = await runAction(io, { env: {}, now: world.now, retry: FAST_RETRY, clock: unpacedClock() })
  return { io, outcome }
}

const random = seededRandom(41)
const newCharge = (created: number): Stripe.Charge =>
  makeCharge({ id: randomId('ch_3', random), created, amount: 1000 + Math.floor(random() * 9000), currency: 'usd', status: 'succeeded' })
const truth = () => world.stripe.allCharges().filter((c) => ['succeeded', 'pending', 'failed'].includes(c.status))
const table = () => readTable(world.db.url, world.schema)

/** What a run can leave behind on the server (read directly, not through the pooler): advisory locks of the action's, and a lease not released. */
async function leftBehind(): Promise<{ advisoryLocks: number; leasesHeld: string[] }> {
  return withClient(world.db.url, async (c) => {
    const locks = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND objid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296`,
      [world.schema]
    )
    const leases = await c.query<{ name: string }>(`SELECT name FROM "${world.schema}".stripe_sync_lease WHERE released_at IS NULL AND expires_at > now()`)
    return { advisoryLocks: Number(locks.rows[0]!.n), leasesHeld: leases.rows.map((r) => r.name) }
  })
}

/** Makes the schema's lease look held by another run, renewed `renewedAgo` s ago and ending in `endsIn` s (negative: already over). */
async function holdLease(run: string, renewedAgo: number, endsIn: number): Promise<void> {
  await withClient(world.db.url, (c) =>
    c.query(
      `UPDATE "${world.schema}".stripe_sync_lease SET holder = 'someone-else', run = $1, released_at = NULL, taken_at = now() - interval '20 minutes',
              renewed_at = now() - $2 * interval '1 second', expires_at = now() + $3 * interval '1 second', direct = false`,
      [run, renewedAgo, endsIn]
    )
  )
}

describePooled('through PgBouncer in transaction mode', () => {
  it('ten incremental runs in a row each store what is new, and leave no lock or lease held', async () => {
    world.stripe.addCharges(generateCharges({ count: 300, seed: 1, from: world.clock - 20 * DAY, to: world.clock - 60 }))
    const first = await run()
    expect(first.io.failed).toBeUndefined()
    expect(first.io.outputs.charges_stored).toBe('300')
    expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
    const stored: string[] = []
    for (let i = 0; i < 10; i++) {
      world.clock += 600
      for (let k = 0; k < 12; k++) world.stripe.createCharge(newCharge(world.clock - 500 + k * 30))
      const { io } = await run()
      expect(io.failed).toBeUndefined()
      expect(io.outputs.skipped).toBe('false')
      stored.push(io.outputs.charges_stored!)
      expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
    }
    expect(stored).toEqual(Array(10).fill('12'))
    expect(tableDifferences(await table(), truth())).toEqual([])
  })

  it('two runs at once: one writes, the other skips naming who holds the lock; the copy is exact', async () => {
    await world.replaceStandIn({ latencyMs: 20 })
    world.stripe.addCharges(generateCharges({ count: 200, seed: 2, from: world.clock - 10 * DAY, to: world.clock - 60 }))
    await run()
    world.clock += 600
    world.stripe.addCharges(generateCharges({ count: 400, seed: 3, from: world.clock - 590, to: world.clock - 10 }))
    const [x, y] = await Promise.all([run(), run()])
    const outputs = [x.io.outputs, y.io.outputs]
    expect(outputs.map((o) => o.skipped).sort()).toEqual(['false', 'true'])
    const skipped = outputs.find((o) => o.skipped === 'true')!
    expect(skipped.message).toMatch(
      /^Skipped: process \d+ \(not on GitHub Actions\) has held the lock on schema \S+ since \S+ \(\d+ s; renewed \d+ s ago, its lease ends/
    )
    expect(outputs.find((o) => o.skipped === 'false')!.charges_stored).toBe('400')
    expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
    expect(tableDifferences(await table(), truth())).toEqual([])
  })

  it('two first runs of a new schema at once: one creates and writes, the other skips', async () => {
    world.stripe.addCharges(generateCharges({ count: 150, seed: 4, from: world.clock - 5 * DAY, to: world.clock - 60 }))
    const [x, y] = await Promise.all([run(), run()])
    expect([x.io.outputs.skipped, y.io.outputs.skipped].sort()).toEqual(['false', 'true'])
    expect([x.io.failed, y.io.failed]).toEqual([undefined, undefined])
    expect(tableDifferences(await table(), truth())).toEqual([])
    expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
  })

  it("a dead run's lease is reported with its age while it lasts, then taken over with a warning", async () => {
    world.stripe.addCharges(generateCharges({ count: 50, seed: 5, from: world.clock - 3 * DAY, to: world.clock - 60 }))
    await run({ monitors: 'silence' })
    await holdLease('acme/shop run 4242 attempt 1, job sync', 30, 90)
    const held = await run({ monitors: 'silence' })
    expect(held.io.failed).toBeUndefined()
    expect(held.io.outputs.skipped).toBe('true')
    expect(held.io.outputs.message).toMatch(
      /^Skipped: acme\/shop run 4242 attempt 1, job sync has held the lock on schema \S+ since \S+ \(20 min; renewed 3\d s ago, its lease ends /
    )
    // The monitors read nothing this run: never "ok".
    expect(held.io.outputs.monitor_status).toBe('stale')
    expect(held.io.summary).toContain('**Monitor: stale**')
    expect(held.io.summary).toContain('acme/shop run 4242')

    await holdLease('acme/shop run 4242 attempt 1, job sync', 150, -30)
    world.clock += 600
    world.stripe.createCharge(newCharge(world.clock - 100))
    const after = await run()
    expect(after.io.outputs.skipped).toBe('false')
    expect(after.io.outputs.charges_stored).toBe('1')
    expect(after.io.warnings.filter((w) => !/Stripe read requests a month/.test(w))).toEqual([
      expect.stringMatching(/^Took over the lock on schema \S+ from acme\/shop run 4242 attempt 1, job sync, which took it at .* its lease ran out 3\d s ago/)
    ])
    expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
  })

  it('a skip while the copy falls behind its schedule warns, and once frozen fails naming the cause', async () => {
    await run()
    // Runs every 5 minutes, the last write 40 minutes ago, then 3 hours ago.
    const history = async (lastWrittenMinutesAgo: number) =>
      withClient(world.db.url, async (c) => {
        await c.query(`DELETE FROM "${world.schema}".stripe_sync_runs`)
        for (let i = 0; i < 8; i++) {
          await c.query(
            `INSERT INTO "${world.schema}".stripe_sync_runs (account, started_at, objects, finished_at, stripe_requests, ok)
             VALUES ('self:test', $1, 'charges', now() - $2 * interval '1 minute', 2, true)`,
            [new Date((world.clock - 300 * (i + 1)) * 1000), lastWrittenMinutesAgo + 5 * i]
          )
        }
      })
    await holdLease('acme/shop run 7 attempt 1, job sync', 10, 100)
    await history(40)
    const behind = await run()
    expect(behind.io.failed).toBeUndefined()
    expect(behind.io.warnings).toEqual([
      expect.stringMatching(/^Skipped: .* The copy was last written 40 min ago; runs here usually write every 5 min\. The copy is falling behind/)
    ])
    await history(180)
    const frozen = await run()
    expect(frozen.outcome.ok).toBe(false)
    expect(frozen.io.failed).toMatch(/The copy was last written 3 h ago; .* frozen while that run holds the lock/)
    expect(frozen.io.summary).toContain('**✗ Copy frozen.**')
  })

  it('a run killed mid-backfill is followed, once its lease runs out, by a run that goes on from its checkpoint', async () => {
    await world.replaceStandIn({ latencyMs: 5 })
    const now = Math.floor(Date.now() / 1000)
    world.stripe.addCharges(generateCharges({ count: 4000, seed: 6, from: now - 40 * DAY, to: now - 120 }))
    const inputs = {
      'stripe-secret-key': KEY,
      'database-url': transaction.url,
      'stripe-api-base': world.stripe.url,
      schema: world.schema,
      incremental: 'true',
      limit: 'all',
      status: 'all',
      'lock-lease': '10',
      'max-requests-per-second': '5'
    }
    // Killed once a checkpoint is committed: the lease is held, and there is something to go on from.
    const checkpointed = () =>
      withClient(world.db.url, async (c) => {
        const r = await c.query(`SELECT to_regclass($1) IS NOT NULL AS t`, [`"${world.schema}".stripe_sync_state`])
        if (!r.rows[0].t) return false
        const s = await c.query(`SELECT count(*) AS n FROM "${world.schema}".processed_charges`)
        return Number(s.rows[0].n) >= 500
      })
    const started = await startDist(inputs, {}, () => {})
    for (let i = 0; i < 600 && !(await checkpointed()); i++) await new Promise((r) => setTimeout(r, 50))
    started.child.kill('SIGKILL')
    const killed = await started.done
    expect(killed.code).toBeNull()
    expect((await leftBehind()).leasesHeld).toEqual([world.schema])
    const stored = (await table()).length
    expect(stored).toBeGreaterThanOrEqual(500)

    const next = await startDist({ ...inputs, 'lock-timeout': '30', 'max-requests-per-second': '20' }, {}, () => {})
    const result = await next.done
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/Took over the lock on schema \S+ from process \d+ \(not on GitHub Actions\)/)
    // It went on from the checkpoint: what the killed run committed was not fetched again.
    const counts = JSON.parse(result.outputs.object_counts!) as { charges: { fetched: number; stored: number } }
    expect(counts.charges.stored).toBe(4000 - stored)
    expect(tableDifferences(await table(), truth())).toEqual([])
    expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
  }, 120_000)
})

describePooled('through PgBouncer in session mode', () => {
  it('syncs, overlaps safely and leaves nothing held', async () => {
    world.stripe.addCharges(generateCharges({ count: 120, seed: 7, from: world.clock - 5 * DAY, to: world.clock - 60 }))
    const first = await run({}, session.url)
    expect(first.io.outputs.charges_stored).toBe('120')
    world.clock += 600
    world.stripe.addCharges(generateCharges({ count: 60, seed: 8, from: world.clock - 590, to: world.clock - 10 }))
    const [x, y] = await Promise.all([run({}, session.url), run({}, session.url)])
    expect([x.io.outputs.skipped, y.io.outputs.skipped].sort()).toEqual(['false', 'true'])
    expect(tableDifferences(await table(), truth())).toEqual([])
    expect(await leftBehind()).toEqual({ advisoryLocks: 0, leasesHeld: [] })
  })
})

describePooled('a pooler with no room for another client', () => {
  it('is retried with backoff, said in the log, until a client leaves; a bounded wait, then an error naming it', async () => {
    const full = await startPgBouncer(world.db.url, { poolMode: 'transaction', maxClients: 1 })
    const occupant = new pg.Client({ connectionString: full.url })
    try {
      await occupant.connect()
      const log: string[] = []
      // Nobody leaves: the wait is bounded, and the error says what was tried.
      await expect(connect(full.url, undefined, { log: (m) => log.push(m), retrySeconds: 1 })).rejects.toThrow(
        /^Postgres: could not connect to Postgres at 127\.0\.0\.1:\d+ \(the pooler's client limit is reached; tried \d+ times over \d+ s\): no more connections allowed \(max_client_conn\)/
      )
      expect(log[0]).toMatch(/^Postgres at 127\.0\.0\.1:\d+: the pooler's client limit is reached; retrying in \d\.\d s \(attempt 2, for up to 1 s\)\.$/)
      // The occupant leaves while the action waits: it connects.
      log.length = 0
      setTimeout(() => void occupant.end(), 700)
      const client = await connect(full.url, undefined, { log: (m) => log.push(m), retrySeconds: 30 })
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await client.end()
      expect(log.length).toBeGreaterThan(0)
    } finally {
      await occupant.end().catch(() => {})
      await full.stop()
    }
  })
})
