import { DAY_SECONDS } from '../../time.js'
import { addDays, localDate, shiftDays } from '../../zone.js'
import { NO_HOLIDAYS, type HolidayCalendar } from './holidays.js'
import { quietDay, type QuietWindow } from './quiet.js'

/**
 * The account's week as the monitors read it: its time zone (the same local hours are compared
 * across clock changes), its public holidays and its planned quiet windows.
 */
export interface Calendar {
  /** An IANA time zone. */
  zone: string
  /** Where the zone came from, as the summary says it. */
  zoneFrom: 'monitor-timezone' | 'the Stripe account' | 'default'
  holidays: HolidayCalendar
  /** Where the holidays came from: `monitor-holidays`, the account's country, or none. */
  holidaysFrom: 'monitor-holidays' | 'the Stripe account' | 'none'
  quiet: readonly QuietWindow[]
}

export const UTC_CALENDAR: Calendar = { zone: 'UTC', zoneFrom: 'default', holidays: NO_HOLIDAYS, holidaysFrom: 'none', quiet: [] }

/** The weeks a relative monitor compares with: the same local hours of the week, this many weeks back. */
export const WEEKS = 4

/** `[from, to)` in Unix seconds. */
export type Window = readonly [number, number]

/**
 * Why a local day is not an ordinary day of the shop's week: a public holiday (its name) or a day
 * wholly inside a quiet window; undefined for an ordinary day.
 */
export function offDay(calendar: Calendar, date: string): string | undefined {
  const holiday = calendar.holidays.nameOf(date)
  if (holiday) return `${holiday} (public holiday, ${calendar.holidays.whereOf(date) ?? calendar.holidays.code})`
  if (calendar.quiet.length > 0 && quietDay(calendar.quiet, date, calendar.zone)) return 'a quiet day (monitor-quiet)'
  return undefined
}

/** The local dates a stretch `[from, to)` touches. */
export function datesOf(calendar: Calendar, from: number, to: number): string[] {
  const last = localDate(Math.max(from, to - 1), calendar.zone)
  const dates: string[] = []
  for (let d = localDate(from, calendar.zone); d <= last && dates.length < 400; d = addDays(d, 1)) dates.push(d)
  return dates
}

/**
 * A stretch now and the same local hours of the week in each of the `WEEKS` weeks before (index 0:
 * now): "Monday 10:00–12:00" stays 10:00–12:00 on the wall when the clocks change in between.
 */
export function sameLocalHours(calendar: Calendar, from: number, to: number): Window[] {
  return Array.from({ length: WEEKS + 1 }, (_, k) =>
    k === 0 ? ([from, to] as const) : ([shiftDays(from, -7 * k, calendar.zone), shiftDays(to, -7 * k, calendar.zone)] as const)
  )
}

/**
 * Of the weeks a relative monitor compares with (windows 1…`covered` of `sameLocalHours`), those that
 * touch no holiday or quiet day (a holiday's sales foretell nothing of an ordinary week), with the
 * days left out. When every one is such a week, all of them (there is nothing better to compare with).
 */
export function comparableWeeks(calendar: Calendar, windows: readonly Window[], covered: number): { weeks: number[]; leftOut: string[] } {
  const weeks: number[] = []
  const leftOut: string[] = []
  for (let k = 1; k <= covered; k++) {
    const [from, to] = windows[k]!
    const off = datesOf(calendar, from, to)
      .map((d) => [d, offDay(calendar, d)] as const)
      .filter(([, why]) => why !== undefined)
    if (off.length === 0) weeks.push(k)
    else leftOut.push(...off.map(([d, why]) => `${d} ${why}`))
  }
  if (weeks.length === 0) return { weeks: Array.from({ length: covered }, (_, i) => i + 1), leftOut: [] }
  return { weeks, leftOut }
}

/** "the last 4 weeks", "last week", "3 of the last 4 weeks". */
export function weeksText(used: number, covered: number): string {
  if (used === covered) return covered === 1 ? 'last week' : `the last ${covered} weeks`
  return `${used} of the last ${covered} weeks`
}

/** The years a stretch of days around `at` touches: the holidays to load. */
export function yearsAround(at: number, days: number): number[] {
  const from = new Date((at - days * DAY_SECONDS) * 1000).getUTCFullYear()
  const to = new Date((at + DAY_SECONDS) * 1000).getUTCFullYear()
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}
