import type { ObjectName } from '../../src/objects/registry.js'
import { missing, ok, type Answer, type Query } from './answers.js'
import type { Collection, Dated } from './collection.js'
import type { Creation } from './events.js'

/**
 * What the stand-in serves, keyed by object name (and a few endpoints of their own): each entry
 * its collection's routes — list, retrieve — and the creation events of its objects. Adding an
 * object to the stand-in is one entry (`StripeStandIn.define`).
 */
export type Area = ObjectName | 'events' | 'accounts' | 'subscription_items' | 'invoice_payments'

export interface Resource {
  /** Stripe's name for one object, in errors: `No such charge`. */
  kind: string
  list(query: Query): Answer
  /** Undefined: the area has no object route (`GET /v1/subscription_items?subscription=` lists only). */
  retrieve?(id: string, query: Query): Answer
  /** The creation events of the objects created in [min, max] (empty for objects Stripe emits none for). */
  created(min: number, max: number): Creation[]
  /** The oldest object's `created`, if any (for the account's own creation). */
  oldest(): number[]
}

export interface ResourceOptions<T extends Dated> {
  /** The type of the event Stripe emits when one is created (`charge.succeeded`); none: no event. */
  creation?: (object: T) => string
  /** A list with Stripe's own filters (balance transactions by payout, subscriptions by status). */
  list?: (collection: Collection<T>, query: Query) => Answer
  /** A retrieve that knows more than the list (a deleted customer); undefined: the collection's. */
  retrieve?: (id: string, query: Query) => Answer | undefined
}

/** A collection served as a resource: its type stays inside the closures, so the table holds any object without a cast. */
export function resource<T extends Dated>(collection: Collection<T>, options: ResourceOptions<T> = {}): Resource {
  const creation = options.creation
  return {
    kind: collection.kind,
    list: (query) => (options.list ? options.list(collection, query) : collection.list(query)),
    retrieve: (id, query) => {
      const special = options.retrieve?.(id, query)
      if (special) return special
      const object = collection.get(id, query)
      return object ? ok(object) : missing(collection.kind, id, 'id')
    },
    created: (min, max) => (creation ? collection.between(min, max).map(({ object }) => ({ type: creation(object), object: collection.now(object) })) : []),
    oldest: () => {
      const last = collection.sorted.at(-1)
      return last ? [last.object.created] : []
    }
  }
}
