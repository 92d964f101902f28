import Stripe from 'stripe'
import type { ObjectSpec } from '../objects/spec.js'
import { StripeRequestError } from './errors.js'
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js'

const EVENTS_PERMISSION = 'Events: Read'

/** The event cursor points at an event Stripe no longer keeps (events live 30 days). */
export class EventCursorExpiredError extends Error {
  constructor(eventId: string) {
    super(`Stripe no longer has event ${eventId} (events are kept for 30 days)`)
    this.name = 'EventCursorExpiredError'
  }
}

async function listEvents(
  stripe: Stripe,
  types: readonly string[],
  params: Stripe.EventListParams,
  retry: RetryOptions
): Promise<Stripe.ApiList<Stripe.Event>> {
  try {
    return await withRetries(() => stripe.events.list({ types: [...types], ...params }), retry)
  } catch (error) {
    if (params.ending_before && error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
      throw new EventCursorExpiredError(params.ending_before)
    }
    throw new StripeRequestError(error, 'list events', EVENTS_PERMISSION)
  }
}

/** The newest event of these types, if any: where the next replay starts. */
export async function newestEvent(stripe: Stripe, types: readonly string[], retry: RetryOptions = DEFAULT_RETRY): Promise<Stripe.Event | undefined> {
  return (await listEvents(stripe, types, { limit: 1 }, retry)).data[0]
}

/**
 * Every event of these types newer than the cursor, a page at a time. With an event id, walks
 * forward with `ending_before` (each page holds the events just newer than the last one seen);
 * without one (no event existed when the cursor was set), every event created at or after `sinceCreated`.
 */
export async function* eventsAfter(
  stripe: Stripe,
  types: readonly string[],
  cursor: { eventId: string | null; sinceCreated: number },
  retry: RetryOptions = DEFAULT_RETRY
): AsyncGenerator<Stripe.Event[]> {
  if (cursor.eventId) {
    let before = cursor.eventId
    for (;;) {
      const page = await listEvents(stripe, types, { limit: 100, ending_before: before }, retry)
      if (page.data.length > 0) yield page.data
      const newest = page.data[0]
      if (!page.has_more || !newest) return
      before = newest.id
    }
  }
  let after: string | undefined
  for (;;) {
    const page = await listEvents(stripe, types, { limit: 100, created: { gte: cursor.sinceCreated }, ...(after ? { starting_after: after } : {}) }, retry)
    if (page.data.length > 0) yield page.data
    const oldest = page.data.at(-1)
    if (!page.has_more || !oldest) return
    after = oldest.id
  }
}

/** The stored object an event is about: by the spec's rule, else the event's object when it is of the spec's type. */
export function objectOfEvent(spec: ObjectSpec, event: Stripe.Event): { id: string; created?: number } | undefined {
  if (spec.objectOfEvent) return spec.objectOfEvent(event)
  const object = event.data?.object as { object?: string; id?: string; created?: number } | undefined
  if (object?.object === spec.objectType && typeof object.id === 'string') return { id: object.id, created: object.created }
  return undefined
}
