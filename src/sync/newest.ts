import type { StripeObject } from '../objects/spec.js'
import { MAX_PAGE_SIZE, pages, type Window } from '../stripe/pages.js'
import { STRIPE_EPOCH, unixSeconds } from '../time.js'
import { commit, screen, takeMatching } from './batch.js'
import type { ObjectRun } from './run.js'
import { syncSpans } from './spans.js'

/**
 * A run without a cursor. `limit: all` takes the whole window by concurrent time slices (order does
 * not matter). A limit N pages newest first, keeps the objects that pass the filter, writes each
 * page's as it arrives, and stops as soon as N are recorded.
 */
export async function syncNewest<T extends StripeObject>(run: ObjectRun<T>, limit: number, window: Window): Promise<void> {
  const progress = run.progress
  if (limit === Number.POSITIVE_INFINITY) {
    const to = window.lt ?? unixSeconds(run.now) + 1
    await syncSpans(run, { spans: [[window.gte ?? STRIPE_EPOCH, to]] })
    return
  }
  // Counted here, not from the progress, which the accounts of a Connect run share: the limit is each account's.
  let taken = 0
  // Without a filter a small limit needs exactly that many objects; with one, full pages.
  const pageSize = () => (run.filtered ? MAX_PAGE_SIZE : Math.min(MAX_PAGE_SIZE, limit - taken))
  for await (const page of pages(run.list, window, pageSize)) {
    const { valid, rejects } = await screen(run, page.data)
    const matched = takeMatching(valid, run.matches, limit - taken)
    taken += matched.length
    await commit(run, { scanned: page.data.length, pages: 1, dropped: page.dropped, matched, rejects }, 'newest-first')
    run.log(
      `Page ${progress.pages} of ${run.spec.plural}: scanned ${page.data.length} (${progress.scanned} in all), matched ${matched.length} (${progress.matched}), ` +
        `stored ${progress.stored} new and ${progress.updated} updated so far`
    )
    if (taken >= limit) break
  }
}
