import type { IncidentEntry } from '../../src/features/monitor/outputs.js'
import { loadHolidays } from '../../src/features/monitor/holidays.js'
import { addDays, instantOf } from '../../src/zone.js'
import { makeCharge } from '../../test-support/fixtures.js'
import type { Recorder } from '../../test-support/recorder.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { SHOP_ZONE, shopSales } from '../../test-support/shop.js'
import { World } from '../../test-support/world.js'

// The monitor on a British shop's Easter, through the action: the account says where it lives (GB,
// Europe/London) and nothing else is set. A bank holiday is not a silence; a closure no calendar
// knows (Easter Sunday) is one incident unless a quiet window says it is planned; the summary says
// the zone, the holidays and what they changed.

const HOUR = 3600
const london = (date: string, clock: string) => instantOf(date, Number(clock.slice(0, 2)) * HOUR + Number(clock.slice(3)) * 60, SHOP_ZONE)

const world = new World('calendar', { start: london('2026-04-03', '15:00'), standIn: { country: 'GB', timezone: 'Europe/London' } })

let sales: number[] = []

beforeAll(async () => {
  // The shop: England's bank holidays and Easter Sunday closed, every Saturday closed; 60 sales a January weekday.
  const england = (await loadHolidays({ country: 'GB', region: 'ENG' }, [2026])).calendar
  const closed = new Set(['2026-04-05'])
  for (let d = '2026-01-01'; d <= '2026-04-30'; d = addDays(d, 1)) if (england.nameOf(d)) closed.add(d)
  sales = shopSales({ from: '2026-02-01', to: '2026-04-10', januaryWeekday: 60, closed, seed: 3 })
})

/** Serves the sales made before the clock. */
function serve(): void {
  const have = world.stripe.charges.byId
  world.stripe.charges.add(
    sales
      .map((created, i) => makeCharge({ id: `ch_shop${String(i).padStart(6, '0')}`, created, amount: 2500, currency: 'gbp', status: 'succeeded' }))
      .filter((c) => c.created < world.clock && !have.has(c.id))
  )
}

async function run(inputs: Record<string, string> = {}): Promise<Recorder> {
  serve()
  return runOrThrow(
    {
      ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
      'stripe-secret-key': 'sk_test_Calendar123',
      status: 'all',
      incremental: 'true',
      'created-after': '70d',
      monitors: 'silence, declines, card-testing',
      ...inputs
    },
    { now: world.now }
  )
}

const incidentsOf = (io: Recorder): IncidentEntry[] => JSON.parse(io.outputs.incidents ?? '[]')

it('Good Friday is not a silence, and the summary says the zone, the holidays and what they changed', async () => {
  const io = await run()
  expect(incidentsOf(io)).toEqual([])
  expect(io.outputs.monitor_status).toBe('ok')
  expect(io.summary).toContain('Local time: Europe/London (the Stripe account) · public holidays: GB (the Stripe account).')
  // The summary escapes Markdown's punctuation in the monitors' words: read without the backslashes.
  expect(io.summary.replace(/\\/g, '')).toMatch(
    /✓ \*\*silence\*\* — last sale [\d h min]+ ago; .*2026-04-03 is Good Friday \(public holiday, GB\): no sales expected then/
  )
  // The account was asked where it lives once, and the place is remembered for a day: an hour later, not asked again.
  expect(world.stripe.requests.filter((r) => r.path === '/v1/account')).toHaveLength(1)
  world.clock += HOUR
  expect((await run()).summary).toContain('Local time: Europe/London (the Stripe account)')
  expect(world.stripe.requests.filter((r) => r.path === '/v1/account')).toHaveLength(1)
}, 60_000)

it('asks Stripe about the account once a run: a first backfill’s start and where the account lives share one request', async () => {
  // No created-after: the first run lists from Stripe's start, so it asks when the account began.
  const io = await run({ 'created-after': '' })
  expect(io.summary).toContain('Local time: Europe/London (the Stripe account)')
  const asked = world.stripe.requests.filter((r) => r.path === '/v1/account')
  expect(asked).toHaveLength(1)
  // That one answer also kept the listing out of the years before the account (it lists from 2011
  // otherwise): nothing further back than the first cuts' year.
  const lists = world.stripe.requests.filter((r) => r.path === '/v1/charges')
  expect(lists.length).toBeGreaterThan(0)
  const oldest = Math.min(...lists.map((r) => Number(r.query['created[gte]'])))
  expect(world.now.getTime() / 1000 - oldest).toBeLessThanOrEqual(366 * 86400)
}, 60_000)

it('Easter Sunday, closed without a calendar saying so, is one incident until sales return; a quiet window makes it planned', async () => {
  world.clock = london('2026-04-05', '14:00')
  const sunday = await run()
  const [incident, ...others] = incidentsOf(sunday)
  expect(others).toEqual([])
  expect(incident).toMatchObject({ monitor: 'silence', state: 'opened', severity: 'critical' })
  // Friday expected nothing (a holiday), Saturday nothing (never open): Sunday's own hours opened it.
  expect(incident!.summary).toMatch(/^0 sales in 2 days \d+ h; .*2026-04-03 is Good Friday \(public holiday, GB\): no sales expected then/)
  expect(incident!.summary).toMatch(/Saturdays: closed in each of the 4 weeks compared, so none expected/)
  // Easter Monday, a bank holiday: still the same incident, nothing new.
  world.clock = london('2026-04-06', '14:00')
  const monday = await run()
  expect(incidentsOf(monday).map((i) => [i.monitor, i.state])).toEqual([['silence', 'ongoing']])
  // Tuesday: the shop sells again, and the one incident resolves.
  world.clock = london('2026-04-07', '10:00')
  const tuesday = await run()
  expect(incidentsOf(tuesday).map((i) => [i.monitor, i.state])).toEqual([['silence', 'resolved']])
  // The backtest of the same fortnight, with the closure planned: nothing at all; without: that one incident.
  const planned = await run({ 'monitor-backtest': '14d', 'monitor-quiet': '2026-04-05' })
  expect(JSON.parse(planned.outputs.backtest!).incidents).toEqual([])
  const unplanned = JSON.parse((await run({ 'monitor-backtest': '14d' })).outputs.backtest!)
  expect(
    unplanned.incidents.map((i: { monitor: string; opened_at: string; resolved_at: string }) => [
      i.monitor,
      i.opened_at.slice(0, 10),
      i.resolved_at.slice(0, 10)
    ])
  ).toEqual([['silence', '2026-04-05', '2026-04-07']])
}, 120_000)

it('a quiet window mutes the opening of incidents and says until when, in local time', async () => {
  world.clock = london('2026-04-05', '14:00')
  const io = await run({ 'monitor-quiet': 'Sun' })
  expect(incidentsOf(io)).toEqual([])
  // A whole quiet day expects no sales: nothing is held back, so the status is ok.
  expect(io.outputs.monitor_status).toBe('ok')
  expect(io.summary).toMatch(/🔇 \*\*Muted\*\* until 2026-04-06 00:00 \(Europe\/London\) by `monitor-quiet` \(Sun\): no incident opens; open ones stay open\./)
  // Muted for some hours only: Easter Sunday's closure is a finding held back, never "all clear".
  const held = await run({ 'monitor-quiet': 'Sun 10:00-18:00' })
  expect(incidentsOf(held)).toEqual([])
  expect(held.outputs.monitor_status).toBe('muted')
  expect(held.summary).toMatch(/### 🔇 Monitor: muted until 2026-04-05 18:00 \(Europe\/London\) by `monitor-quiet` — 1 finding held back \(silence\)/)
}, 60_000)
