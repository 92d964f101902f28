import Stripe from 'stripe'
import { isDeleted, type StripeObject } from '../objects/spec.js'
import { idsOf, type TableAccess } from '../store/sink.js'
import { StripeRequestError } from '../stripe/errors.js'
import { MAX_PAGE_SIZE, pages, retrieveObject } from '../stripe/pages.js'
import { shownId } from '../text.js'
import { unixSeconds } from '../time.js'
import { account, screen } from './batch.js'
import { refetch } from './incremental.js'
import type { ObjectRun } from './run.js'

/**
 * Rows Stripe changed without an event (balance transactions still `pending` after their
 * `available_on`): brought up to date without re-listing history. Each is re-fetched by id, or —
 * when that would take more requests — the stretch of `created` they span is listed again.
 */
export async function refreshStale<T extends StripeObject>(run: ObjectRun<T>, sink: TableAccess<T>): Promise<number> {
  const where = run.spec.stale?.where
  if (!where) return 0
  const stale = await sink.staleRows(where, unixSeconds(run.now))
  if (stale.length === 0) return 0
  const from = stale[0]!.created
  const to = stale.at(-1)!.created + 1
  const listRequests = Math.ceil((await sink.countCreated(from, to)) / MAX_PAGE_SIZE)
  run.log(`Refreshing ${stale.length} ${run.spec.plural} that Stripe changes without an event (${where.split(' AND ')[0]} and due).`)
  if (listRequests < stale.length) {
    for await (const page of pages(run.list, { gte: from, lt: to }, () => MAX_PAGE_SIZE)) {
      const { valid, rejects } = await screen(run, page.data)
      run.progress.refetched += page.data.length
      const result = await sink.refresh(valid, idsOf(valid.filter(run.matches)), { rejects })
      account(run, valid, rejects, result, 'any', true)
    }
  } else {
    await refetch(
      run,
      stale.map((r) => r.id),
      () => true
    )
  }
  return stale.length
}

/** Quarantined objects retried per object and run (one request each). */
const MAX_RETRIES_PER_RUN = 1000

/**
 * Objects quarantined by earlier runs are fetched again and stored if they can be now (Stripe may
 * have fixed them, or this version cleans what the last one could not); those stored are marked
 * resolved. One that Stripe no longer has stays quarantined, with a warning.
 */
export async function retryQuarantined<T extends StripeObject>(run: ObjectRun<T>, sink: TableAccess<T>, before: Date): Promise<void> {
  const open = (await sink.openRejects(before)).slice(0, MAX_RETRIES_PER_RUN)
  if (open.length === 0) return
  run.log(`Retrying ${open.length} quarantined ${open.length === 1 ? run.spec.noun : run.spec.plural} from stripe_sync_rejects.`)
  const fetched: T[] = []
  for (const id of open) {
    try {
      const object = await retrieveObject(run.stripe, run.spec, id, run.retry)
      run.progress.refetched += 1
      if (isDeleted(object)) {
        run.warn(`Quarantined ${run.spec.noun} ${shownId(id)} was deleted in Stripe; it stays in stripe_sync_rejects.`)
        continue
      }
      fetched.push(object)
    } catch (error) {
      const cause = error instanceof StripeRequestError ? error.cause : error
      if (cause instanceof Stripe.errors.StripeInvalidRequestError && cause.statusCode === 404) {
        run.warn(`Quarantined ${run.spec.noun} ${shownId(id)} no longer exists in Stripe; it stays in stripe_sync_rejects.`)
        continue
      }
      throw error
    }
  }
  const { valid, rejects } = await screen(run, fetched)
  const matched = valid.filter(run.matches)
  const result = await sink.refresh(valid, idsOf(matched), { rejects, claim: run.claim(matched) })
  account(run, matched, rejects, result, 'any', true)
  // Valid now, whether stored or left out by the filter: no longer waiting.
  const refused = new Set(result.refused.map((r) => r.id))
  const usable = valid.filter((o) => !refused.has(o.id)).map((o) => o.id)
  await sink.resolveRejects(usable)
  const resolved = usable.length
  if (resolved > 0) run.log(`${resolved} formerly quarantined ${resolved === 1 ? run.spec.noun : run.spec.plural} can be stored now; marked resolved.`)
}
