import type Stripe from 'stripe'
import type { ObjectSpec } from '../objects/spec.js'
import type { ObjectName } from '../objects/registry.js'
import { allEventsSince, objectOfEvent } from '../stripe/events.js'
import type { RetryOptions } from '../stripe/retry.js'

/** Stripe's `types[]` takes at most 20 values; past that the stream is read unfiltered. */
export const MAX_EVENT_TYPES = 20

/** One object reading the change stream. */
export interface StreamReader {
  name: ObjectName
  spec: ObjectSpec
  /** Events created at or after this second are new to this object (its state's event cursor). */
  since: number
  /** Whether the table holds an object (undefined: cannot tell, for lack of `created`). */
  stored(object: { id: string; created?: number }): boolean | undefined
}

/** What the stream says about one object since its cursor. */
export interface ObjectChanges {
  /** Events of the object's types read. */
  events: number
  /** Stored objects that changed: re-fetched by id. */
  refetch: Set<string>
  /** Deletion events, by object id (the event holds the last copy). */
  deleted: Map<string, Stripe.Event>
  /**
   * An event names an object the table has not listed yet (created after the cursor), or is one
   * that follows new objects without events of their own (a charge → its balance transaction):
   * the object must be listed this run.
   */
  unlisted: boolean
}

export function emptyChanges(): ObjectChanges {
  return { events: 0, refetch: new Set(), deleted: new Map(), unlisted: false }
}

/** The types to ask Stripe for: the union of what the readers need, or undefined (every event) past 20. */
export function streamTypes(specs: readonly ObjectSpec[]): string[] | undefined {
  const types = new Set<string>()
  for (const spec of specs) for (const type of [...spec.events, ...(spec.listWhen ?? [])]) types.add(type)
  return types.size > 0 && types.size <= MAX_EVENT_TYPES ? [...types] : undefined
}

/** What one event means for one reader. */
export function classify(reader: StreamReader, event: Stripe.Event, changes: ObjectChanges): void {
  const { spec } = reader
  if (event.created < reader.since) return
  if (spec.listWhen?.includes(event.type)) changes.unlisted = true
  if (!spec.events.includes(event.type)) return
  changes.events += 1
  const object = objectOfEvent(spec, event)
  if (!object) return
  if (spec.deletionEvents?.includes(event.type)) {
    changes.deleted.set(object.id, event)
    return
  }
  const stored = reader.stored(object)
  // Not stored yet: the forward sweep lists it, current, later this run.
  if (stored === false) changes.unlisted = true
  else changes.refetch.add(object.id)
}

/**
 * One read of Stripe's events for every object of the run: every event created from the oldest
 * reader's cursor up to now, a page at a time, sorted to the readers they concern. An idle run costs
 * one request, whatever the number of objects. The next run reads again from a few seconds before
 * this one (the readers' cursors move to the settled second, not to now): an event that reaches the
 * list late, or names an object created after the sweep's end, is read twice rather than never.
 */
export async function readChanges(
  stripe: Stripe,
  readers: readonly StreamReader[],
  from: number,
  retry: RetryOptions
): Promise<Map<ObjectName, ObjectChanges>> {
  const changes = new Map(readers.map((r) => [r.name, emptyChanges()]))
  const types = streamTypes(readers.map((r) => r.spec))
  for await (const page of allEventsSince(stripe, { gte: from }, types, retry)) {
    for (const event of page) for (const reader of readers) classify(reader, event, changes.get(reader.name)!)
  }
  for (const [, c] of changes) for (const id of c.deleted.keys()) c.refetch.delete(id)
  return changes
}
