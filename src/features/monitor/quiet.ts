import { InputError } from '../../config.js'
import { cut } from '../../text.js'
import { DAY_SECONDS } from '../../time.js'
import { addDays, instantOf, localDate, secondOfDay, weekday } from '../../zone.js'

/**
 * `monitor-quiet`: planned windows, in the account's local time, during which no incident opens
 * (those already open stay open): one-off days or ranges of days (`2026-12-24..2027-01-02`) and
 * weekly ones (`Sat`, `Sat-Sun`, `Sun 00:00-06:00`, `Mon-Fri 22:00-06:00`: past midnight into the
 * next day).
 */
export type QuietWindow =
  { kind: 'dates'; from: string; to: string; text: string } | { kind: 'weekly'; days: ReadonlySet<number>; from: number; to: number; text: string }

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

/** 0 = Sunday: a day's name, whole or its first three letters. */
function dayIndex(word: string): number | undefined {
  const w = word.toLowerCase()
  const i = DAYS.findIndex((d) => w === d || w === d.slice(0, 3))
  return i < 0 ? undefined : i
}

function validDate(text: string): boolean {
  const t = Date.parse(`${text}T00:00:00Z`)
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === text
}

function clock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text)
  if (!m) return undefined
  const h = Number(m[1])
  const min = Number(m[2])
  if (h > 24 || min > 59 || (h === 24 && min > 0)) return undefined
  return h * 3600 + min * 60
}

const FORMS =
  'Expected days or ranges of days (2026-12-24, 2026-12-24..2027-01-02) or weekly windows (Sat, Sat-Sun, Sun 00:00-06:00), separated by commas, semicolons or lines.'

export function parseQuiet(value: string): QuietWindow[] {
  const windows: QuietWindow[] = []
  for (const part of value
    .split(/[\r\n,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const bad = (why: string) => new InputError('monitor-quiet', `"${cut(part, 60)}" ${why}. ${FORMS}`)
    const dates = /^(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?$/.exec(part)
    if (dates) {
      const from = dates[1]!
      const to = dates[2] ?? from
      if (!validDate(from) || !validDate(to)) throw bad('is not a real date')
      if (to < from) throw bad('ends before it begins')
      if (Date.parse(to) - Date.parse(from) > 366 * DAY_SECONDS * 1000) throw bad('is longer than a year')
      windows.push({ kind: 'dates', from, to, text: part })
      continue
    }
    const weekly = /^([A-Za-z]+)(?:\s*-\s*([A-Za-z]+))?(?:\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2}))?$/.exec(part)
    if (!weekly) throw bad('is neither a date range nor a weekly window')
    const first = dayIndex(weekly[1]!)
    const last = weekly[2] === undefined ? first : dayIndex(weekly[2])
    if (first === undefined || last === undefined) throw bad('names a day that is not Mon, Tue, Wed, Thu, Fri, Sat or Sun')
    const days = new Set<number>()
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d)
      if (d === last) break
    }
    const from = weekly[3] === undefined ? 0 : clock(weekly[3])
    const to = weekly[4] === undefined ? DAY_SECONDS : clock(weekly[4])
    if (from === undefined || to === undefined) throw bad('has a time that is not HH:MM')
    if (from === to) throw bad('is an empty window')
    windows.push({ kind: 'weekly', days, from, to, text: part })
  }
  if (mutesEveryHour(windows)) {
    throw new InputError(
      'monitor-quiet',
      `"${cut(value.trim(), 80)}" mutes every hour of every week: no incident would ever open, and the summary would still look after the shop. To turn the monitors off, set monitors: none.`
    )
  }
  return windows
}

/** Whether the weekly windows together hold every quarter hour of a week (checked on a UTC week: wall time has no gaps there). */
function mutesEveryHour(windows: readonly QuietWindow[]): boolean {
  const weekly = windows.filter((w) => w.kind === 'weekly')
  if (weekly.length === 0) return false
  const monday = Date.UTC(2026, 0, 5) / 1000
  for (let t = monday; t < monday + 7 * DAY_SECONDS; t += 900) if (!weekly.some((w) => endOf(w, t, 'UTC') !== undefined)) return false
  return true
}

/** Whether an instant is in a window; when it is, the instant that window ends. */
function endOf(window: QuietWindow, t: number, zone: string): number | undefined {
  const date = localDate(t, zone)
  if (window.kind === 'dates') return date >= window.from && date <= window.to ? instantOf(addDays(window.to, 1), 0, zone) : undefined
  const second = secondOfDay(t, zone)
  if (window.from < window.to) {
    return window.days.has(weekday(date)) && second >= window.from && second < window.to ? instantOf(date, window.to, zone) : undefined
  }
  // Past midnight: from `from` on its days to `to` the next morning.
  if (window.days.has(weekday(date)) && second >= window.from) return instantOf(addDays(date, 1), window.to, zone)
  if (window.days.has(weekday(addDays(date, -1))) && second < window.to) return instantOf(date, window.to, zone)
  return undefined
}

/**
 * When the quiet that holds an instant ends (windows that touch are one quiet: `Sat, Sun` mutes a
 * weekend), with the windows that hold it; undefined when no window holds it.
 */
export function quietAt(windows: readonly QuietWindow[], t: number, zone: string): { until: number; windows: string[] } | undefined {
  let until: number | undefined
  const names: string[] = []
  let probe = t
  for (let step = 0; step < 400; step++) {
    const ends = windows.map((w) => [w, endOf(w, probe, zone)] as const).filter(([, end]) => end !== undefined)
    if (ends.length === 0) break
    for (const [w] of ends) if (!names.includes(w.text)) names.push(w.text)
    const end = Math.max(...ends.map(([, e]) => e!))
    if (until !== undefined && end <= until) break
    until = end
    probe = end
  }
  return until === undefined ? undefined : { until, windows: names }
}

/** Whether a whole local day is quiet (a closure planned for the day): then it expects no sales. */
export function quietDay(windows: readonly QuietWindow[], date: string, zone: string): boolean {
  const start = instantOf(date, 0, zone)
  const q = quietAt(windows, start, zone)
  return q !== undefined && q.until >= instantOf(addDays(date, 1), 0, zone)
}
