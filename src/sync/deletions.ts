import type Stripe from 'stripe'
import { isObjectOf, type StripeObject } from '../objects/spec.js'
import { allEventsSince } from '../stripe/events.js'
import { unixSeconds } from '../time.js'
import { check } from './batch.js'
import type { ObjectRun } from './run.js'

/** Stripe keeps events 30 days: the deletions a run can still learn of. */
const EVENT_RETENTION_SECONDS = 30 * 86400

/**
 * Deletion events: the object is gone from Stripe's lists, so the event's copy is stored (when it
 * is a whole object) and the row is marked `deleted_at` at the event's time.
 */
export async function applyDeletions<T extends StripeObject>(run: ObjectRun<T>, events: readonly Stripe.Event[]): Promise<number> {
  if (events.length === 0) return 0
  const entries = events.flatMap((event) => {
    const object: unknown = event.data?.object
    if (!isObjectOf<T>(run.spec, object)) return []
    // A whole object (it has `created`) is stored as it was; a stub only marks the row.
    const { valid } = check(run.spec, [object])
    return [{ id: object.id, object: valid[0], at: event.created }]
  })
  const result = await run.sink.markDeleted(entries)
  run.progress.stored += result.inserted
  run.progress.updated += result.deleted
  if (result.deleted > 0)
    run.log(`Marked ${result.deleted} deleted ${result.deleted === 1 ? run.spec.noun : run.spec.plural} (deleted_at set; the rows are kept).`)
  return result.deleted
}

/**
 * Objects deleted in Stripe vanish from its lists; only their deletion events (kept 30 days) say so.
 * Runs that replay no events, and the first incremental run, read those events, so a deleted
 * customer or draft invoice is kept with `deleted_at` set rather than left looking alive.
 */
export async function scanDeletions<T extends StripeObject>(run: ObjectRun<T>): Promise<void> {
  const types = run.spec.deletionEvents
  if (!types || types.length === 0 || run.dryRun) return
  const events: Stripe.Event[] = []
  for await (const page of allEventsSince(run.stripe, { gte: unixSeconds(run.now) - EVENT_RETENTION_SECONDS }, types, run.retry)) events.push(...page)
  await applyDeletions(run, events)
}
