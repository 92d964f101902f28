import type Stripe from 'stripe'
import { CHARGE_STATUSES, type ChargeStatus } from './config.js'
import { takeMatching } from './filter.js'
import { compactHeap } from './memory.js'
import type { HighValueCollector } from './report/alerts.js'
import { Totals } from './report/money.js'
import { keepNewest, type ArrivalOrder } from './report/newest.js'
import { MAX_PAGE_SIZE, chargePages, type ChargeWindow } from './stripe/charges.js'
import type { RateLimiter } from './stripe/limiter.js'
import { addSpan, fetchRange, type RangePage, type Span } from './stripe/range.js'
import type { RetryOptions } from './stripe/retry.js'
import type { ChargeSink } from './store/sink.js'
import type { SyncState } from './store/state.js'
import { BatchWriter } from './store/writer.js'

/** Stripe launched in 2011: a whole-account sync with no `created-after` starts here. */
export const STRIPE_EPOCH = Date.UTC(2011, 0, 1) / 1000

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
  /** Requests in flight for whole-range runs (`limit: all`); undefined keeps them sequential. */
  concurrency?: number
  limiter?: RateLimiter
  now?: Date
}

export interface SpanSyncOptions {
  stripe: Stripe
  sink: ChargeSink
  statuses: ReadonlySet<ChargeStatus>
  spans: readonly Span[]
  concurrency: number
  log: (message: string) => void
  retry?: RetryOptions
  limiter?: RateLimiter
  /** Charges to leave out (already stored). */
  skip?: (charge: Stripe.Charge) => boolean
  /** Told the spans each batch completes; returns the checkpoint to commit with the batch. */
  checkpoint?: (done: Span[]) => SyncState | undefined
}

/** A full garbage collection every this many written batches (about 2,000 rows). */
const GC_EVERY_BATCHES = 4

/** How often a long run reports progress. */
export const PROGRESS_INTERVAL_MS = 5000

/**
 * Every charge in the spans, fetched by concurrent time slices through the shared rate limiter, and
 * written through a bounded queue by one writer in batches of about a thousand rows, each batch
 * with its checkpoint in one transaction.
 */
export async function syncSpans(options: SpanSyncOptions, progress: SyncProgress): Promise<void> {
  const { sink, statuses, log } = options
  const total = options.spans.reduce((n, [a, b]) => n + (b - a), 0)
  // Completed spans overlap (a slice's pages each complete a little more of it): merge, then measure.
  let completed: Span[] = []
  let covered = 0
  let batches = 0
  const started = performance.now()
  const writer = new BatchWriter<RangePage & { size: number }>(
    async (pages) => {
      const charges = pages.flatMap((p) => p.charges).filter((c) => !options.skip?.(c))
      const matched = charges.filter((c) => statuses.has(c.status as ChargeStatus))
      const done = pages.flatMap((p) => (p.done ? [p.done] : []))
      const counts = await sink.write(matched, options.checkpoint?.(done))
      for (const span of done) completed = addSpan(completed, span)
      covered = completed.reduce((n, [a, b]) => n + (b - a), 0)
      recordPage(progress, charges.length, matched, counts, 'any', pages.length)
      if (++batches % GC_EVERY_BATCHES === 0) compactHeap()
    },
    { maxQueuedPages: options.concurrency + 2, batchRows: 500 }
  )
  const report = () => {
    const seconds = (performance.now() - started) / 1000
    const share = total > 0 ? covered / total : 1
    const stats = options.limiter?.stats
    const eta = share > 0 && share < 1 ? ` , ETA ${Math.round((seconds * (1 - share)) / share)} s`.replace(' ,', ',') : ''
    log(
      `Progress: ${(share * 100).toFixed(1)}% of the range, ${progress.scanned} charges (${Math.round(progress.scanned / Math.max(seconds, 0.001))}/s), ` +
        `${stats ? `${(stats.requests / Math.max(seconds, 0.001)).toFixed(1)} requests/s, ${stats.rateLimited} refused (429), ` : ''}` +
        `stored ${progress.stored} new and ${progress.updated} updated${eta}`
    )
  }
  const timer = setInterval(report, PROGRESS_INTERVAL_MS)
  timer.unref()
  let failure: unknown
  try {
    await fetchRange({
      stripe: options.stripe,
      spans: options.spans,
      concurrency: options.concurrency,
      retry: options.retry,
      onPage: (page) => writer.push({ ...page, size: page.charges.length })
    })
  } catch (error) {
    failure = error
  }
  try {
    // Pages already fetched are complete: commit them even when fetching failed.
    await writer.close()
  } catch (error) {
    failure ??= error
  } finally {
    clearInterval(timer)
  }
  if (failure !== undefined) throw failure
  report()
}

export function emptyProgress(): SyncProgress {
  return { pages: 0, scanned: 0, matched: 0, stored: 0, updated: 0, totals: new Totals(), recorded: [] }
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
  order: ArrivalOrder,
  pages = 1
): void {
  progress.pages += pages
  progress.scanned += scanned
  progress.matched += matched.length
  progress.stored += written.inserted
  progress.updated += written.updated
  for (const charge of matched) {
    progress.totals.add(charge)
    progress.highValue?.add(charge, order)
    keepNewest(progress.recorded, charge, REPORTED_CHARGES, order)
  }
}

/**
 * Newest first: page through Stripe, keep the charges whose status matches, write each page's
 * matches as they arrive, and stop as soon as `limit` matches are recorded. `progress` is filled in
 * as pages are written, so a caller that catches an error still knows what was stored.
 */
export async function syncNewest(options: SyncOptions, progress: SyncProgress = emptyProgress()): Promise<SyncProgress> {
  const { stripe, sink, statuses, limit, window, log } = options
  if (limit === Number.POSITIVE_INFINITY && options.concurrency !== undefined) {
    // The whole window: concurrent time slices, no order needed.
    const to = window.lt ?? Math.floor((options.now ?? new Date()).getTime() / 1000) + 1
    await syncSpans({ ...options, spans: [[window.gte ?? STRIPE_EPOCH, to]], concurrency: options.concurrency }, progress)
    return progress
  }
  const everyStatus = statuses.size === CHARGE_STATUSES.length
  // Without a status filter a small limit needs exactly that many charges; with one, full pages.
  const pageSize = () => (everyStatus ? Math.min(MAX_PAGE_SIZE, limit - progress.matched) : MAX_PAGE_SIZE)
  for await (const page of chargePages(stripe, { window, pageSize, retry: options.retry })) {
    const matched = takeMatching(page, statuses, limit - progress.matched)
    recordPage(progress, page.length, matched, await sink.write(matched), 'newest-first')
    log(
      `Page ${progress.pages}: scanned ${page.length} (${progress.scanned} in all), matched ${matched.length} (${progress.matched}), ` +
        `stored ${progress.stored} new and ${progress.updated} updated so far`
    )
    if (progress.matched >= limit) break
  }
  return progress
}
