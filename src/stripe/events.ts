import Stripe from 'stripe'
import { StripeRequestError } from './errors.js'
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js'

/** Every event that can change a stored charge (explicit: `types[]` takes at most 20). */
export const CHARGE_EVENT_TYPES = [
  'charge.captured',
  'charge.expired',
  'charge.failed',
  'charge.pending',
  'charge.refunded',
  'charge.succeeded',
  'charge.updated',
  'charge.refund.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_reinstated',
  'charge.dispute.funds_withdrawn'
] as const

const EVENTS_PERMISSION = 'Events: Read'

/** The event cursor points at an event Stripe no longer keeps (events live 30 days). */
export class EventCursorExpiredError extends Error {
  constructor(eventId: string) {
    super(`Stripe no longer has event ${eventId} (events are kept for 30 days)`)
    this.name = 'EventCursorExpiredError'
  }
}

async function listEvents(stripe: Stripe, params: Stripe.EventListParams, retry: RetryOptions): Promise<Stripe.ApiList<Stripe.Event>> {
  try {
    return await withRetries(() => stripe.events.list({ types: [...CHARGE_EVENT_TYPES], ...params }), retry)
  } catch (error) {
    if (params.ending_before && error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
      throw new EventCursorExpiredError(params.ending_before)
    }
    throw new StripeRequestError(error, 'list events', EVENTS_PERMISSION)
  }
}

/** The newest charge event, if any: where the next replay starts. */
export async function newestChargeEvent(stripe: Stripe, retry: RetryOptions = DEFAULT_RETRY): Promise<Stripe.Event | undefined> {
  return (await listEvents(stripe, { limit: 1 }, retry)).data[0]
}

/**
 * Every charge event newer than the cursor, a page at a time. With an event id, walks forward with
 * `ending_before` (each page holds the events just newer than the last one seen); without one (no
 * event existed when the cursor was set), every event created at or after `sinceCreated`.
 */
export async function* chargeEventsAfter(
  stripe: Stripe,
  cursor: { eventId: string | null; sinceCreated: number },
  retry: RetryOptions = DEFAULT_RETRY
): AsyncGenerator<Stripe.Event[]> {
  if (cursor.eventId) {
    let before = cursor.eventId
    for (;;) {
      const page = await listEvents(stripe, { limit: 100, ending_before: before }, retry)
      if (page.data.length > 0) yield page.data
      const newest = page.data[0]
      if (!page.has_more || !newest) return
      before = newest.id
    }
  }
  let after: string | undefined
  for (;;) {
    const page = await listEvents(stripe, { limit: 100, created: { gte: cursor.sinceCreated }, ...(after ? { starting_after: after } : {}) }, retry)
    if (page.data.length > 0) yield page.data
    const oldest = page.data.at(-1)
    if (!page.has_more || !oldest) return
    after = oldest.id
  }
}

/** The charge an event is about, and its `created` when the event carries the charge itself. */
export function chargeOfEvent(event: Stripe.Event): { id: string; created?: number } | undefined {
  const object = event.data.object as { object?: string; id?: string; created?: number; charge?: string | { id: string } | null }
  if (object.object === 'charge' && object.id) return { id: object.id, created: object.created }
  const charge = object.charge
  if (typeof charge === 'string') return { id: charge }
  if (charge && typeof charge === 'object') return { id: charge.id }
  return undefined
}

export async function retrieveCharge(stripe: Stripe, id: string, retry: RetryOptions = DEFAULT_RETRY): Promise<Stripe.Charge> {
  try {
    return await withRetries(() => stripe.charges.retrieve(id), retry)
  } catch (error) {
    throw new StripeRequestError(error, `retrieve charge ${id}`, 'Charges: Read')
  }
}
