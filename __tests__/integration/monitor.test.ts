import { UTC_CALENDAR } from '../../src/features/monitor/calendar.js'
import { evaluate } from '../../src/features/monitor/engine.js'
import type { IncidentEntry } from '../../src/features/monitor/feature.js'
import { MONITORS } from '../../src/features/monitor/monitors/index.js'
import { parseThresholds } from '../../src/features/monitor/settings.js'
import { GitHubStandIn } from '../../test-support/github-standin.js'
import { withClient } from '../../test-support/postgres.js'
import { scratchDir } from '../../test-support/scratch.js'
import { generateMonitorAccount, type Incidents, type MonitorAccount } from '../../test-support/monitor-account.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { recorder } from '../../test-support/recorder.js'
import { FAST_RETRY } from '../../test-support/fixtures.js'
import { runAction } from '../../src/main.js'
import { World } from '../../test-support/world.js'
import type { Recorder } from '../../test-support/recorder.js'

// The payment monitor on an account with a weekly rhythm (busy afternoons, quiet nights, slower
// weekends, days swinging ±20 %), about 200 sales a weekday over eight weeks: each incident is
// opened by the first run that sees it, by its own monitor only, once; it resolves when it ends;
// a clean account raises nothing.

const HOUR = 3600
/** Thursday 26 November 2026, 15:00 UTC: a busy afternoon. */
const T0 = Date.UTC(2026, 10, 26, 15) / 1000

const world = new World('monitor', { start: T0 })

function account(incidents: Incidents = {}, options: { now?: number; weeks?: number } = {}): MonitorAccount {
  return generateMonitorAccount({ now: options.now ?? T0, weeks: options.weeks ?? 8, salesPerDay: 200, subscriptions: 300, seed: 5, incidents })
}

/** Serves what the account created before `until` and is not served yet (the stand-in lists by `created`). */
function serve(a: MonitorAccount, until: number): void {
  const s = world.stripe
  const fresh = <T extends { id: string; created: number }>(list: T[], have: { byId: Map<string, unknown> }) =>
    list.filter((o) => o.created < until && !have.byId.has(o.id))
  s.charges.add(fresh(a.charges, s.charges))
  s.refunds.add(fresh(a.refunds, s.refunds))
  s.disputes.add(fresh(a.disputes, s.disputes))
  s.payouts.add(fresh(a.payouts, s.payouts))
  s.invoices.add(fresh(a.invoices, s.invoices))
}

const OBJECTS = 'charges, refunds, disputes, payouts, invoices'

async function run(inputs: Record<string, string> = {}): Promise<Recorder> {
  return runOrThrow(
    {
      ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
      'stripe-secret-key': 'sk_test_Monitor123',
      objects: OBJECTS,
      status: 'all',
      incremental: 'true',
      'created-after': '70d',
      // T0 is Thanksgiving in the stand-in's US: these tests are about detection; the calendar has its own.
      'monitor-holidays': 'none',
      ...inputs
    },
    { now: world.now }
  )
}

const incidentsOf = (io: Recorder): IncidentEntry[] => JSON.parse(io.outputs.incidents ?? '[]')

async function openRows(): Promise<Array<{ monitor: string; key: string; state: string }>> {
  return withClient(
    world.db.url,
    async (c) => (await c.query(`SELECT monitor, key, state FROM "${world.schema}".stripe_monitor_incidents ORDER BY opened_at`)).rows
  )
}

describe('a clean account', () => {
  it('raises nothing on a busy afternoon, says what it watches against what it expects, and a 28-day backtest raises at most 2', async () => {
    serve(account(), T0)
    const io = await run()
    expect(io.outputs.monitor_status).toBe('ok')
    expect(io.outputs.incidents_opened).toBe('0')
    expect(incidentsOf(io)).toEqual([])
    // The summary opens with the status, one line a monitor, observed against expected.
    expect(io.summary).toMatch(/^## Stripe Payment Monitor\n\n### ✓ Monitor: all clear/)
    expect(io.summary).toMatch(/✓ \*\*silence\*\* — last sale \d+ min ago; about [\d.]+ sales expected in that time/)
    expect(io.summary).toMatch(/✓ \*\*declines\*\* — [\d.]+ % of \d+ attempts declined in the last 2 h; usually [\d.]+ %/)
    expect(io.summary).toMatch(/✓ \*\*disputes\*\* — [\d.]+ % of card sales disputed over 30 days/)

    const backtest = await run({ 'monitor-backtest': '28d' })
    const result = JSON.parse(backtest.outputs.backtest!)
    expect(result.evaluations).toBe(28 * 24 + 1)
    expect(result.incidents.length).toBeLessThanOrEqual(2)
    expect(backtest.outputs.incidents).toBe('[]')
    expect(backtest.summary).toContain('### Monitor backtest:')
    // A backtest stores nothing.
    expect(await openRows()).toEqual([])
  }, 120_000)

  it('raises nothing at 3 a.m. on a Sunday, when almost nothing sells', async () => {
    const sunday = Date.UTC(2026, 10, 29, 3, 10) / 1000
    world.clock = sunday
    serve(account({}, { now: sunday }), sunday)
    const io = await run()
    expect(io.outputs.monitor_status).toBe('ok')
    expect(incidentsOf(io)).toEqual([])
  }, 60_000)
})

describe('each incident, by its own monitor only, once, until it ends', () => {
  it('silence: 3 h 10 min without a sale on a busy afternoon', async () => {
    const a = account({ silenceFrom: T0 - 3 * HOUR - 10 * 60 })
    world.clock = T0 - 3 * HOUR
    serve(a, world.clock)
    expect((await run()).outputs.incidents_opened).toBe('0')
    world.clock = T0
    const io = await run()
    const [incident, ...others] = incidentsOf(io)
    expect(others).toEqual([])
    expect(incident).toMatchObject({ monitor: 'silence', severity: 'critical', state: 'opened', account_id: null })
    expect(incident!.summary).toMatch(/^0 sales in 3 h 1\d min; about \d+ expected at this hour of the week/)
    expect(incident!.dashboard_url).toBe('https://dashboard.stripe.com/test/payments?status[0]=successful')
    expect(io.outputs.monitor_status).toBe('critical')
    expect(io.summary).toMatch(/### ✗ Monitor: 1 incident open \(1 new\)/)
    expect(io.notices.some((n) => n.startsWith('Incident (critical): silence'))).toBe(true)
    // The chart: 28 blocks of 6 h, each sales against the lowest and highest of the same block in the 4 weeks before.
    const values = (series: string) => JSON.parse(new RegExp(`\\n {4}${series} (\\[.*\\])`).exec(io.summary)![1]!) as number[]
    const [bars, low, high] = [values('bar'), values('line'), JSON.parse(/\n {4}line \[.*\]\n {4}line (\[.*\])/.exec(io.summary)![1]!) as number[]]
    expect([bars.length, low.length, high.length]).toEqual([28, 28, 28])
    const sales = (from: number) =>
      withClient(world.db.url, async (c) =>
        Number(
          (
            await c.query(
              `SELECT count(*) AS n FROM "${world.schema}".processed_charges WHERE status = 'succeeded' AND created_at >= to_timestamp($1) AND created_at < to_timestamp($2)`,
              [from, Math.min(from + 6 * HOUR, T0)]
            )
          ).rows[0].n
        )
      )
    const first = Math.ceil(T0 / (6 * HOUR)) * 6 * HOUR - 7 * 86400
    for (const block of [0, 13, 27]) {
      const from = first + block * 6 * HOUR
      const before = await Promise.all([1, 2, 3, 4].map((k) => sales(from - k * 7 * 86400)))
      expect([bars[block], low[block], high[block]]).toEqual([await sales(from), Math.min(...before), Math.max(...before)])
    }
    expect(io.summary).toContain('(* the block in progress: 3 h of 6 h so far)')

    // The next run sees it still: nothing opened again.
    world.clock = T0 + 10 * 60
    const again = await run()
    expect(again.outputs.incidents_opened).toBe('0')
    expect(incidentsOf(again).map((i) => [i.monitor, i.state])).toEqual([['silence', 'ongoing']])

    // A sale arrives: it resolves.
    const sale = { ...a.charges.findLast((c) => c.status === 'succeeded')!, id: 'ch_3MonitorSaleArrives000001', created: world.clock - 60 }
    world.stripe.createCharge(sale)
    const after = await run()
    expect(after.outputs.incidents_resolved).toBe('1')
    expect(incidentsOf(after)).toMatchObject([{ monitor: 'silence', state: 'resolved' }])
    expect(after.outputs.monitor_status).toBe('ok')
    expect(await openRows()).toEqual([{ monitor: 'silence', key: 'no-sales', state: 'resolved' }])
  }, 60_000)

  it('silence on a young account: the weeks before its first sale are not weeks without sales', async () => {
    serve(account({ silenceFrom: T0 - 3 * HOUR - 10 * 60 }, { weeks: 2.5 }), T0)
    const io = await run()
    expect(incidentsOf(io).map((i) => [i.monitor, i.state])).toEqual([['silence', 'opened']])
    expect(incidentsOf(io)[0]!.summary).toMatch(/^0 sales in 3 h 1\d min; about \d+ expected at this hour of the week \(the quietest of 2 open weeks: \d+\)/)
  }, 60_000)

  it('declines: issuers declining 60 % for two hours, broken down by outcome and reason', async () => {
    const a = account({ declines: { from: T0 - 2 * HOUR, to: T0, share: 0.6 } }, { now: T0 + 3 * HOUR })
    serve(a, T0)
    const io = await run()
    const incidents = incidentsOf(io)
    expect(incidents.map((i) => [i.monitor, i.severity, i.state])).toEqual([['declines', 'critical', 'opened']])
    expect(incidents[0]!.summary).toMatch(/% of \d+ attempts declined in the last 2 h; usually [\d.]+ % at these hours/)
    expect(incidents[0]!.summary).toMatch(/issuer declined, \d+ blocked, \d+ invalid; top reasons: \w+ \d+/)
    expect(Number(incidents[0]!.observed.share)).toBeGreaterThan(0.4)
    world.clock = T0 + 5 * 60
    serve(a, world.clock)
    const again = await run()
    expect(again.outputs.incidents_opened).toBe('0')
    expect(incidentsOf(again).map((i) => [i.monitor, i.state])).toEqual([['declines', 'ongoing']])
    // Issuers accept again from T0: once the 2-hour window holds only usual hours, it resolves.
    world.clock = T0 + 2 * HOUR + 10 * 60
    serve(a, world.clock)
    const after = await run()
    expect(incidentsOf(after).map((i) => [i.monitor, i.state])).toEqual([['declines', 'resolved']])
    expect(after.outputs.monitor_status).toBe('ok')
  }, 60_000)

  it('card testing: 250 small attempts from 200 cards in 40 minutes, 92 % declined — and not told again as declines', async () => {
    serve(account({ cardTesting: { from: T0 - 45 * 60, minutes: 40, attempts: 250, cards: 200, declined: 230 } }), T0)
    const io = await run()
    expect(incidentsOf(io).map((i) => [i.monitor, i.severity])).toEqual([['card-testing', 'critical']])
    expect(incidentsOf(io)[0]!.summary).toMatch(/failed attempts from \d+ cards in the last 30 min/)
    // An hour without the pattern: it resolves.
    world.clock = T0 + 75 * 60
    serve(account({ cardTesting: { from: T0 - 45 * 60, minutes: 40, attempts: 250, cards: 200, declined: 230 } }, { now: world.clock }), world.clock)
    const later = await run()
    expect(incidentsOf(later).map((i) => [i.monitor, i.state])).toEqual([['card-testing', 'resolved']])
    // While the burst is still in the declines' window, the declines are told as card testing, not as an incident of their own.
    world.clock += 10 * 60
    const after = await run()
    expect(incidentsOf(after)).toEqual([])
    expect(after.summary).toMatch(/✓ \*\*declines\*\* — .* told as card-testing/)
  }, 60_000)

  it('disputes: 2.5 % of a month’s card sales disputed, with the networks’ floors shown', async () => {
    serve(account({ disputes: { share: 0.025, days: 10 } }), T0)
    const io = await run()
    const incidents = incidentsOf(io)
    expect(incidents.map((i) => [i.monitor, i.severity])).toEqual([['disputes', 'critical']])
    expect(Number(incidents[0]!.observed.last_30_days)).toBeGreaterThan(0.015)
    expect(io.summary).toContain('1,500 disputes a month (Visa VAMP) and 100 chargebacks (Mastercard ECM)')
    // Still above the level ten minutes on: the same incident, not a new one.
    world.clock = T0 + 10 * 60
    const again = await run()
    expect(again.outputs.incidents_opened).toBe('0')
    expect(incidentsOf(again).map((i) => [i.monitor, i.state])).toEqual([['disputes', 'ongoing']])
    // Under the level (here a level raised above the ratio): it resolves.
    world.clock += 10 * 60
    const after = await run({ 'monitor-thresholds': 'disputes.warning=5%, disputes.critical=10%' })
    expect(incidentsOf(after).map((i) => [i.monitor, i.state])).toEqual([['disputes', 'resolved']])
  }, 60_000)

  it('refunds: 60 refunds in 3 hours', async () => {
    const a = account({ refunds: { from: T0 - 3 * HOUR, to: T0, count: 60 } }, { now: T0 + 4 * HOUR })
    serve(a, T0)
    const io = await run()
    expect(incidentsOf(io).map((i) => [i.monitor, i.severity])).toEqual([['refunds', 'critical']])
    expect(incidentsOf(io)[0]!.summary).toMatch(/^60 refunds in the last 3 h; about [\d.]+ expected at these hours of the week/)
    // The spree is over at T0: once the 3-hour window holds only usual refunds, it resolves.
    world.clock = T0 + 3 * HOUR + 10 * 60
    serve(a, world.clock)
    const after = await run()
    expect(incidentsOf(after).map((i) => [i.monitor, i.state])).toEqual([['refunds', 'resolved']])
  }, 60_000)

  it('payouts: a failed payout, with its failure code, resolved once a later payout is paid', async () => {
    const a = account({ failedPayout: true })
    serve(a, T0)
    const io = await run()
    const incidents = incidentsOf(io)
    const failed = a.payouts.find((p) => p.status === 'failed')!
    expect(incidents.map((i) => [i.monitor, i.severity])).toEqual([['payouts', 'critical']])
    expect(incidents[0]!.summary).toContain(`Payout ${failed.id} failed (account_closed)`)
    expect(incidents[0]!.dashboard_url).toBe(`https://dashboard.stripe.com/test/payouts/${failed.id}`)
    // The next payout is paid.
    const next = a.payouts.find((p) => p.arrival_date > failed.arrival_date)!
    world.clock += 120
    world.stripe.emit('payout.paid', world.stripe.payouts.update(next.id, { status: 'paid' }), world.clock - 30)
    const after = await run()
    expect(incidentsOf(after).map((i) => [i.monitor, i.state])).toEqual([['payouts', 'resolved']])
  }, 60_000)

  it('renewals: failed subscription renewals far above the same weekday', async () => {
    serve(account({ renewals: { from: T0 - 20 * HOUR, to: T0, count: 15 } }), T0)
    const io = await run()
    expect(incidentsOf(io).map((i) => [i.monitor, i.severity])).toEqual([['renewals', 'critical']])
    world.clock = T0 + 10 * 60
    const again = await run()
    expect(again.outputs.incidents_opened).toBe('0')
    expect(incidentsOf(again).map((i) => [i.monitor, i.state])).toEqual([['renewals', 'ongoing']])
  }, 60_000)
})

describe('what a monitor needs', () => {
  it('learns for its first two weeks of history, while the absolute monitors work from the first run', async () => {
    serve(account({ silenceFrom: T0 - 4 * HOUR, failedPayout: true }, { weeks: 1.5 }), T0)
    const io = await run()
    expect(incidentsOf(io).map((i) => i.monitor)).toEqual(['payouts'])
    expect(io.summary).toMatch(/… \*\*silence\*\* — learning: 10 of 14 days of history/)
    // Ten days of history hold no sales of last month: Mastercard's ratio is said to have nothing to count against, not 0 %.
    expect(io.summary).toContain('Mastercard counts against last month, which had no card sales (1 dispute)')
    expect(io.outputs.monitor_status).toBe('critical')
  }, 60_000)

  it("with the action's defaults during card testing: not ok — the first lines say what cannot be watched and what to change", async () => {
    serve(account({ cardTesting: { from: T0 - 45 * 60, minutes: 40, attempts: 250, cards: 200, declined: 230 } }), T0)
    // The defaults: charges only, succeeded only.
    const io = await run({ status: 'succeeded', objects: 'charges' })
    expect(io.outputs.monitor_status).toBe('partial')
    expect(incidentsOf(io)).toEqual([])
    const lines = io.summary.split('\n')
    expect(lines[2]).toBe(`### ◐ Monitor: watching 1 of ${MONITORS.length} monitors — the others cannot see`)
    expect(lines.slice(4, 11)).toEqual([
      '**Cannot see:**',
      '',
      '* ◐ **declines, card-testing**: need failed charges: set `status: all`',
      '* ◐ **disputes**: needs disputes synced (add it to `objects`)',
      '* ◐ **refunds**: needs refunds synced (add it to `objects`)',
      '* ◐ **payouts**: needs payouts synced (add it to `objects`)',
      '* ◐ **renewals**: needs invoices synced (add it to `objects`)'
    ])
    expect(io.warnings).toEqual([])
  }, 60_000)

  it('examples/monitor.yml as first written (incremental, no limit: all) never says ok over an unfinished backfill', async () => {
    serve(account({ failedPayout: true, disputes: { share: 0.025, days: 10 } }), T0)
    const io = await run({ limit: '10' })
    // Ten of each, oldest first: neither the failed payout nor the disputes are stored yet, and it says so.
    expect(io.outputs.monitor_status).toBe('stale')
    expect(io.summary).toMatch(/### ◌ Monitor: not current — the synced data is behind/)
    expect(io.summary).toMatch(
      /\* ◌ charges complete through 2026-\d\d-\d\d — backfill in progress, 10 of about [\d,]+ \(each run stores 10: set `limit: all` to finish in one run\)/
    )
    expect(io.summary).toMatch(/\* ◌ payouts complete through/)
    // Once the backfill is done, both incidents open.
    const full = await run()
    expect(
      incidentsOf(full)
        .map((i) => i.monitor)
        .sort()
    ).toEqual(['disputes', 'payouts'])
    expect(full.outputs.monitor_status).toBe('critical')
    expect(full.summary).not.toContain('Cannot see')
  }, 60_000)

  it('a key that cannot read what a monitor reads: that monitor says so first, and the status is not ok', async () => {
    await world.replaceStandIn({ missingPermissions: { rk_test_NoRefunds: ['refunds'] } })
    serve(account(), T0)
    const io = recorder({
      ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
      'stripe-secret-key': 'rk_test_NoRefunds',
      objects: OBJECTS,
      status: 'all',
      incremental: 'true',
      'created-after': '70d',
      'monitor-holidays': 'none'
    })
    await runAction(io, { now: world.now, env: { RUNNER_TEMP: scratchDir('runner-temp') }, retry: FAST_RETRY, repositoryPrivate: true })
    // The refunds' sync failed (and fails the step); the monitors that could look did.
    expect(io.failed).toMatch(/refunds: Stripe refused to list refunds: the restricted key/)
    expect(io.outputs.monitor_status).toBe('partial')
    expect(io.summary).toContain('* ◐ **refunds**: the key cannot read refunds')
  }, 60_000)

  it('runs no monitor with monitors: none, and leaves the outputs empty', async () => {
    serve(account({ failedPayout: true }), T0)
    const io = await run({ monitors: 'none' })
    expect(io.outputs.monitor_status).toBe('')
    expect(io.outputs.incidents).toBe('[]')
    expect(io.summary).not.toContain('Monitor:')
  }, 60_000)
})

describe('raised once', () => {
  it('overlapping runs open one incident, not two', async () => {
    serve(account({ failedPayout: true }), T0)
    await run({ monitors: 'none' })
    const [one, two] = await Promise.all([run({ 'max-requests-per-second': '50' }), run({ 'max-requests-per-second': '50' })])
    const opened = Number(one.outputs.incidents_opened) + Number(two.outputs.incidents_opened)
    expect(opened).toBe(1)
    expect(await openRows()).toEqual([{ monitor: 'payouts', key: expect.stringMatching(/^po_/), state: 'open' }])
  }, 60_000)
})

describe('fail-on', () => {
  it('fails the step after everything is stored and written, naming the incident', async () => {
    serve(account({ failedPayout: true }), T0)
    await expect(run({ 'fail-on': 'critical' })).rejects.toThrow(
      /^fail-on: critical — 1 critical incident open\. payouts: Payout po_\w+ failed \(account_closed\)/
    )
    // Stored and published first.
    expect(await openRows()).toHaveLength(1)
    const count = await withClient(world.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM "${world.schema}".processed_charges`)).rows[0].n)
    expect(count).toBeGreaterThan(5000)
  }, 60_000)

  it('does not fail on a warning with fail-on: critical', async () => {
    serve(account({}), T0)
    const io = await run({ 'fail-on': 'critical' })
    expect(io.failed).toBeUndefined()
  }, 60_000)
})

describe('incident issues', () => {
  const github = new GitHubStandIn()
  beforeAll(() => github.start())
  afterAll(() => github.stop())
  const env = () => ({ RUNNER_TEMP: scratchDir('runner-temp'), GITHUB_REPOSITORY: 'acme/payments', GITHUB_API_URL: github.url, GITHUB_RUN_ID: '77' })
  const runWithIssues = (thresholds: string) =>
    runOrThrow(
      {
        ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
        'stripe-secret-key': 'sk_test_Monitor123',
        objects: 'charges, disputes',
        status: 'all',
        incremental: 'true',
        'created-after': '70d',
        monitors: 'disputes',
        'incident-issues': 'true',
        'github-token': 'ghs_IssueToken0123456789',
        'monitor-thresholds': thresholds
      },
      { now: world.now, env: env() }
    )

  it('opens one issue per incident, comments when its severity changes, closes it when it resolves — with no amount in it', async () => {
    github.refuse = undefined
    serve(account({ disputes: { share: 0.025, days: 10 } }), T0)
    const first = await runWithIssues('disputes.critical=5%')
    expect(incidentsOf(first).map((i) => [i.severity, i.state])).toEqual([['warning', 'opened']])
    expect(github.issues).toHaveLength(1)
    const issue = github.issues[0]!
    expect(issue.title).toMatch(/^Warning: disputes — [\d.]+ % of card sales disputed over 30 days/)
    expect(issue.labels).toEqual(['stripe-incident', 'disputes', 'warning'])
    expect(issue.body).toContain('[Open in the Stripe Dashboard](https://dashboard.stripe.com/test/disputes)')
    expect(issue.body).toContain('/acme/payments/actions/runs/77')
    expect(issue.body).not.toMatch(/USD|\$\d/)
    expect(github.tokens.every((t) => t === 'token ghs_IssueToken0123456789')).toBe(true)
    expect(first.secrets).toContain('ghs_IssueToken0123456789')

    // Still open, same severity: nothing new on GitHub.
    world.clock += 600
    await runWithIssues('disputes.critical=5%')
    expect(github.issues).toHaveLength(1)
    expect(issue.comments).toEqual([])

    // Critical now: a comment and the new label.
    world.clock += 600
    await runWithIssues('')
    expect(issue.comments).toHaveLength(1)
    expect(issue.comments[0]).toMatch(/^Severity changed from warning to \*\*critical\*\*/)
    expect(issue.labels).toEqual(['stripe-incident', 'disputes', 'critical'])

    // Under the levels again: resolved, commented and closed.
    world.clock += 600
    const last = await runWithIssues('disputes.warning=5%, disputes.critical=10%')
    expect(incidentsOf(last).map((i) => i.state)).toEqual(['resolved'])
    expect(issue.state).toBe('closed')
    expect(issue.comments[1]).toMatch(/^Resolved at 2026-11-26T15:30:00Z, after 30 minutes/)
    expect(github.issues).toHaveLength(1)
  }, 60_000)

  it('a token without issues: write is a clear warning, not a failed sync', async () => {
    github.refuse = 403
    serve(account({ disputes: { share: 0.025, days: 10 } }), T0)
    const io = await runWithIssues('')
    expect(io.failed).toBeUndefined()
    expect(io.outputs.incidents_opened).toBe('1')
    expect(io.warnings.join('\n')).toContain(
      'GitHub refused the incident issues: the token lacks `issues: write` (403): give the job `permissions: issues: write`, or a github-token that may write issues; nothing more was tried this run. The incidents are stored and the sync succeeded.'
    )
    expect(io.summary).toContain('GitHub refused the incident issues')
  }, 60_000)
})

describe("the monitors' index", () => {
  // The run makes an index the monitors read each account's charges through; a role that may not
  // make it runs without, reading every row of the windows instead. Both must see the same.
  it('is made by the run, and every monitor sees the same through it as without it, in every account', async () => {
    const shop = generateMonitorAccount({ now: T0, weeks: 3, salesPerDay: 60, seed: 31, incidents: { disputes: { share: 0.03, days: 10 } } })
    const young = generateMonitorAccount({ now: T0, weeks: 1.5, salesPerDay: 60, seed: 32, incidents: { failedPayout: true } })
    world.stripe.connect('acct_1DisputedShop', T0 - 40 * 86400).addAccount(shop)
    world.stripe.connect('acct_1YoungShop', T0 - 40 * 86400).addAccount(young)
    serve(account(), T0)
    await run({ 'stripe-account': 'all' })
    const made = await withClient(world.db.url, (c) =>
      c.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'processed_charges_monitor_idx'`, [world.schema])
    )
    expect(made.rows[0]?.indexdef).toContain(`(COALESCE(account_id, ''::text), created_at, status, payment_method_type, account_id)`)

    const tables = Object.fromEntries(
      [
        ['charges', 'processed_charges'],
        ['refunds', 'stripe_refunds'],
        ['disputes', 'stripe_disputes'],
        ['payouts', 'stripe_payouts'],
        ['invoices', 'stripe_invoices']
      ].map(([o, t]) => [o, `"${world.schema}".${t}`])
    )
    const levels = parseThresholds('', MONITORS)
    const sorted = <T extends { account: string | null }>(list: readonly T[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    const past = { isOpen: () => false, openedAt: () => undefined, openSince: () => false }
    await withClient(world.db.url, async (c) => {
      const db = { query: async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => (await c.query<R>(sql, params)).rows }
      const seen = (indexed: boolean, at: number) =>
        evaluate(
          db,
          MONITORS,
          levels,
          { tables, failedCharges: true, accounts: true, indexed: new Set(indexed ? [tables.charges!] : []) },
          at,
          past,
          UTC_CALENDAR
        ).then((outcomes) =>
          // In the accounts' order: the two reads list them in their own.
          outcomes.map((o) => ({ monitor: o.monitor.name, notes: sorted(o.notes), findings: sorted(o.findings) }))
        )
      // A busy afternoon, a month's last evening, and the first hour of a month (the disputes monitor counts from the 1st).
      for (const at of [T0, Date.UTC(2026, 10, 30, 20) / 1000, Date.UTC(2026, 11, 1, 0, 30) / 1000]) {
        const through = await seen(true, at)
        expect(through).toEqual(await seen(false, at))
        // Three accounts watched (the platform's own, two connected), the disputed one found by its own monitor.
        const disputes = through.find((o) => o.monitor === 'disputes')!
        expect(disputes.findings.map((f) => f.account)).toEqual(['acct_1DisputedShop'])
        // Its sales, summed from the counts between the ratios' bounds, are the card sales of each stretch.
        const sales = async (from: number, to: number) =>
          (
            await c.query(
              `SELECT count(*)::int AS n FROM ${tables.charges} WHERE account_id = 'acct_1DisputedShop' AND status = 'succeeded'
                  AND coalesce(payment_method_type, 'card') = 'card' AND created_at >= to_timestamp($1) AND created_at < to_timestamp($2)`,
              [from, to]
            )
          ).rows[0].n
        const d = new Date(at * 1000)
        const month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000
        const previous = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1) / 1000
        expect(disputes.findings[0]!.observed).toMatchObject({
          sales_30_days: await sales(at - 30 * 86400, at),
          sales_month: await sales(month, at),
          sales_previous_month: await sales(previous, month)
        })
        expect(disputes.notes.map((n) => n.account)).toEqual(['acct_1PlatformStandIn', 'acct_1YoungShop'])
        // The young shop's 10 days of history at T0 are 14 days and more by the month's end.
        const learning = through.find((o) => o.monitor === 'silence')!.notes.filter((n) => n.state === 'learning')
        expect(learning.map((n) => n.account)).toEqual(at === T0 ? ['acct_1YoungShop'] : [])
      }
    })
  }, 60_000)
})

describe('Connect', () => {
  it('monitors every account on its own, and the incident names its account', async () => {
    const quiet = generateMonitorAccount({ now: T0, weeks: 3, salesPerDay: 60, seed: 21 })
    const failing = generateMonitorAccount({ now: T0, weeks: 3, salesPerDay: 60, seed: 22, incidents: { failedPayout: true } })
    world.stripe.connect('acct_1QuietShop', T0 - 40 * 86400).addAccount(quiet)
    world.stripe.connect('acct_1FailingShop', T0 - 40 * 86400).addAccount(failing)
    const io = await run({ 'stripe-account': 'all', objects: 'charges, payouts' })
    const incidents = incidentsOf(io)
    const failed = failing.payouts.find((p) => p.status === 'failed')!
    expect(incidents.map((i) => [i.monitor, i.account_id, i.state])).toEqual([['payouts', 'acct_1FailingShop', 'opened']])
    expect(incidents[0]!.dashboard_url).toBe(`https://dashboard.stripe.com/acct_1FailingShop/test/payouts/${failed.id}`)
    expect(io.summary).toContain('✗ **payouts** `acct_1FailingShop` — Payout')
    // The other accounts are watched too: one line for them.
    expect(io.summary).toMatch(/\*\*payouts\*\* — the other 1 account within the usual/)
    expect(io.summary).toMatch(/✓ \*\*silence\*\* — 2 accounts within the usual/)
    // Card testing watches an account that had no failure in the last hour too.
    expect(io.summary).toMatch(/✓ \*\*card-testing\*\* — 2 accounts within the usual/)
  }, 60_000)
})
