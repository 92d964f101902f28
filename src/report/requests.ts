import { DAY_SECONDS } from '../time.js'

/**
 * Stripe counts read requests against a monthly allocation (its rate-limits page, as reported: about
 * 500 per transaction over 30 days, at least 10,000): what the smallest account gets.
 */
export const MONTHLY_READ_ALLOCATION = 10_000
const MONTH_SECONDS = 30 * DAY_SECONDS

/** Requests a month if every run were like this one and ran at this interval; undefined without an interval. */
export function monthlyProjection(requests: number, intervalSeconds: number | undefined): number | undefined {
  if (intervalSeconds === undefined || !(intervalSeconds > 0)) return undefined
  return Math.round((requests * MONTH_SECONDS) / intervalSeconds)
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
export function requestsLine(requests: number, intervalSeconds: number | undefined, describeLength: (seconds: number) => string, accounts = 1): RequestsLine {
  const n = requests.toLocaleString('en-US')
  const projected = monthlyProjection(requests, intervalSeconds)
  const what = `${n} Stripe API request${requests === 1 ? '' : 's'} this run (retries included)`
  if (projected === undefined) return { text: `${what}.`, warning: undefined }
  const each = Math.round(projected / Math.max(1, accounts))
  const perAccount = accounts > 1 ? ` (about ${each.toLocaleString('en-US')} for each of ${accounts.toLocaleString('en-US')} accounts)` : ''
  const text = `${what}; about ${projected.toLocaleString('en-US')} a month${perAccount} if every run were like this one, every ${describeLength(intervalSeconds!)} (the interval since the previous run).`
  const warning =
    each > MONTHLY_READ_ALLOCATION
      ? `At this rate the schedule makes about ${each.toLocaleString('en-US')} Stripe read requests a month${accounts > 1 ? ' for each account' : ''}, more than ` +
        `${MONTHLY_READ_ALLOCATION.toLocaleString('en-US')}, the smallest monthly read allocation Stripe gives an account: run less often, or sync fewer objects.`
      : undefined
  return { text, warning }
}
