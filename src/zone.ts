/**
 * Wall-clock time in an IANA time zone, from the runtime's own tz database (Intl): a shop's "Monday
 * 10:00" is the same local hour before and after a clock change, where 7 × 24 h is not. Dates are
 * `YYYY-MM-DD` strings (a local calendar day); instants are Unix seconds.
 */

import { DAY_SECONDS, compactUtc, isoDay } from './time.js'

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    })
    formatters.set(zone, f)
  }
  return f
}

/**
 * The names of UTC (Intl resolves each to "UTC"), answered without Intl: its first use maps about
 * 6 MB of node's binary (ICU's zone and locale data) into the runner's memory, for an offset of 0.
 */
const UTC_NAMES = /^(?:etc\/)?(?:utc|uct|gmt|gmt[+-]?0|universal|zulu|greenwich)$/i

/**
 * Whether the runtime knows `zone` as an IANA time zone name; its spelling when it does: the case
 * the runtime gives, but the name as given — ICU resolves the current names to older ones
 * (Asia/Kolkata to Asia/Calcutta, Europe/Kyiv to Europe/Kiev), which a shop would not recognise.
 */
export function knownZone(zone: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone)) return undefined
  if (UTC_NAMES.test(zone)) return 'UTC'
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone
  } catch {
    // RangeError: not a zone the runtime knows; the caller names the input.
    return undefined
  }
}

/** The local wall time of an instant, read as if it were UTC (seconds): local date and time without the zone. */
export function wallSeconds(t: number, zone: string): number {
  const second = Math.floor(t)
  const offset = hourOffset(zone, Math.floor(second / 3600))
  return offset === null ? formatWall(second, zone) : second + offset
}

/** Asking Intl costs a few microseconds an instant, and a backtest asks millions of times. */
function formatWall(second: number, zone: string): number {
  const parts: Record<string, number> = {}
  for (const p of formatter(zone).formatToParts(new Date(second * 1000))) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000
}

const offsets = new Map<string, Map<number, number | null>>()
/** Hours remembered per zone: about six years of them. */
const MAX_HOURS = 50_000

/**
 * The zone's offset (wall minus UTC, seconds) through a UTC hour, or null when it changes within
 * that hour. A zone's offset changes at most once an hour, so the same offset at the hour's first
 * and last second holds for every second between.
 */
function hourOffset(zone: string, hour: number): number | null {
  let byHour = offsets.get(zone)
  if (!byHour) offsets.set(zone, (byHour = new Map()))
  let offset = byHour.get(hour)
  if (offset === undefined) {
    // UTC's names are answered without Intl (see UTC_NAMES), once per hour like any zone.
    offset = UTC_NAMES.test(zone) ? 0 : offsetThrough(zone, hour)
    if (byHour.size >= MAX_HOURS) byHour.clear()
    byHour.set(hour, offset)
  }
  return offset
}

/** The offset Intl gives at an hour's first and last second, or null when they differ. */
function offsetThrough(zone: string, hour: number): number | null {
  const first = hour * 3600
  const last = first + 3599
  const atFirst = formatWall(first, zone) - first
  return formatWall(last, zone) - last === atFirst ? atFirst : null
}

/** The local calendar day of an instant. */
export function localDate(t: number, zone: string): string {
  return isoDay(wallSeconds(t, zone))
}

/** Seconds since local midnight of an instant. */
export function secondOfDay(t: number, zone: string): number {
  const wall = wallSeconds(t, zone)
  return wall - Math.floor(wall / DAY_SECONDS) * DAY_SECONDS
}

/** 0 = Sunday … 6 = Saturday, of a local date. */
export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay()
}

/** The date `days` after (or before, negative) a date. */
export function addDays(date: string, days: number): string {
  return isoDay(Date.parse(`${date}T00:00:00Z`) / 1000 + days * DAY_SECONDS)
}

/**
 * The instant a local wall time (`second` of `date`) happens. In the hour a spring clock change
 * skips, the instant an hour later on the wall; in the hour an autumn change repeats, the first.
 */
export function instantOf(date: string, second: number, zone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) / 1000 + second
  // The offset at a guess, then at the corrected guess: two steps settle on either side of a change.
  const first = wall - (wallSeconds(wall, zone) - wall)
  const second_ = wall - (wallSeconds(first, zone) - first)
  if (wallSeconds(second_, zone) === wall) {
    // The repeated hour: take the earlier of the two instants that show this wall time.
    const earlier = second_ - 3600
    return wallSeconds(earlier, zone) === wall ? earlier : second_
  }
  // A skipped wall time: where the clock lands after the change.
  return Math.max(first, second_)
}

/** Local midnight beginning a date. */
export function dayStart(date: string, zone: string): number {
  return instantOf(date, 0, zone)
}

/** The same local wall time `days` later (negative: earlier): a week back is `-7`, whatever the clocks did. */
export function shiftDays(t: number, days: number, zone: string): number {
  const wall = wallSeconds(t, zone)
  const seconds = wall - Math.floor(wall / DAY_SECONDS) * DAY_SECONDS
  return instantOf(addDays(isoDay(wall), days), seconds, zone)
}

/** "2026-11-27 14:05" in the zone's local time. */
export function localMinutes(t: number, zone: string): string {
  return compactUtc(wallSeconds(t, zone))
}
