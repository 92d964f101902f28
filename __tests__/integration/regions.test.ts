import type { IncidentEntry } from '../../src/features/monitor/outputs.js'
import { loadHolidays } from '../../src/features/monitor/holidays.js'
import { addDays, instantOf } from '../../src/zone.js'
import { makeCharge } from '../../test-support/fixtures.js'
import type { Recorder } from '../../test-support/recorder.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { shopSales } from '../../test-support/shop.js'
import { World } from '../../test-support/world.js'

// Holidays that fit the shop, through the action: the account says only its country and zone. A
// holiday of one region of the country is an ordinary day — an outage on it is found — while the
// whole country's holidays, when the shop closes, stay quiet. (The days of 2026: Stripe's `created`
// is never in the future, and the sync quarantines a charge that says it is; the rule holds the same
// for 2027's, which the calendar's unit tests check.)

const HOUR = 3600

interface Shop {
  world: World
  zone: string
  country: string
}

function shop(prefix: string, country: string, zone: string): Shop {
  return { world: new World(prefix, { start: Date.UTC(2026, 0, 1) / 1000, standIn: { country, timezone: zone } }), zone, country }
}

const newYork = shop('reg_us', 'US', 'America/New_York')
const saoPaulo = shop('reg_br', 'BR', 'America/Sao_Paulo')

/** Eight weeks of a shop that closes on its country's national holidays, up to `day` at `clock` local, with an outage that day. */
async function runOn(s: Shop, day: string, clock: number, outage?: readonly [number, number]): Promise<Recorder> {
  const national = (await loadHolidays({ country: s.country }, [Number(day.slice(0, 4))])).calendar
  const closed = new Set<string>()
  const from = addDays(day, -60)
  for (let d = from; d <= day; d = addDays(d, 1)) if (national.whereOf(d) === s.country) closed.add(d)
  const at = instantOf(day, clock * HOUR, s.zone)
  const outages = outage ? [[instantOf(day, outage[0] * HOUR, s.zone), instantOf(day, outage[1] * HOUR, s.zone)] as const] : []
  const sales = shopSales({ from, to: day, januaryWeekday: 60, closed, seed: 5, outages, zone: s.zone }).filter((t) => t < at)
  s.world.clock = at
  s.world.stripe.charges.add(
    sales.map((created, i) => makeCharge({ id: `ch_reg${String(i).padStart(6, '0')}`, created, amount: 2500, currency: 'usd', status: 'succeeded' }))
  )
  return runOrThrow(
    {
      ...syncInputs({ databaseUrl: s.world.db.url, stripeUrl: s.world.stripe.url, schema: s.world.schema }),
      'stripe-secret-key': 'sk_test_Regions123',
      status: 'all',
      incremental: 'true',
      'created-after': '70d',
      monitors: 'silence'
    },
    { now: s.world.now }
  )
}

const silences = (io: Recorder) => (JSON.parse(io.outputs.incidents ?? '[]') as IncidentEntry[]).filter((i) => i.monitor === 'silence')

describe('a New York shop', () => {
  it('an outage on Evacuation Day (2026-03-17, one Massachusetts county) opens a critical silence incident', async () => {
    const io = await runOn(newYork, '2026-03-17', 14, [10, 14])
    expect(silences(io)).toEqual([expect.objectContaining({ severity: 'critical', state: 'opened' })])
    expect(io.outputs.monitor_status).toBe('critical')
    expect(io.summary).not.toContain('Evacuation Day')
    expect(io.summary).toContain('public holidays: US (the Stripe account)')
  })

  it('closed on Independence Day (observed, 2026-07-03): quiet', async () => {
    const io = await runOn(newYork, '2026-07-03', 14)
    expect(silences(io)).toEqual([])
    expect(io.summary).toMatch(/Independence Day.*\(public holiday, US\)/)
  })
})

describe('a Brazilian shop', () => {
  it("an outage on Rio's São Jorge day (2026-04-23) opens one", async () => {
    const io = await runOn(saoPaulo, '2026-04-23', 16, [10, 16])
    expect(silences(io)).toEqual([expect.objectContaining({ severity: 'critical' })])
  })

  it('closed on Tiradentes (2026-04-21, national): quiet', async () => {
    const io = await runOn(saoPaulo, '2026-04-21', 14)
    expect(silences(io)).toEqual([])
  })
})
