import { incidentsOf, monitorWorld, HOUR, T0 } from '../../test-support/monitor-world.js'
import { withClient } from '../../test-support/postgres.js'

// The payment monitor on a busy shop's account (test-support/monitor-world.ts): each incident is
// opened by the first run that sees it, by its own monitor only, once; it resolves when it ends; a
// clean account raises nothing. What a run does around the monitors is in monitor-run.test.ts.

const { world, account, disputed, serve, run, openRows } = monitorWorld('monitor')

describe('a clean account', () => {
  it('raises nothing on a busy afternoon, says what it watches against what it expects, and a 3-day backtest raises nothing', async () => {
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

    const backtest = await run({ 'monitor-backtest': '3d' })
    const result = JSON.parse(backtest.outputs.backtest!)
    expect(result.evaluations).toBe(3 * 24 + 1)
    expect(result.incidents).toEqual([])
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

  it('declines: issuers declining 75 % for two hours, broken down by outcome and reason', async () => {
    const a = account({ declines: { from: T0 - 2 * HOUR, to: T0, share: 0.75 } }, { now: T0 + 3 * HOUR })
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
    serve(disputed(), T0)
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
    const after = await run({ 'monitor-thresholds': 'disputes.warning=20%, disputes.critical=40%' })
    expect(incidentsOf(after).map((i) => [i.monitor, i.state])).toEqual([['disputes', 'resolved']])
  }, 60_000)

  it('refunds: 60 refunds in 3 hours', async () => {
    const a = account({ refunds: { from: T0 - 3 * HOUR, to: T0, count: 60 } }, { now: T0 + 4 * HOUR })
    serve(a, T0)
    const io = await run()
    expect(incidentsOf(io).map((i) => [i.monitor, i.severity])).toEqual([['refunds', 'critical']])
    expect(incidentsOf(io)[0]!.summary).toMatch(/^6\d refunds in the last 3 h; about [\d.]+ expected at these hours of the week/)
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
