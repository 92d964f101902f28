import { invalid, missing, ok, type Answer, type Query } from './answers.js'
import type { Dated } from './collection.js'

/** Stripe keeps events for 30 days. */
export const EVENT_RETENTION_SECONDS = 30 * 86400

/** An event as the API serves it (API version 2026-10-28). */
export interface StandInEvent {
  id: string
  object: 'event'
  api_version: string
  created: number
  data: { object: unknown }
  livemode: boolean
  pending_webhooks: number
  request: null
  type: string
}

/** A creation event made on the fly for an object added in bulk: its type and the object as it is now. */
export interface Creation {
  type: string
  object: Dated & { livemode?: unknown }
}

export function makeEvent(id: string, type: string, object: unknown, created: number, livemode = false): StandInEvent {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    created,
    data: { object: structuredClone(object) },
    livemode,
    pending_webhooks: 0,
    request: null,
    type
  }
}

/**
 * The events of one account: those emitted explicitly (changes), and a creation event for every
 * object added in bulk, made when events are listed (one per object, at its creation time) rather
 * than stored. `GET /v1/events` with Stripe's semantics: newest first, 30 days kept, `types[]` (at
 * most 20) or a `type` with a trailing wildcard, `created` filters, cursors.
 */
export class EventLog {
  /** Newest first. */
  private events: StandInEvent[] = []
  private readonly seq = new Map<string, number>()
  /** `type|id` of every event emitted explicitly: no creation event is made for them. */
  private readonly explicit = new Set<string>()
  /** Events listed only from this second on (late events), by id. */
  private readonly listableAt = new Map<string, number>()

  constructor(
    private readonly now: () => number,
    /** Objects created in [min, max] that may have a creation event. */
    private readonly created: (min: number, max: number) => Creation[]
  ) {}

  add(event: StandInEvent, objectId: string | undefined, listableAt = event.created): void {
    this.explicit.add(`${event.type}|${objectId}`)
    if (listableAt > event.created) this.listableAt.set(event.id, listableAt)
    this.events.push(event)
    this.seq.set(event.id, this.seq.size)
    // Newest first; within a second, the most recent first (as Stripe lists them).
    this.events.sort((a, b) => b.created - a.created || this.seq.get(b.id)! - this.seq.get(a.id)!)
  }

  private creations(types: readonly string[], min: number, max: number): StandInEvent[] {
    return this.created(min, max)
      .filter(({ type, object }) => (types.length === 0 || types.includes(type)) && !this.explicit.has(`${type}|${object.id}`))
      .map(({ type, object }) => makeEvent(`evt_new_${object.id}`, type, object, object.created, object.livemode === true))
  }

  list(query: Query): Answer {
    const limit = query.limit === undefined ? 10 : Number(query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return invalid('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.')
    const types = Object.entries(query)
      .filter(([k]) => /^types\[\d*\]$/.test(k))
      .map(([, v]) => v)
    if (types.length > 20) return invalid('types', 'You may pass at most 20 types.')
    const type = query.type
    const matchesType = (t: string) =>
      (types.length === 0 || types.includes(t)) && (type === undefined || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type))
    const range = { gt: -Infinity, gte: -Infinity, lt: Infinity, lte: Infinity }
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = query[`created[${op}]`]
      if (value !== undefined) range[op] = Number(value)
    }
    const oldestKept = this.now() - EVENT_RETENTION_SECONDS
    const inRange = (created: number) => created >= oldestKept && created > range.gt && created >= range.gte && created < range.lt && created <= range.lte
    const now = this.now()
    const explicit = this.events.filter((e) => inRange(e.created) && matchesType(e.type) && (this.listableAt.get(e.id) ?? -Infinity) <= now)
    const min = Math.max(oldestKept, range.gt + 1, range.gte)
    const max = Math.min(range.lt - 1, range.lte, this.now())
    const made = type === undefined ? this.creations(types, min, max).filter((e) => matchesType(e.type)) : []
    // Newest first; within a second, a creation comes before what happened to the object after it.
    const visible =
      made.length === 0
        ? explicit
        : [...explicit, ...made].sort((a, b) => b.created - a.created || Number(a.id.startsWith('evt_new_')) - Number(b.id.startsWith('evt_new_')))
    let start = 0
    let end = Math.min(visible.length, limit)
    const cursor = query.starting_after ?? query.ending_before
    if (cursor !== undefined) {
      const kept = this.events.find((e) => e.id === cursor && e.created >= oldestKept) ?? visible.find((e) => e.id === cursor)
      if (!kept) return missing('event', cursor, query.starting_after ? 'starting_after' : 'ending_before')
      const at = visible.findIndex((e) => e.id === cursor)
      if (query.starting_after) {
        start = at + 1
        end = Math.min(visible.length, start + limit)
      } else {
        end = at
        start = Math.max(0, end - limit)
      }
    }
    const hasMore = query.ending_before ? start > 0 : end < visible.length
    return ok({ object: 'list', data: visible.slice(start, Math.max(start, end)), has_more: hasMore, url: '/v1/events' })
  }
}
