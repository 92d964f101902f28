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
  /** Events of the window read again that the last run read already: skipped. */
  seen: ReadonlySet<string>
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
  /** Ids of the events of its types read in the window the next run reads again (its `seen`). */
  recent: string[]
}

export function emptyChanges(): ObjectChanges {
  return { events: 0, refetch: new Set(), deleted: new Map(), unlisted: false, recent: [] }
}

/** The types to ask Stripe for: the union of what the readers need, or undefined (every event) past 20. */
export function streamTypes(specs: readonly ObjectSpec[]): string[] | undefined {
  const types = new Set<string>()
  for (const spec of specs) for (const type of [...spec.events, ...(spec.listWhen ?? [])]) types.add(type)
  return types.size > 0 && types.size <= MAX_EVENT_TYPES ? [...types] : undefined
}

/**
 * What one event means for one reader. `keepFrom`: events created from this second on are remembered
 * as seen, for the next run, which reads them again.
 */
export function classify(reader: StreamReader, event: Stripe.Event, changes: ObjectChanges, keepFrom: number): void {
  const { spec } = reader
  if (event.created < reader.since) return
  const listWhen = spec.listWhen?.includes(event.type) ?? false
  if (!listWhen && !spec.events.includes(event.type)) return
  if (event.created >= keepFrom) changes.recent.push(event.id)
  if (reader.seen.has(event.id)) return
  if (listWhen) changes.unlisted = true
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
 * one request, whatever the number of objects. The next run reads again from minutes before this
 * one (LATE_EVENT_SECONDS): an event that reaches the list late, or names an object created after
 * the sweep's end, is read twice rather than never; the ids read in that window are kept (`recent`)
 * so the second reading skips them.
 */
export async function readChanges(
  stripe: Stripe,
  readers: readonly StreamReader[],
  window: { from: number; keepFrom: number },
  retry: RetryOptions
): Promise<Map<ObjectName, ObjectChanges>> {
  const changes = new Map(readers.map((r) => [r.name, emptyChanges()]))
  const types = streamTypes(readers.map((r) => r.spec))
  for await (const page of allEventsSince(stripe, { gte: window.from }, types, retry)) {
    for (const event of page) for (const reader of readers) classify(reader, event, changes.get(reader.name)!, window.keepFrom)
  }
  for (const [, c] of changes) for (const id of c.deleted.keys()) c.refetch.delete(id)
  return changes
}
