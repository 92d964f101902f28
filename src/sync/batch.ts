import type { ObjectSpec, StripeObject } from '../objects/spec.js'
import { StripeRequestError } from '../stripe/errors.js'
import { withRetries } from '../stripe/retry.js'
import { rawText, type Reject } from '../store/rejects.js'
import type { WriteResult } from '../store/sink.js'
import type { SyncState } from '../store/state.js'
import { shownId } from '../text.js'
import type { ArrivalOrder, ObjectRun } from './run.js'

/** At most this many quarantine warnings per object and run; the count covers the rest. */
const MAX_REJECT_WARNINGS = 10
/** A quarantine reason in the log is cut here: Postgres quotes the refused value, which can be long (and customer data). */
export const MAX_REASON_CHARS = 160

/**
 * Splits what Stripe returned into objects that can be stored and objects to quarantine (malformed
 * shapes), and completes the children a list cut short (a subscription with many items).
 */
export async function screen<T extends StripeObject>(
  run: Pick<ObjectRun<T>, 'spec' | 'stripe' | 'retry'>,
  objects: readonly T[]
): Promise<{ valid: T[]; rejects: Reject[] }> {
  const { valid, rejects } = check(run.spec, objects)
  for (const child of run.spec.children ?? []) {
    const complete = child.complete
    if (!complete) continue
    for (let i = 0; i < valid.length; i++) {
      const object = valid[i]!
      try {
        const whole = await withRetries(() => complete(run.stripe, object), run.retry)
        if (whole) valid[i] = whole
      } catch (error) {
        throw new StripeRequestError(error, `list the rest of ${run.spec.noun} ${object.id}`, run.spec.permission)
      }
    }
  }
  return { valid, rejects }
}

/** Validation alone. */
export function check<T extends StripeObject>(spec: ObjectSpec<T>, objects: readonly T[]): { valid: T[]; rejects: Reject[] } {
  const valid: T[] = []
  const rejects: Reject[] = []
  for (const object of objects) {
    let reason: string | undefined
    if (object === null || typeof object !== 'object') reason = 'not an object'
    else {
      try {
        reason = spec.validate(object)
      } catch (error) {
        reason = `could not be checked: ${error instanceof Error ? error.message : String(error)}`
      }
    }
    if (reason === undefined) valid.push(object)
    else
      rejects.push({
        objectType: spec.objectType,
        id: typeof object?.id === 'string' ? object.id : `(no id: ${rawText(object).slice(0, 40)})`,
        reason,
        raw: rawText(object)
      })
  }
  return { valid, rejects }
}

export interface Batch<T> {
  /** Objects Stripe returned in these pages. */
  scanned: number
  pages: number
  dropped: number
  /** Valid objects that pass the filter: the ones to store. */
  matched: T[]
  rejects: Reject[]
}

/**
 * Writes one batch (with its checkpoint, in one transaction), counts it, tells the report and
 * warns about each quarantined object by id.
 */
export async function commit<T extends StripeObject>(run: ObjectRun<T>, batch: Batch<T>, order: ArrivalOrder, checkpoint?: SyncState): Promise<WriteResult> {
  const claim = run.claim(batch.matched)
  const result = await run.sink.write(batch.matched, { checkpoint, claim, rejects: batch.rejects })
  const p = run.progress
  p.pages += batch.pages
  p.scanned += batch.scanned
  p.dropped += batch.dropped
  account(run, batch.matched, batch.rejects, result, order, false)
  return result
}

/**
 * Counts a written (or refreshed: `changed`) set of objects and tells the report about those
 * stored.
 */
export function account<T extends StripeObject>(
  run: ObjectRun<T>,
  matched: readonly T[],
  rejects: readonly Reject[],
  result: WriteResult,
  order: ArrivalOrder,
  changed: boolean
): void {
  const p = run.progress
  const refused = new Set(result.refused.map((r) => r.id))
  const stored = refused.size === 0 ? matched : matched.filter((o) => !refused.has(o.id))
  if (!changed) p.matched += stored.length
  p.stored += result.inserted
  p.updated += result.updated
  for (const reject of [...rejects, ...result.refused]) {
    p.rejected += 1
    if (p.rejected <= MAX_REJECT_WARNINGS) {
      // The reason may quote customer data: shown as customer-details allows, and cut (the table keeps it whole).
      const reason = run.redact(reject.reason, MAX_REASON_CHARS)
      const id = shownId(reject.id)
      run.warn(
        run.dryRun
          ? `Skipped ${run.spec.noun} ${id}, which cannot be stored: ${reason}.`
          : `Quarantined ${run.spec.noun} ${id} in stripe_sync_rejects: ${reason}. The sync goes on; later runs retry it.`
      )
    } else if (p.rejected === MAX_REJECT_WARNINGS + 1) {
      run.warn(`More ${run.spec.plural} were quarantined; see table stripe_sync_rejects (output rejected_count has the total).`)
    }
  }
  run.observe({ objects: stored, order, claimed: new Set(result.claimed), changed })
}

/** Keeps at most `remaining` of the valid objects that pass the filter, in page order. */
export function takeMatching<T>(objects: readonly T[], matches: (object: T) => boolean, remaining: number): T[] {
  const taken: T[] = []
  for (const object of objects) {
    if (taken.length >= remaining) break
    if (matches(object)) taken.push(object)
  }
  return taken
}
