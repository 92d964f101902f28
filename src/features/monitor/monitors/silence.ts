import { DAY_SECONDS } from '../../../time.js'
import { addDays, dayStart, localDate, secondOfDay, weekday } from '../../../zone.js'
import { WEEKS, datesOf, offDay, type Calendar, type Window } from '../calendar.js'
import { LEARNING_DAYS, learningLine, type AccountNote, type Finding, type Monitor } from '../monitor.js'
import { ACCOUNT, LAST_SALE_LOOKBACK, accountOf, historyDays, inWindows, lastRows } from '../queries.js'
import { about, counted, leftOutList } from '../wording.js'
import { describeLength } from '../../../report/summary.js'
import { oneIn, poissonZero } from '../stats.js'

/** Sales on one local day: all of them, after the gap's start time of day, before the run's, and between the two. */
export interface DayCounts {
  total: number
  after: number
  before: number
  between: number
}

const NONE: DayCounts = { total: 0, after: 0, before: 0, between: 0 }

const DAY_NAMES = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays']

/** One local day of the gap, as the expectation reads it. */
export interface GapDay {
  date: string
  /** The quietest open week's sales in the same hours of that weekday (0 on a holiday, a quiet day or a weekday always closed). */
  expected: number
  /** Their mean over the open weeks. */
  typical: number
  /** Why this day expects nothing: a holiday, a quiet day. */
  off?: string
  /** The weeks compared with (open, not a holiday, within the history). */
  open: number
  /** The weeks the shop sold nothing on that day (closed): left out. */
  closed: number
  /** Holidays and quiet days among the weeks compared with: left out. */
  leftOut: string[]
}

export interface GapExpectation {
  /**
   * The sales expected in the gap, cautiously: the quietest whole stretch of the same hours in the
   * weeks before (a gap over midnight: each week's two pieces together), else — no week open on
   * every day of the gap — each day's quietest open week, added up.
   */
  expected: number
  /** How many whole weeks the stretch was taken from; undefined when it was added up day by day. */
  wholeWeeks?: number
  /** The same with each day's mean. */
  typical: number
  days: GapDay[]
}

/**
 * The sales the gap `[from, at)` should have had, day by day in the account's local time: each day's
 * hours against the same hours of the same weekday in each of the `WEEKS` weeks before. A week on a
 * holiday or quiet day is left out; a week the shop sold nothing all day is a closure, not the
 * quietest week, and is left out too. The quietest of the open weeks is the day's expectation
 * (days swing by 20 % and more); a day no open week is left for (a weekday the shop always closes)
 * expects nothing, and so does a holiday or quiet day in the gap itself. `counts` gives a past
 * local day's sales; `firstDay`: the first whole day of the account's history.
 */
export function expectGap(calendar: Calendar, from: number, at: number, firstDay: string, counts: (date: string) => DayCounts | undefined): GapExpectation {
  const dates = datesOf(calendar, from, at)
  // A gap that ends at local midnight holds its last day whole.
  const wholeLast = secondOfDay(at, calendar.zone) === 0
  // Each day's piece in each week before (undefined: that week is left out for the day).
  const byWeek: Array<Array<number | undefined>> = []
  const days: GapDay[] = dates.map((date, j) => {
    const off = offDay(calendar, date)
    byWeek.push([])
    if (off) return { date, expected: 0, typical: 0, off, open: 0, closed: 0, leftOut: [] }
    const pieces: number[] = []
    const leftOut: string[] = []
    let closed = 0
    for (let k = 1; k <= WEEKS; k++) {
      const e = addDays(date, -7 * k)
      if (e < firstDay) break
      const why = offDay(calendar, e)
      if (why) {
        leftOut.push(`${e} ${why}`)
        continue
      }
      const c = counts(e) ?? NONE
      if (c.total === 0) {
        closed += 1
        continue
      }
      const first = j === 0
      const last = j === dates.length - 1 && !wholeLast
      const piece = first && last ? c.between : first ? c.after : last ? c.before : c.total
      pieces.push(piece)
      byWeek[j]![k] = piece
    }
    const expected = pieces.length > 0 ? Math.min(...pieces) : 0
    const typical = pieces.length > 0 ? pieces.reduce((a, b) => a + b, 0) / pieces.length : 0
    return { date, expected, typical, open: pieces.length, closed, leftOut }
  })
  const typical = days.reduce((n, d) => n + d.typical, 0)
  const dayByDay = days.reduce((n, d) => n + d.expected, 0)
  // Across midnight: the quietest whole stretch of the same local hours (a week whose every day of
  // the gap is open), not each day's quietest week added up, which is lower than any week was.
  const judged = days.map((d, j) => (d.off ? undefined : j)).filter((j) => j !== undefined)
  const stretches: number[] = []
  if (days.length > 1) {
    for (let k = 1; k <= WEEKS; k++) {
      const pieces = judged.map((j) => byWeek[j]![k])
      if (pieces.length > 0 && pieces.every((p) => p !== undefined)) stretches.push(pieces.reduce((a, b) => a + b!, 0))
    }
  }
  if (stretches.length > 0) return { expected: Math.min(...stretches), typical, days, wholeWeeks: stretches.length }
  return { expected: dayByDay, typical, days }
}

/** What the judgement left out or zeroed, in words: holidays, quiet days, closed weeks. */
export function calendarNotes(gap: GapExpectation): string[] {
  const notes: string[] = []
  const off = gap.days.filter((d) => d.off)
  if (off.length > 0) notes.push(`${off.map((d) => `${d.date} is ${d.off}`).join('; ')}: no sales expected then`)
  const leftOut = [...new Set(gap.days.flatMap((d) => d.leftOut))]
  if (leftOut.length > 0) notes.push(`left out of the weeks compared: ${leftOutList(leftOut)}`)
  // A weekday closed in every week compared (the shop's Saturdays): it expects none.
  // Said once a weekday, however many of them the gap spans.
  const shut = new Map<string, number>()
  for (const d of gap.days.filter((d) => !d.off && d.open === 0 && d.closed > 0)) {
    const name = DAY_NAMES[weekday(d.date)]!
    shut.set(name, Math.max(shut.get(name) ?? 0, d.closed))
  }
  for (const [name, weeks] of shut) notes.push(`${name}: closed in each of the ${weeks} week${weeks === 1 ? '' : 's'} compared, so none expected`)
  const closed = gap.days.filter((d) => d.open > 0).reduce((n, d) => n + d.closed, 0)
  if (closed > 0) notes.push(`${closed} closed day${closed === 1 ? '' : 's'} (no sale all day) left out of the weeks compared`)
  return notes
}

function clockOf(seconds: number): string {
  const s = Math.max(0, Math.min(DAY_SECONDS - 1, Math.floor(seconds)))
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':')
}

/** Overlapping windows joined (a gap of more than a week makes the weeks' stretches overlap): no row is counted twice. */
function merged(windows: readonly Window[]): Window[] {
  const sorted = [...windows].sort((a, b) => a[0] - b[0])
  const out: Array<[number, number]> = []
  for (const [from, to] of sorted) {
    const last = out[out.length - 1]
    if (last && from <= last[1]) last[1] = Math.max(last[1], to)
    else out.push([from, to])
  }
  return out
}

/** What `judgeSilence` reads for one account at one moment. */
export interface SilenceInput {
  calendar: Calendar
  at: number
  /** Where the gap starts: the last sale, or the look-back's start when none was found. */
  from: number
  /** The last sale (undefined: none within `LAST_SALE_LOOKBACK`). */
  lastSale: number | undefined
  /** Days of history the account has before `at`. */
  historyDays: number
  counts: (date: string) => DayCounts | undefined
  /** When the account's open silence incident opened; undefined when none is open. */
  openedAt: number | undefined
  level: number
}

/**
 * The silence rule, pure: the gap's expectation (`expectGap`), a finding when an empty gap is less
 * likely than the level — or while an incident opened before the last sale is still without one
 * (one outage, one incident) — else the note observed against expected.
 */
export function judgeSilence(input: SilenceInput): { finding?: Omit<Finding, 'account'>; line: string; expectation: GapExpectation } {
  const { calendar, at, from, lastSale: since } = input
  const zone = calendar.zone
  const gap = at - from
  // The first whole local day of the history: a week before the first sale is not a week without sales.
  const firstDay = addDays(localDate(at - input.historyDays * DAY_SECONDS, zone), 1)
  const expectation = expectGap(calendar, from, at, firstDay, input.counts)
  const cautious = expectation.expected
  const chance = poissonZero(cautious)
  const gapText = since === undefined ? `over ${Math.round(LAST_SALE_LOOKBACK / DAY_SECONDS)} days` : describeLength(gap)
  const days = expectation.days.length
  const open = expectation.days[0]?.open ?? 0
  const quietest =
    days > 1
      ? expectation.wholeWeeks
        ? `the quietest of ${expectation.wholeWeeks} open week${expectation.wholeWeeks === 1 ? '' : 's'}: ${about(cautious)}`
        : `day by day, the quietest open week: ${about(cautious)}`
      : open === 0
        ? 'no open week to compare with'
        : open === 1
          ? `the only open week: ${about(cautious)}`
          : `the quietest of ${open} open weeks: ${about(cautious)}`
  const calendarText = calendarNotes(expectation)
  const extra = calendarText.length > 0 ? `; ${calendarText.join('; ')}` : ''
  const expectedText = `about ${about(expectation.typical)} expected at ${days > 1 ? 'these hours of the week' : 'this hour of the week'} (${quietest})${extra}`
  const line = `last sale ${gapText} ago; about ${counted(about(expectation.typical), 'sales')} expected in that time (${quietest})${extra}`
  // One outage, one incident: open until a sale arrives, however the expectation moves.
  const still = input.openedAt !== undefined && (since === undefined || since < input.openedAt)
  if (!(chance < input.level) && !still) return { line, expectation }
  return {
    line,
    expectation,
    finding: {
      key: 'no-sales',
      severity: 'critical',
      summary:
        chance < input.level
          ? `0 sales in ${gapText}; ${expectedText}. An empty stretch this long is ${oneIn(chance)} at the usual rate.`
          : `0 sales in ${gapText}: still no sale since this incident opened; ${expectedText}.`,
      observed: { sales: 0, minutes: Math.round(gap / 60), last_sale: since === undefined ? `over ${gapText} ago` : new Date(since * 1000).toISOString() },
      expected: {
        sales: Math.round(expectation.typical * 10) / 10,
        quietest_week: Math.round(cautious * 10) / 10,
        probability: chance,
        ...(calendarText.length > 0 ? { calendar: calendarText.join('; ') } : {})
      },
      dashboard: 'payments?status[0]=successful'
    }
  }
}

/**
 * `silence`: the checkout stopped selling. The sales expected since the last one are counted day by
 * day in the account's local time (`expectGap`: the quietest open week of the same hours, holidays,
 * quiet days and closures left out); when even that many make an empty stretch less likely than 1
 * in 10,000 (Poisson: e^−expected), it opens. A 3 a.m. Sunday lull, a bank holiday or a weekday the
 * shop always closes expect almost nothing and raise nothing. It stays open until a sale arrives,
 * however long the gap.
 */
export const silence: Monitor = {
  name: 'silence',
  reads: ['charges'],
  relative: true,
  rule: 'no sale since the last one, when even the quietest open week of the same local hours (holidays and closed days left out) makes that gap less likely than the probability level; open until a sale arrives',
  chart: { object: 'charges', where: `t.status = 'succeeded'`, noun: 'sales' },
  levels: {
    probability: { default: 1e-4, unit: 'probability', min: 1e-12, max: 0.1, description: 'how unlikely the empty stretch must be' }
  },
  async evaluate(ctx) {
    const charges = ctx.tables.charges!
    const zone = ctx.calendar.zone
    const history = await historyDays(ctx, charges)
    if (history.size === 0) return { notes: [], findings: [] }
    const lastSale = await lastRows(ctx, charges, `t.status = 'succeeded'`)
    const learning = [...history].filter(([, days]) => days < LEARNING_DAYS)
    const watched = [...history.keys()].filter((a) => history.get(a)! >= LEARNING_DAYS)
    const starts = watched.map((a) => lastSale.get(a) ?? ctx.at - LAST_SALE_LOOKBACK)
    // The weeks before each gap's days, whole local days (a closed day is known by its total), read as index ranges.
    const first = localDate(Math.min(ctx.at, ...starts), zone)
    const last = addDays(localDate(ctx.at, zone), 1)
    const ranges = merged(
      Array.from({ length: WEEKS }, (_, i) => [dayStart(addDays(first, -7 * (i + 1)), zone), dayStart(addDays(last, -7 * (i + 1)), zone)] as const)
    )
    const rows = inWindows(charges, ranges, 5)
    const found =
      watched.length === 0
        ? []
        : await ctx.query<{ account: string; day: string; total: number; after: number; before: number; between: number }>(
            // Each sale's local day and time of day, converted once (the day by day counts read them four times).
            `SELECT g.account, to_char(s.day, 'YYYY-MM-DD') AS day, count(*)::int AS total,
                    count(*) FILTER (WHERE s.clock > g.since)::int AS after,
                    count(*) FILTER (WHERE s.clock < $4::time)::int AS before,
                    count(*) FILTER (WHERE s.clock > g.since AND s.clock < $4::time)::int AS between
               FROM (SELECT ${ACCOUNT} AS account, l.local::date AS day, l.local::time AS clock
                       FROM ${rows.sql} t CROSS JOIN LATERAL (SELECT t.created_at AT TIME ZONE $3::text AS local) l
                      WHERE t.status = 'succeeded') s
               JOIN unnest($1::text[], $2::time[]) AS g(account, since) ON g.account = s.account
              GROUP BY 1, 2`,
            [watched, starts.map((s) => clockOf(secondOfDay(s, zone))), zone, clockOf(secondOfDay(ctx.at, zone)), ...rows.params]
          )
    const byDay = new Map<string, Map<string, DayCounts>>()
    for (const r of found) {
      let days = byDay.get(r.account)
      if (!days) byDay.set(r.account, (days = new Map()))
      days.set(r.day, { total: r.total, after: r.after, before: r.before, between: r.between })
    }
    const notes: AccountNote[] = learning.map(([a, days]) => ({ account: accountOf(a), state: 'learning', line: learningLine(days) }))
    const findings: Finding[] = []
    watched.forEach((account, i) => {
      const judged = judgeSilence({
        calendar: ctx.calendar,
        at: ctx.at,
        from: starts[i]!,
        lastSale: lastSale.get(account),
        historyDays: history.get(account)!,
        counts: (date) => byDay.get(account)?.get(date),
        openedAt: ctx.openedAt(accountOf(account), 'no-sales'),
        level: ctx.levels.probability!
      })
      if (judged.finding) findings.push({ account: accountOf(account), ...judged.finding })
      else notes.push({ account: accountOf(account), state: 'ok', line: judged.line })
    })
    return { notes, findings }
  }
}
