import { UTC_CALENDAR } from '../../src/features/monitor/calendar.js'
import { evaluate } from '../../src/features/monitor/engine.js'
import { MONITORS } from '../../src/features/monitor/monitors/index.js'
import { parseThresholds } from '../../src/features/monitor/settings.js'
import { runAction } from '../../src/main.js'
import { FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { GitHubStandIn } from '../../test-support/github-standin.js'
import { generateMonitorAccount } from '../../test-support/monitor-account.js'
import { incidentsOf, monitorWorld, HOUR, OBJECTS, T0 } from '../../test-support/monitor-world.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { scratchDir } from '../../test-support/scratch.js'

// What a run does around the monitors: what each needs (and says when it cannot see), overlapping
// runs, fail-on, the incident issues, the monitors' index, Connect.

const { world, account, disputed, small, serve, run, openRows } = monitorWorld('monitor_run')

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
    // Those that read succeeded charges alone watch (silence); the rest say what they need, first.
    const watching = MONITORS.filter((m) => !m.needsFailedCharges && m.reads.every((o) => o === 'charges')).length
    expect(lines[2]).toBe(`### ◐ Monitor: watching ${watching} of ${MONITORS.length} monitors — the others cannot see`)
    expect(lines.slice(4, 6)).toEqual(['**Cannot see:**', ''])
    expect(lines.slice(6, 6 + MONITORS.length - watching)).toEqual(
      expect.arrayContaining([
        '* ◐ **declines, card-testing**: need failed charges: set `status: all`',
        '* ◐ **disputes**: needs disputes synced (add it to `objects`)',
        '* ◐ **refunds**: needs refunds synced (add it to `objects`)',
        '* ◐ **payouts**: needs payouts synced (add it to `objects`)',
        '* ◐ **renewals**: needs invoices synced (add it to `objects`)'
      ])
    )
    expect(io.warnings).toEqual([])
  }, 60_000)

  it('examples/monitor.yml as first written (incremental, no limit: all) never says ok over an unfinished backfill', async () => {
    // Eight weeks: the ten oldest disputes are then the shop's usual ones, well before the month disputed.
    serve(account({ failedPayout: true, disputes: { share: 0.025, days: 10 } }, { weeks: 8 }), T0)
    const io = await run({ limit: '10' })
    // Ten of each, oldest first: neither the failed payout nor the disputes are stored yet, and it says so.
    expect(io.outputs.monitor_status).toBe('stale')
    // Nothing is judged past what the copy holds: no silence over the months not yet stored.
    expect(incidentsOf(io)).toEqual([])
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

  it("a window that ends before now (the daily digest's created-before) judges nothing after it: stale, never a page", async () => {
    // A shop selling as usual; its table holds the windows of the mornings before (five weeks of days, each up to midnight).
    serve(account({}, { weeks: 5 }), T0)
    const midnight = Math.floor(T0 / 86400) * 86400
    const io = await run({ incremental: 'false', 'created-after': String(midnight - 35 * 86400), 'created-before': String(midnight), monitors: 'silence' })
    expect(incidentsOf(io)).toEqual([])
    expect(io.outputs.monitor_status).toBe('stale')
    expect(io.summary).toMatch(/\* ◌ charges synced only up to \d{4}-\d\d-\d\d 00:00 UTC \(`created-before`\): nothing after it is judged/)
    expect(io.summary).toMatch(/- ◌ \*\*silence\*\* — not judged this run: the copy of charges stops short \(above\)/)
  }, 60_000)

  it('a key that cannot read what a monitor reads: that monitor says so first, and the status is not ok', async () => {
    await world.replaceStandIn({ missingPermissions: { rk_test_NoRefunds: ['refunds'] } })
    serve(small(), T0)
    const io = recorder({
      ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
      'stripe-secret-key': 'rk_test_NoRefunds',
      objects: OBJECTS,
      status: 'all',
      incremental: 'true',
      'created-after': '70d',
      'monitor-holidays': 'none'
    })
    await runAction(io, { now: world.now, env: { RUNNER_TEMP: scratchDir('runner-temp') }, retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
    // The refunds' sync failed (and fails the step); the monitors that could look did.
    expect(io.failed).toMatch(/refunds: Stripe refused to list refunds: the restricted key/)
    expect(io.outputs.monitor_status).toBe('partial')
    expect(io.summary).toContain('* ◐ **refunds**: the key cannot read refunds')
  }, 60_000)

  it('runs no monitor with monitors: none, and leaves the outputs empty', async () => {
    serve(small({ failedPayout: true }), T0)
    const io = await run({ monitors: 'none' })
    expect(io.outputs.monitor_status).toBe('')
    expect(io.outputs.incidents).toBe('[]')
    expect(io.summary).not.toContain('Monitor:')
  }, 60_000)
})

describe('raised once', () => {
  it('overlapping runs open one incident, not two', async () => {
    serve(small({ failedPayout: true }), T0)
    await run({ monitors: 'none' })
    const [one, two] = await Promise.all([run({ 'max-requests-per-second': '50' }), run({ 'max-requests-per-second': '50' })])
    const opened = Number(one.outputs.incidents_opened) + Number(two.outputs.incidents_opened)
    expect(opened).toBe(1)
    expect(await openRows()).toEqual([{ monitor: 'payouts', key: expect.stringMatching(/^po_/), state: 'open' }])
  }, 60_000)
})

describe('fail-on', () => {
  it('fails the step after everything is stored and written, naming the incident', async () => {
    const a = small({ failedPayout: true })
    serve(a, T0)
    await expect(run({ 'fail-on': 'critical' })).rejects.toThrow(
      /^fail-on: critical — 1 critical incident open\. payouts: Payout po_\w+ failed \(account_closed\)/
    )
    // Stored and published first.
    expect(await openRows()).toHaveLength(1)
    const count = await withClient(world.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM "${world.schema}".processed_charges`)).rows[0].n)
    expect(count).toBe(a.charges.length)
  }, 60_000)

  it('does not fail on a warning with fail-on: critical', async () => {
    serve(small({ disputes: { share: 0.03, days: 10 } }), T0)
    const io = await run({ 'fail-on': 'critical', 'monitor-thresholds': 'disputes.critical=50%' })
    expect(incidentsOf(io).map((i) => [i.monitor, i.severity])).toEqual([['disputes', 'warning']])
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
    serve(disputed(), T0)
    const first = await runWithIssues('disputes.critical=20%')
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
    await runWithIssues('disputes.critical=20%')
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
    const last = await runWithIssues('disputes.warning=20%, disputes.critical=40%')
    expect(incidentsOf(last).map((i) => i.state)).toEqual(['resolved'])
    expect(issue.state).toBe('closed')
    expect(issue.comments[1]).toMatch(/^Resolved at 2026-11-26T15:30:00Z, after 30 min/)
    expect(github.issues).toHaveLength(1)
  }, 60_000)

  it('a token without issues: write is a clear warning, not a failed sync', async () => {
    github.refuse = 403
    serve(disputed(), T0)
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
