import { addDays, instantOf, localDate, secondOfDay, weekday } from '../src/zone.js'
import { seededRandom } from './fixtures.js'
import { poisson } from './monitor-account.js'

/**
 * A real shop's calendar, for the monitors: a British online retailer in Europe/London, closed every
 * Saturday, on England's bank holidays, on Easter Sunday and for ten days at Christmas; shorter
 * Sundays; November three times January (growth through the autumn); days that swing ±20 %. The
 * clocks change twice a year in its zone. Sale times only (Unix seconds, ascending): the pure
 * replay counts them itself, and `asCharges` makes Stripe charges of them for the stand-in.
 */
export interface ShopOptions {
  /** First and last local day sold on (inclusive). */
  from: string
  to: string
  /** Sales on an ordinary January weekday. */
  januaryWeekday: number
  seed?: number
  /** Local days the shop is closed beyond Saturdays (holidays, Christmas, Easter Sunday). */
  closed: ReadonlySet<string>
  /** Stretches with no sale at all (outages injected), `[from, to)` Unix seconds. */
  outages?: ReadonlyArray<readonly [number, number]>
  /** The shop's time zone: London unless given (a New York or São Paulo shop keeps the same hours in its own). */
  zone?: string
}

export const SHOP_ZONE = 'Europe/London'

/** Opening hours as a share of the day's sales per local hour: weekdays 08–19, Sundays 10–16. */
const WEEKDAY_HOURS = [0, 0, 0, 0, 0, 0, 0, 0.01, 0.05, 0.09, 0.11, 0.12, 0.12, 0.11, 0.1, 0.1, 0.08, 0.06, 0.03, 0.02, 0, 0, 0, 0]
const SUNDAY_HOURS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.12, 0.18, 0.2, 0.2, 0.18, 0.12, 0, 0, 0, 0, 0, 0, 0, 0]

/** The season: January 1, growing to 3 in November, December's first weeks still busy. */
const MONTH = [1, 1.05, 1.15, 1.2, 1.25, 1.3, 1.35, 1.45, 1.8, 2.3, 3, 2.4]

export function shopSales(options: ShopOptions): number[] {
  const random = seededRandom(options.seed ?? 11)
  const sales: number[] = []
  for (let day = options.from; day <= options.to; day = addDays(day, 1)) {
    const dow = weekday(day)
    if (dow === 6 || options.closed.has(day)) continue
    const month = Number(day.slice(5, 7)) - 1
    const swing = 0.8 + 0.4 * random()
    const total = options.januaryWeekday * MONTH[month]! * swing * (dow === 0 ? 0.5 : 1)
    const shape = dow === 0 ? SUNDAY_HOURS : WEEKDAY_HOURS
    for (let hour = 0; hour < 24; hour++) {
      const n = poisson(total * shape[hour]!, random)
      const start = instantOf(day, hour * 3600, options.zone ?? SHOP_ZONE)
      for (let i = 0; i < n; i++) {
        const t = start + Math.floor(random() * 3600)
        if (options.outages?.some(([a, b]) => t >= a && t < b)) continue
        sales.push(t)
      }
    }
  }
  return sales.sort((a, b) => a - b)
}

/** Sales counted as the silence monitor's query counts them, from sorted sale times (Unix seconds). */
export class SaleCounter {
  /** Each local day's sales as seconds of the day, ascending. */
  private readonly byDay = new Map<string, number[]>()

  constructor(
    private readonly sales: readonly number[],
    private readonly zone: string
  ) {
    for (const t of sales) {
      const d = localDate(t, zone)
      const list = this.byDay.get(d) ?? []
      list.push(secondOfDay(t, zone))
      this.byDay.set(d, list)
    }
  }

  /** The last sale before `at` (within `lookback` seconds). */
  lastBefore(at: number, lookback: number): number | undefined {
    let lo = 0
    let hi = this.sales.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.sales[mid]! < at) lo = mid + 1
      else hi = mid
    }
    const t = this.sales[lo - 1]
    return t !== undefined && t >= at - lookback ? t : undefined
  }

  /** The first sale. */
  get first(): number {
    return this.sales[0]!
  }

  /** One day's counts: all, after `since` (seconds of the day), before `until`, between. */
  day(date: string, since: number, until: number): { total: number; after: number; before: number; between: number } | undefined {
    const list = this.byDay.get(date)
    if (!list) return undefined
    const after = list.filter((s) => s > since).length
    const before = list.filter((s) => s < until).length
    const between = list.filter((s) => s > since && s < until).length
    return { total: list.length, after, before, between }
  }
}
