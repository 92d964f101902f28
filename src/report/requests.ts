import { DAY_SECONDS } from '../time.js'
import { formatCount } from '../text.js'

/**
 * Stripe counts read requests against a monthly allocation (its rate-limits page, as reported: about
 * 500 per transaction over 30 days, at least 10,000): what the smallest account gets.
 */
export const MONTHLY_READ_ALLOCATION = 10_000
const MONTH_SECONDS = 30 * DAY_SECONDS

/** GitHub's shortest schedule: a single interval shorter than this is a run by hand or a retry, not a schedule. */
const SHORTEST_SCHEDULE_SECONDS = 5 * 60
/** Nothing runs on a schedule more often than a minute (cron's step), however many runs agree. */
const SHORTEST_INTERVAL_SECONDS = 60
/** From this many intervals on, their median is trusted below GitHub's shortest schedule (a runner elsewhere). */
const SEVERAL_INTERVALS = 3

/** What the month's projection assumes: runs every `intervalSeconds`, each making `requestsPerRun` requests. */
export interface RunSchedule {
  intervalSeconds: number
  requestsPerRun: number
  /** The intervals the median was taken of. */
  intervals: number
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The schedule the recent runs suggest — the median interval between them and the median requests
 * a run (a backfill, or one busy run, moves neither) — or undefined when they do not look like a
 * schedule: no earlier run, a median under a minute, or a single interval under five minutes (two
 * runs by hand a few seconds apart).
 */
export function scheduleOf(now: Date, requests: number, previous: ReadonlyArray<{ startedAt: Date; stripeRequests: number }>): RunSchedule | undefined {
  if (previous.length === 0) return undefined
  const starts = [now.getTime(), ...previous.map((p) => p.startedAt.getTime())]
  const intervals = starts.slice(1).map((t, i) => (starts[i]! - t) / 1000)
  const interval = median(intervals)
  const floor = intervals.length >= SEVERAL_INTERVALS ? SHORTEST_INTERVAL_SECONDS : SHORTEST_SCHEDULE_SECONDS
  if (!(interval >= floor)) return undefined
  return { intervalSeconds: interval, requestsPerRun: median([requests, ...previous.map((p) => p.stripeRequests)]), intervals: intervals.length }
}

/** Requests a month at this schedule. */
export function monthlyProjection(schedule: RunSchedule): number {
  return Math.round((schedule.requestsPerRun * MONTH_SECONDS) / schedule.intervalSeconds)
}

/** The run's requests, as people read them: "3 Stripe API requests; about 2,160 a month at this interval (1 hour)". */
export interface RequestsLine {
  text: string
  /** The projection passes the allocation. */
  warning: string | undefined
}

/**
 * `accounts`: the Stripe accounts the run synced (Connect): each has its own allocation, so the
 * projection is compared with it per account.
 */
export function requestsLine(requests: number, schedule: RunSchedule | undefined, describeLength: (seconds: number) => string, accounts = 1): RequestsLine {
  const n = formatCount(requests)
  const what = `${n} Stripe API request${requests === 1 ? '' : 's'} this run (retries included)`
  if (schedule === undefined) return { text: `${what}.`, warning: undefined }
  const projected = monthlyProjection(schedule)
  const each = Math.round(projected / Math.max(1, accounts))
  const perAccount = accounts > 1 ? ` (about ${formatCount(each)} for each of ${formatCount(accounts)} accounts)` : ''
  const perRun = `${formatCount(schedule.requestsPerRun)} request${schedule.requestsPerRun === 1 ? '' : 's'} a run`
  const basis = schedule.intervals === 1 ? 'the interval since the previous run' : `the median of the last ${schedule.intervals} intervals and runs`
  const text = `${what}; about ${formatCount(projected)} a month${perAccount} at ${perRun} every ${describeLength(schedule.intervalSeconds)} (${basis}).`
  const warning =
    each > MONTHLY_READ_ALLOCATION
      ? `At this rate the schedule makes about ${formatCount(each)} Stripe read requests a month${accounts > 1 ? ' for each account' : ''}, more than ` +
        `${formatCount(MONTHLY_READ_ALLOCATION)}, the smallest monthly read allocation Stripe gives an account: run less often, or sync fewer objects.`
      : undefined
  return { text, warning }
}
