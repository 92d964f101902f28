import { invalid, missing, ok, type Answer, type Query } from './answers.js'

export interface Dated {
  id: string
  created: number
}

export interface Stored<T> {
  object: T
  seq: number
}

/**
 * One resource's objects, newest first (ties: most recently added first), with Stripe's list
 * semantics. `current` gives an object as it is now (fields that change with the clock); `serve`
 * gives it as a request gets it (embedded lists cut short, expansions left out unless asked for).
 */
export class Collection<T extends Dated> {
  sorted: Array<Stored<T>> = []
  readonly byId = new Map<string, Stored<T>>()
  private positions: Map<string, number> | undefined
  private seq = 0

  constructor(
    readonly kind: string,
    private readonly current: (object: T) => T = (o) => o,
    private readonly serve: (object: T, query: Query) => T = (o) => o
  ) {}

  private render(object: T, query: Query): T {
    return this.serve(this.current(object), query)
  }

  add(objects: Iterable<T>): void {
    for (const object of objects) {
      if (this.byId.has(object.id)) throw new Error(`duplicate ${this.kind} id ${object.id}`)
      const stored = { object, seq: this.seq++ }
      this.byId.set(object.id, stored)
      this.sorted.push(stored)
    }
    this.sorted.sort((a, b) => b.object.created - a.object.created || b.seq - a.seq)
    this.positions = undefined
  }

  /** Known by id but not listed (deleted before the stand-in started). */
  addUnlisted(objects: Iterable<T>): void {
    for (const object of objects) this.byId.set(object.id, { object, seq: this.seq++ })
  }

  /** Takes an object out of the list (a deletion); it stays known by id. */
  unlist(id: string): void {
    const at = this.sorted.findIndex((s) => s.object.id === id)
    if (at >= 0) this.sorted.splice(at, 1)
    this.positions = undefined
  }

  update(id: string, patch: Partial<T>): T {
    const stored = this.byId.get(id)
    if (!stored) throw new Error(`no ${this.kind} ${id}`)
    stored.object = { ...stored.object, ...patch }
    return stored.object
  }

  get(id: string, query: Query = {}): T | undefined {
    const stored = this.byId.get(id)
    return stored ? this.render(stored.object, query) : undefined
  }

  /** Newest first, as they are now, whole: the truth a table is compared with. */
  all(): T[] {
    return this.sorted.map((s) => this.current(s.object))
  }

  list(query: Query, filter?: (object: T) => boolean): Answer {
    let limit = 10
    if (query.limit !== undefined) {
      if (!/^\d+$/.test(query.limit)) return invalid('limit', `Invalid integer: ${query.limit}`)
      limit = Number(query.limit)
      if (limit < 1 || limit > 100) return invalid('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.')
    }
    const range = { gt: -Infinity, gte: -Infinity, lt: Infinity, lte: Infinity }
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = query[`created[${op}]`]
      if (value === undefined) continue
      if (!/^\d+$/.test(value)) return invalid(`created[${op}]`, `Invalid integer: ${value}`)
      range[op] = Number(value)
    }
    if (query.created !== undefined) {
      if (!/^\d+$/.test(query.created)) return invalid('created', `Invalid integer: ${query.created}`)
      range.gte = range.lte = Number(query.created)
    }
    const min = Math.max(range.gt + 1, range.gte)
    const max = Math.min(range.lt - 1, range.lte)
    const items = filter ? this.sorted.filter((s) => filter(s.object)) : this.sorted
    // The list is sorted newest first, so the window is one contiguous slice [lo, hi).
    const lo = firstIndex(items, (c) => c <= max)
    const hi = firstIndex(items, (c) => c < min)
    let start = lo
    let end = hi
    const position = (id: string) => (filter ? items.findIndex((s) => s.object.id === id) : this.position(id))
    if (query.starting_after) {
      const at = position(query.starting_after)
      if (at === undefined || at < 0) return missing(this.kind, query.starting_after, 'starting_after')
      start = Math.max(lo, at + 1)
      end = Math.min(hi, start + limit)
    } else if (query.ending_before) {
      const at = position(query.ending_before)
      if (at === undefined || at < 0) return missing(this.kind, query.ending_before, 'ending_before')
      end = Math.min(hi, at)
      start = Math.max(lo, end - limit)
    } else {
      end = Math.min(hi, start + limit)
    }
    const data = items.slice(start, Math.max(start, end)).map((s) => this.render(s.object, query))
    const hasMore = query.ending_before ? start > lo : end < hi
    return ok({ object: 'list', data, has_more: hasMore, url: `/v1/${this.kind}s` })
  }

  /** Objects created in [min, max] (listed ones), oldest last as stored. */
  between(min: number, max: number): Array<Stored<T>> {
    return this.sorted.slice(
      firstIndex(this.sorted, (c) => c <= max),
      firstIndex(this.sorted, (c) => c < min)
    )
  }

  /** An object as it is now. */
  now(object: T): T {
    return this.current(object)
  }

  private position(id: string): number | undefined {
    if (!this.positions) {
      this.positions = new Map()
      this.sorted.forEach((s, i) => this.positions!.set(s.object.id, i))
    }
    return this.positions.get(id)
  }
}

/** First index whose `created` satisfies pred (pred must be monotone over the newest-first list). */
function firstIndex<T extends Dated>(items: ReadonlyArray<Stored<T>>, pred: (created: number) => boolean): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (pred(items[mid]!.object.created)) hi = mid
    else lo = mid + 1
  }
  return lo
}
