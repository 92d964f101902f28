import type Stripe from 'stripe'
import { CHARGE_STATUSES, type ChargeStatus } from './config.js'
import { takeMatching } from './filter.js'
import type { HighValueCollector } from './report/alerts.js'
import { Totals } from './report/money.js'
import { MAX_PAGE_SIZE, chargePages, type ChargeWindow } from './stripe/charges.js'
import type { RetryOptions } from './stripe/retry.js'
import type { ChargeSink } from './store/sink.js'

/** How many recorded charges the report keeps for its table; totals cover all of them. */
export const REPORTED_CHARGES = 100

export interface SyncProgress {
  pages: number
  scanned: number
  matched: number
  stored: number
  updated: number
  totals: Totals
  /** The newest matched charges, newest first, at most REPORTED_CHARGES. */
  recorded: Stripe.Charge[]
  /** True when the window ran out before `limit` matches were found. */
  exhausted: boolean
  /** Set when `high-value-threshold` is given. */
  highValue?: HighValueCollector
}

export interface SyncOptions {
  stripe: Stripe
  sink: ChargeSink
  statuses: ReadonlySet<ChargeStatus>
  limit: number
  window: ChargeWindow
  log: (message: string) => void
  retry?: RetryOptions
}

export function emptyProgress(): SyncProgress {
  return { pages: 0, scanned: 0, matched: 0, stored: 0, updated: 0, totals: new Totals(), recorded: [], exhausted: false }
}

/**
 * Counts one written page into the progress. `recorded` keeps the newest REPORTED_CHARGES charges,
 * newest first, whichever order pages arrive in.
 */
export function recordPage(
  progress: SyncProgress,
  scanned: number,
  matched: readonly Stripe.Charge[],
  written: { inserted: number; updated: number },
  order: 'newest-first' | 'oldest-first'
): void {
  progress.pages += 1
  progress.scanned += scanned
  progress.matched += matched.length
  progress.stored += written.inserted
  progress.updated += written.updated
  for (const charge of matched) {
    progress.totals.add(charge)
    progress.highValue?.add(charge, order)
    if (order === 'newest-first') {
      if (progress.recorded.length < REPORTED_CHARGES) progress.recorded.push(charge)
    } else {
      progress.recorded.unshift(charge)
      if (progress.recorded.length > REPORTED_CHARGES) progress.recorded.pop()
    }
  }
}

/**
 * Newest first: page through Stripe, keep the charges whose status matches, write each page's
 * matches as they arrive, and stop as soon as `limit` matches are recorded. `progress` is filled in
 * as pages are written, so a caller that catches an error still knows what was stored.
 */
export async function syncNewest(options: SyncOptions, progress: SyncProgress = emptyProgress()): Promise<SyncProgress> {
  const { stripe, sink, statuses, limit, window, log } = options
  const everyStatus = statuses.size === CHARGE_STATUSES.length
  // Without a status filter a small limit needs exactly that many charges; with one, full pages.
  const pageSize = () => (everyStatus ? Math.min(MAX_PAGE_SIZE, limit - progress.matched) : MAX_PAGE_SIZE)
  progress.exhausted = true
  for await (const page of chargePages(stripe, { window, pageSize, retry: options.retry })) {
    const matched = takeMatching(page, statuses, limit - progress.matched)
    recordPage(progress, page.length, matched, await sink.write(matched), 'newest-first')
    log(
      `Page ${progress.pages}: scanned ${page.length} (${progress.scanned} in all), matched ${matched.length} (${progress.matched}), ` +
        `stored ${progress.stored} new and ${progress.updated} updated so far`
    )
    if (progress.matched >= limit) {
      progress.exhausted = false
      break
    }
  }
  return progress
}
