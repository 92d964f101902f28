import Stripe from 'stripe'
import type { ObjectSpec } from '../objects/spec.js'
import { StripeRequestError } from './errors.js'
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js'

const EVENTS_PERMISSION = 'Events: Read'

async function listEvents(stripe: Stripe, params: Stripe.EventListParams, retry: RetryOptions): Promise<Stripe.ApiList<Stripe.Event>> {
  try {
    return await withRetries(() => stripe.events.list(params), retry)
  } catch (error) {
    throw new StripeRequestError(error, 'list events', EVENTS_PERMISSION)
  }
}

/**
 * Every event created in the window (of these types; every type when undefined), newest first, a
 * page at a time (`starting_after`). A closed window (`lt` in the past) is stable while it is paged.
 */
export async function* allEventsSince(
  stripe: Stripe,
  window: { gte: number; lt?: number },
  types: readonly string[] | undefined,
  retry: RetryOptions = DEFAULT_RETRY
): AsyncGenerator<Stripe.Event[]> {
  let after: string | undefined
  const created: Stripe.RangeQueryParam = { gte: window.gte, ...(window.lt !== undefined ? { lt: window.lt } : {}) }
  for (;;) {
    const page = await listEvents(stripe, { limit: 100, created, ...(types ? { types: [...types] } : {}), ...(after ? { starting_after: after } : {}) }, retry)
    if (page.data.length > 0) yield page.data
    const oldest = page.data.at(-1)
    if (!page.has_more || !oldest) return
    after = oldest.id
  }
}

/** The stored object an event is about: the event's object when it is of the spec's type, else the one it names (the spec's rule). */
export function objectOfEvent(spec: ObjectSpec, event: Stripe.Event): { id: string; created?: number } | undefined {
  const object = event.data?.object as { object?: string; id?: string; created?: number } | undefined
  if (object?.object === spec.objectType && typeof object.id === 'string') return { id: object.id, created: object.created }
  return spec.referencedBy?.(event)
}
