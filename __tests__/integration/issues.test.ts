import pg from 'pg'
import type { IncidentEntry } from '../../src/features/monitor/outputs.js'
import { octokitApi } from '../../src/features/monitor/github.js'
import { INCIDENTS, INCIDENTS_TABLE, issueStore } from '../../src/features/monitor/incidents.js'
import { reconcileIssues, type LogResult } from '../../src/features/monitor/issues.js'
import { ensureTable } from '../../src/store/schema.js'
import { ensureLeaseTable } from '../../src/store/lease.js'
import { GitHubStandIn, type GitHubFault, type GitHubRequest } from '../../test-support/github-standin.js'
import { withClient } from '../../test-support/postgres.js'
import { generateMonitorAccount, type Incidents, type MonitorAccount } from '../../test-support/monitor-account.js'
import type { Recorder } from '../../test-support/recorder.js'
import { recorder } from '../../test-support/recorder.js'
import { FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { scratchDir } from '../../test-support/scratch.js'
import { runAction } from '../../src/main.js'
import { World } from '../../test-support/world.js'

// The incident log on GitHub stays exact whatever GitHub does: against a stand-in of its REST API
// that loses replies, answers 500, rate-limits, hangs, and whose issues people close by hand. The
// incidents table is the truth; each run makes GitHub match it.

/** Thursday 26 November 2026, 15:00 UTC. */
const T0 = Date.UTC(2026, 10, 26, 15) / 1000
const world = new World('issues', { start: T0 })
const github = new GitHubStandIn()
beforeAll(() => github.start())
afterAll(() => github.stop())
beforeEach(() => {
  github.issues.length = 0
  github.requests.length = 0
  github.refuse = undefined
  github.fault = undefined
})

function serve(incidents: Incidents): MonitorAccount {
  const a = generateMonitorAccount({ now: T0, weeks: 6, salesPerDay: 100, seed: 9, incidents })
  const s = world.stripe
  const fresh = <T extends { id: string; created: number }>(list: T[], have: { byId: Map<string, unknown> }) =>
    list.filter((o) => o.created < world.clock && !have.byId.has(o.id))
  s.charges.add(fresh(a.charges, s.charges))
  s.disputes.add(fresh(a.disputes, s.disputes))
  s.payouts.add(fresh(a.payouts, s.payouts))
  return a
}

const env = () => ({ RUNNER_TEMP: scratchDir('runner-temp'), GITHUB_REPOSITORY: 'acme/payments', GITHUB_API_URL: github.url, GITHUB_RUN_ID: '77' })
const inputs = (more: Record<string, string> = {}) => ({
  ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
  'stripe-secret-key': 'sk_test_Issues123',
  objects: 'charges, disputes, payouts',
  status: 'all',
  incremental: 'true',
  'created-after': '60d',
  monitors: 'disputes, payouts',
  'monitor-holidays': 'none',
  'incident-issues': 'true',
  'github-token': 'ghs_IssueToken0123456789',
  ...more
})
const run = (more: Record<string, string> = {}): Promise<Recorder> => runOrThrow(inputs(more), { now: world.now, env: env() })
const incidentsOf = (io: Recorder): IncidentEntry[] => JSON.parse(io.outputs.incidents ?? '[]')
const writes = (r: GitHubRequest) => r.method !== 'GET'

it('a create whose reply is lost is found by its marker: two more runs, one issue', async () => {
  serve({ failedPayout: true })
  github.fault = (r) => (r.method === 'POST' && r.path.endsWith('/issues') ? { lost: true } : undefined)
  const first = await run()
  expect(incidentsOf(first).map((i) => i.monitor)).toEqual(['payouts'])
  expect(github.issues).toHaveLength(1) // created, though the reply was a 502
  expect(first.warnings.join('\n')).toMatch(
    /GitHub answered 502 to creating the issue of payouts \(inc_\w+\); if it was made, the next run finds it by its marker/
  )
  github.fault = undefined
  for (const minutes of [10, 20]) {
    world.clock = T0 + minutes * 60
    await run()
  }
  expect(github.issues.map((i) => [i.number, i.state])).toEqual([[1, 'open']])
  // The table records what GitHub holds.
  const rows = await withClient(world.db.url, async (c) => (await c.query(`SELECT issue_number, issue_state FROM "${world.schema}".${INCIDENTS_TABLE}`)).rows)
  expect(rows).toEqual([{ issue_number: 1, issue_state: 'open' }])
}, 60_000)

it('what the reconcile costs in GitHub calls: none idle, one listing a run while an incident is open, a call or two per change', async () => {
  const a = serve({ failedPayout: true })
  const calls = async (minutes: number) => {
    const before = github.requests.length
    world.clock = T0 + minutes * 60
    await run()
    return github.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/^\/repos\/acme\/payments/, '')}`)
  }
  expect(await calls(0)).toEqual(['GET /issues', 'POST /issues'])
  expect(await calls(10)).toEqual(['GET /issues'])
  const failed = a.payouts.find((p) => p.status === 'failed')!
  world.stripe.payouts.add([
    { ...failed, id: 'po_1PaidLater00000000000000', status: 'paid', failure_code: null, failure_message: null, created: T0 + 900, arrival_date: T0 + 900 }
  ])
  expect(await calls(20)).toEqual(['GET /issues', 'PATCH /issues/1', 'POST /issues/1/comments'])
  expect(await calls(30)).toEqual([])
}, 60_000)

it('a 201 whose body cannot be read: told, and the issue found by its marker next run', async () => {
  serve({ failedPayout: true })
  github.fault = (r) => (r.method === 'POST' && r.path.endsWith('/issues') ? { unreadable: true } : undefined)
  const first = await run()
  expect(first.warnings.join('\n')).toMatch(/could not be read/)
  expect(first.logs.join('\n')).toMatch(/Incident issues: 0 opened/)
  github.fault = undefined
  world.clock = T0 + 600
  await run()
  expect(github.issues).toHaveLength(1)
}, 60_000)

it('an issue closed by hand is the acknowledgement: no new issue, no reopening while the incident lasts; a new incident gets a new one', async () => {
  serve({ failedPayout: true })
  await run()
  expect(github.issues).toHaveLength(1)
  github.closeByHand(1)
  world.clock = T0 + 600
  const after = await run()
  expect(github.issues.map((i) => i.state)).toEqual(['closed'])
  expect(after.summary).toMatch(/acknowledged: its issue #1 was closed by hand/)
  world.clock = T0 + 1200
  await run()
  expect(github.issues).toHaveLength(1)
  expect(github.requests.filter(writes).filter((r) => r.path.endsWith('/issues/1'))).toEqual([])
}, 60_000)

it('fail-on: critical fails while the incident is open, and no longer once a person acknowledges it by closing its issue', async () => {
  serve({ failedPayout: true })
  const failOn = async () => {
    const io = recorder(inputs({ 'fail-on': 'critical' }))
    const outcome = await runAction(io, { now: world.now, env: env(), retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
    return { io, outcome }
  }
  const open = await failOn()
  expect(open.outcome.ok).toBe(false)
  expect(open.io.failed).toMatch(/^fail-on: critical — 1 critical incident open\. payouts/)
  github.closeByHand(1)
  world.clock = T0 + 600
  const acknowledged = await failOn()
  expect(acknowledged.outcome.ok).toBe(true)
  expect(acknowledged.io.failed).toBeUndefined()
  // Still listed, as acknowledged, and still the status.
  expect(acknowledged.io.outputs.monitor_status).toBe('critical')
  expect(acknowledged.io.summary).toMatch(/acknowledged: its issue #1 was closed by hand/)
  world.clock = T0 + 1200
  expect((await failOn()).outcome.ok).toBe(true)
}, 60_000)

it('a close refused with 500 is done by the next healthy run; a severity label that failed is fixed', async () => {
  const a = serve({ failedPayout: true })
  await run()
  expect(github.issues[0]!.state).toBe('open')
  // The failed payout is followed by a paid one: resolved while GitHub answers 500.
  const failed = a.payouts.find((p) => p.status === 'failed')!
  world.stripe.payouts.add([
    { ...failed, id: 'po_1PaidLater00000000000000', status: 'paid', failure_code: null, failure_message: null, created: T0 + 60, arrival_date: T0 + 60 }
  ])
  github.fault = (r) => (r.method === 'PATCH' ? { status: 500 } : undefined)
  world.clock = T0 + 600
  const refused = await run()
  expect(incidentsOf(refused).map((i) => i.state)).toEqual(['resolved'])
  expect(github.issues[0]!.state).toBe('open')
  expect(refused.warnings.join('\n')).toMatch(/GitHub answered 500; the next run does it/)
  github.fault = undefined
  world.clock = T0 + 1200
  const healthy = await run()
  expect(github.issues[0]!.state).toBe('closed')
  expect(github.issues[0]!.comments.at(-1)).toMatch(/^Resolved at /)
  expect(healthy.logs.join('\n')).toMatch(/1 closed/)
  // A later, idle run asks GitHub nothing: no incident open, no issue left open.
  const before = github.requests.length
  world.clock = T0 + 1800
  await run()
  expect(github.requests.length).toBe(before)
}, 60_000)

it('a close whose reply GitHub loses is finished by the next run: the issue closed, its comment posted once, the record closed', async () => {
  const a = serve({ failedPayout: true })
  await run()
  const failed = a.payouts.find((p) => p.status === 'failed')!
  world.stripe.payouts.add([
    { ...failed, id: 'po_1PaidLater00000000000001', status: 'paid', failure_code: null, failure_message: null, created: T0 + 60, arrival_date: T0 + 60 }
  ])
  // GitHub closes the issue, and the reply is lost.
  github.fault = (r) => (r.method === 'PATCH' ? { lost: true } : undefined)
  world.clock = T0 + 600
  await run()
  expect(github.issues[0]!.state).toBe('closed')
  expect(github.issues[0]!.comments.filter((c) => c.startsWith('Resolved at '))).toEqual([])
  github.fault = undefined
  world.clock = T0 + 1200
  await run()
  expect(github.issues[0]!.comments.filter((c) => c.startsWith('Resolved at '))).toHaveLength(1)
  const recorded = await withClient(world.db.url, (c) => c.query(`SELECT issue_state FROM "${world.schema}".stripe_monitor_incidents`))
  expect(recorded.rows).toEqual([{ issue_state: 'closed' }])
  // Nothing is left to do: the next run asks GitHub nothing, and the comment is not posted again.
  const before = github.requests.length
  world.clock = T0 + 1800
  await run()
  expect(github.requests.length).toBe(before)
  expect(github.issues[0]!.comments.filter((c) => c.startsWith('Resolved at '))).toHaveLength(1)
}, 60_000)

it("text from Stripe is data: a payout's failure code carrying mentions, HTML, links and bidi reaches the issue inert", async () => {
  const a = serve({ failedPayout: true })
  const failed = a.payouts.find((p) => p.status === 'failed')!
  const hostile = '@octocat #1 <img src=x onerror=alert(1)> [click](https://evil.example/phish) | \u202Eevil'
  world.stripe.payouts.byId.get(failed.id)!.object.failure_code = hostile
  await run()
  const [issue] = github.issues
  // Nothing live: no mention, reference, bare link or bidi anywhere; the body (Markdown) has no HTML or link either.
  for (const text of [issue!.title, issue!.body]) expect(text).not.toMatch(/@octocat|#1\b|https:\/\/evil|\u202E/)
  // The body's only links are ours (the Dashboard, the run); Stripe's brackets are escaped.
  expect(issue!.body).not.toMatch(/<img|[^\\]\]\((?!https:\/\/(dashboard\.stripe\.com|github\.com)\/)/)
  expect(issue!.body).toContain('\\[click\\]')
  expect(issue!.title.length).toBeLessThanOrEqual(200)
}, 60_000)

it('each refusal is said as it is, and the sync and incidents are stored whatever GitHub does', async () => {
  serve({ failedPayout: true })
  const cases: Array<[GitHubFault, RegExp]> = [
    [
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(T0 + 3600) } },
      /rate-limited until 2026-11-26T16:00:00Z .*the first run after that goes on/
    ],
    [{ status: 403, headers: { 'retry-after': '60' }, message: 'You have exceeded a secondary rate limit' }, /rate-limited until .*secondary limit/],
    [{ status: 403, message: 'Resource not accessible by integration' }, /the token lacks `issues: write` \(403\)/],
    [{ status: 404 }, /the repository was not found with this token \(404\)/],
    [{ status: 410, message: 'Issues are disabled for this repo' }, /issues are disabled in this repository \(410\).*nothing more was tried this run/],
    [{ status: 401, message: 'Bad credentials' }, /the token is not valid \(401\)/]
  ]
  for (const [fault, said] of cases) {
    github.fault = () => fault
    world.clock += 60
    const io = await run()
    expect(io.failed).toBeUndefined()
    expect(io.warnings.join('\n')).toMatch(said)
    expect(io.warnings.join('\n')).not.toContain('ghs_IssueToken0123456789')
    expect(io.outputs.monitor_status).toBe('critical')
  }
}, 120_000)

it('refuses a token that cannot be one before any request, and never echoes it', async () => {
  serve({ failedPayout: true })
  for (const [token, said] of [
    ['ghs_Issue\nToken0123456789', /holds whitespace or control characters/],
    ['Bearer ghs_IssueToken0123456789', /starts with "Bearer "/],
    ['sk_live_51Abcdefghijklmnop', /is a Stripe API key, not a GitHub token/]
  ] as const) {
    const io = recorder(inputs({ 'github-token': token }))
    await runAction(io, { now: world.now, env: env(), retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
    expect(io.failed).toMatch(said)
    expect(io.failed).toMatch(/github-token/)
    expect(io.everything()).not.toContain('IssueToken0123456789')
    expect(io.everything()).not.toContain('Abcdefghijklmnop')
  }
  expect(world.stripe.requests).toEqual([])
  expect(github.requests).toEqual([])
}, 60_000)

it('two shards of a Connect matrix at once, with a slow GitHub: one issue per incident', async () => {
  // Three connected accounts, each with a failed payout: three incidents, whichever shard sees each. (The race
  // itself — both runs reading an incident before either claims it — is forced below, in 'one writer per incident'.)
  for (const [n, id] of ['acct_1ShardA00000000', 'acct_1ShardB00000000', 'acct_1ShardC00000000'].entries()) {
    const child = world.stripe.connect(id, T0 - 50 * 86400)
    const a = generateMonitorAccount({ now: T0, weeks: 3, salesPerDay: 10, seed: 40 + n, incidents: { failedPayout: true } })
    child.charges.add(a.charges)
    child.payouts.add(a.payouts)
  }
  github.fault = () => ({ delayMs: 150 })
  const shard = (k: number) =>
    runOrThrow(inputs({ 'stripe-account': 'all', 'account-shard': `${k}/2`, objects: 'charges, payouts', monitors: 'payouts' }), {
      now: world.now,
      env: { ...env(), GITHUB_RUN_ID: '88' }
    })
  await Promise.all([shard(1), shard(2)])
  // Once more, both at once: nothing new, nothing doubled.
  world.clock = T0 + 600
  await Promise.all([shard(1), shard(2)])
  const open = await withClient(
    world.db.url,
    async (c) => (await c.query(`SELECT account_id, issue_number FROM "${world.schema}".${INCIDENTS_TABLE} WHERE state = 'open' ORDER BY 1`)).rows
  )
  expect(open.map((r) => r.account_id)).toEqual(['acct_1ShardA00000000', 'acct_1ShardB00000000', 'acct_1ShardC00000000'])
  expect(github.issues).toHaveLength(3)
  expect(new Set(github.issues.map((i) => /incident:(inc_\w+)/.exec(i.body)![1])).size).toBe(3)
  expect(open.map((r) => r.issue_number).sort()).toEqual([1, 2, 3])
}, 120_000)

describe('one writer per incident', () => {
  /** Five open incidents in a fresh incidents table. */
  /** Five open incidents; with `lease` false, no lease table (a role the run fell back to the advisory lock for). */
  async function fiveIncidents(lease = true): Promise<void> {
    await withClient(world.db.url, async (c) => {
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${world.schema}"`)
      await ensureTable(c, world.schema, INCIDENTS)
      if (lease) await ensureLeaseTable(c, world.schema)
      for (let i = 0; i < 5; i++) {
        const id = `inc_${String(i).padStart(20, 'a')}`
        await c.query(
          `INSERT INTO "${world.schema}".${INCIDENTS_TABLE} (incident_id, monitor, key, severity, state, opened_at, last_seen_at, summary, observed, expected, dashboard_url, open_key)
           VALUES ($1, 'payouts', $2, 'critical', 'open', now(), now(), 'Payout failed.', '{}', '{}', 'https://dashboard.stripe.com/test/payouts', $3)`,
          [id, `po_${i}`, `|payouts|po_${i}`]
        )
      }
    })
  }

  /** One run's issue work on a connection of its own (as a shard of a matrix has): each GitHub call bounded by `callMs`, the work by `budgetMs`. */
  async function shard(callMs = 10_000, budgetMs = 30_000): Promise<LogResult> {
    const client = new pg.Client({ connectionString: world.db.url })
    await client.connect()
    try {
      const db = {
        query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await client.query<R>(sql, params)).rows,
        table: (name: string) => `"${world.schema}".${name}`,
        schema: world.schema
      }
      const api = await octokitApi({ token: 'ghs_IssueToken0123456789', repository: 'acme/payments', apiUrl: github.url }, callMs)
      return await reconcileIssues(api, issueStore(db), { now: new Date(), deadline: Date.now() + budgetMs, clock: Date.now })
    } finally {
      await client.end()
    }
  }

  it('two runs at once with a slow GitHub: one issue per incident, each incident written by one of them', async () => {
    await fiveIncidents()
    github.fault = () => ({ delayMs: 150 })
    const results = await Promise.all([shard(), shard()])
    expect(results.map((r) => r.stopped)).toEqual([undefined, undefined])
    // Each claim was a lease, released: nothing is left held for the next run.
    const held = await withClient(world.db.url, (c) => c.query(`SELECT name FROM "${world.schema}".stripe_sync_lease WHERE released_at IS NULL`))
    expect(held.rows).toEqual([])
    expect(github.issues).toHaveLength(5)
    expect(new Set(github.issues.map((i) => /incident:(inc_\w+)/.exec(i.body)![1])).size).toBe(5)
    // The next run (alone) has nothing to write.
    const before = github.requests.filter(writes).length
    await shard()
    expect(github.requests.filter(writes).length).toBe(before)
  }, 60_000)

  it('a GitHub that hangs costs seconds, not minutes: each call is bounded, the rest left for the next run', async () => {
    await fiveIncidents(false)
    github.fault = (r) => (r.method === 'POST' ? { hang: true } : undefined)
    const result = await shard(300, 1_000)
    // What is counted, not how long it took: the calls that hung failed, and the budget left the rest.
    expect(result.opened).toBe(0)
    expect(result.problems.every((p) => /did not answer in time/.test(p))).toBe(true)
    expect(result.problems.length + result.left).toBe(5)
  }, 60_000)
})
