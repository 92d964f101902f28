import type { StripeObject } from '../objects/spec.js'
import { fetchRange, type RangeEstimate, type RangePage, type Span } from '../stripe/range.js'
import type { SyncState } from '../store/state.js'
import { compactHeap } from '../memory.js'
import { BatchWriter } from './writer.js'
import { commit, screen } from './batch.js'
import type { ObjectRun } from './run.js'

/** How often a long run reports progress. */
export const PROGRESS_INTERVAL_MS = 5000

export interface SpanSyncOptions<T> {
  spans: readonly Span[]
  /** Objects to leave out (already stored). */
  skip?: (object: T) => boolean
  /** Told the spans each batch completes; returns the checkpoint to commit with the batch. */
  checkpoint?: (done: Span[]) => SyncState | undefined
}

/**
 * Every object in the spans, fetched by concurrent time slices through the shared rate limits, and
 * written through a bounded queue by one writer in batches of about 500 rows, each batch with its
 * checkpoint in one transaction.
 */
export async function syncSpans<T extends StripeObject>(run: ObjectRun<T>, options: SpanSyncOptions<T>): Promise<void> {
  let remaining: RangeEstimate = { known: 0, unmeasured: true }
  const started = performance.now()
  const writer = new BatchWriter<RangePage<T> & { size: number }>(
    async (pages) => {
      const fetched = pages.flatMap((p) => p.objects)
      const { valid, rejects } = await screen(run, fetched)
      const kept = options.skip ? valid.filter((o) => !options.skip!(o)) : valid
      const done = pages.flatMap((p) => (p.done ? [p.done] : []))
      await commit(
        run,
        { scanned: fetched.length, pages: pages.length, dropped: pages.reduce((n, p) => n + p.dropped, 0), matched: kept.filter(run.matches), rejects },
        'any',
        options.checkpoint?.(done)
      )
      // Collected when the heap has grown past its budget (see memory.ts).
      compactHeap()
    },
    { maxQueuedPages: run.concurrency + 2, batchRows: 500, lingerMs: 250 }
  )
  const report = () => run.log(progressLine(run, performance.now() - started, remaining))
  const timer = setInterval(report, PROGRESS_INTERVAL_MS)
  timer.unref()
  let failure: unknown
  try {
    await fetchRange({
      list: run.list,
      spans: options.spans,
      concurrency: run.concurrency,
      requestsPerSecond: run.limits?.perEndpoint,
      floor: run.accountCreated,
      firstCuts: run.firstCuts,
      onEstimate: (estimate) => (remaining = estimate),
      onPage: (page) => writer.push({ ...page, size: page.objects.length })
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

/** Rates and the ETA are shown only after this long and this many requests. */
export const MIN_RATE_SECONDS = 2
export const MIN_RATE_REQUESTS = 10

/**
 * One progress line. The share done and the ETA come from the data, not the clock: what remains is
 * the objects expected in the slices still to list, from the density measured where each was cut.
 * While part of the range has not been listed at all, its content is unknown and the line says so.
 */
export function progressLine<T extends StripeObject>(run: ObjectRun<T>, elapsedMs: number, remaining: RangeEstimate): string {
  const p = run.progress
  const seconds = Math.max(elapsedMs / 1000, 0.001)
  const rate = p.scanned / seconds
  const known = p.scanned + remaining.known
  const share = known > 0 ? p.scanned / known : remaining.unmeasured ? 0 : 1
  const stats = run.limits?.stats
  // A rate over a few milliseconds or a handful of requests says nothing (503.5 requests/s for 20 objects): shown once it means something.
  const meaningful = seconds >= MIN_RATE_SECONDS && (stats?.requests ?? p.pages) >= MIN_RATE_REQUESTS
  const eta =
    meaningful && remaining.known > 0 && rate > 0 ? `, ETA ${remaining.unmeasured ? 'at least ' : ''}${Math.max(1, Math.round(remaining.known / rate))} s` : ''
  const rates = meaningful
    ? `${Math.round(rate)}/s, ${stats ? `${(stats.requests / seconds).toFixed(1)} requests/s, ${stats.rateLimited} refused (429), ` : ''}`
    : stats && stats.rateLimited > 0
      ? `${stats.rateLimited} refused (429), `
      : ''
  return (
    `Progress (${run.spec.plural}): ${p.scanned} listed, about ${remaining.known} more expected${remaining.unmeasured ? ' (and an older stretch not measured yet)' : ''} ` +
    `— ${(share * 100).toFixed(1)}%${remaining.unmeasured ? ' at most' : ''}; ${rates}` +
    `stored ${p.stored} new and ${p.updated} updated${eta}`
  )
}
