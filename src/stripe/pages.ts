import type Stripe from 'stripe'
import { ActionError } from '../errors.js'
import type { DeletedObject, ObjectSpec, StripeObject } from '../objects/spec.js'
import { StripeRequestError } from './errors.js'
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js'

export const MAX_PAGE_SIZE = 100

/** A window on `created`, Unix seconds: `gte` inclusive, `lt` exclusive. */
export interface Window {
  gte?: number
  lt?: number
}

/** Where a listing continues: the last object of the previous page. */
export interface PageCursor {
  id: string
  created: number
}

export interface Page<T> {
  /** The page's objects inside the requested window, newest first. */
  data: T[]
  hasMore: boolean
  /** The last object as Stripe listed it: the next page starts after it. */
  last: PageCursor | undefined
  /** Objects Stripe (or a proxy) returned outside the requested window: dropped, never stored. */
  dropped: number
}

/** The API (or a proxy in front of it) answered a page request with a page already seen. */
export class PagingLoopError extends ActionError {
  constructor(what: string, asked: string, endpoint = 'the list endpoint') {
    super(
      `Stripe returned ${what} when asked for ${asked}: the listing would never end. Stopping instead (GET ${endpoint}). ` +
        'If `stripe-api-base` points at a proxy, check that it forwards starting_after and created, and does not cache list responses.'
    )
    this.name = 'PagingLoopError'
  }
}

/** The page-listing function the fetchers use: one request, one page. */
export type ListPage<T> = (window: Window, limit: number, after: PageCursor | undefined) => Promise<Page<T>>

/**
 * One request for `spec`: up to `limit` objects of the window, newest first, after `after`.
 * `filters` are further list parameters (balance transactions of one payout).
 */
export function pageLister<T extends StripeObject>(
  stripe: Stripe,
  spec: ObjectSpec<T>,
  retry: RetryOptions = DEFAULT_RETRY,
  filters: Readonly<Record<string, string>> = {}
): ListPage<T> {
  // Each page's first and last id, with the request it answered (a few dozen bytes a page).
  const seen = new Map<string, { window: Window; after: string | undefined }>()
  return async (window, limit, after) => {
    const params: Record<string, unknown> = { ...spec.listParams, ...filters, limit: Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit))) }
    const created: Stripe.RangeQueryParam = {}
    if (window.gte !== undefined) created.gte = window.gte
    if (window.lt !== undefined) created.lt = window.lt
    if (Object.keys(created).length > 0) params.created = created
    if (after) params.starting_after = after.id
    let list: Stripe.ApiList<T>
    try {
      list = await withRetries(() => spec.resource(stripe).list(params), retry)
    } catch (error) {
      throw new StripeRequestError(error, `list ${spec.plural}`, spec.permission)
    }
    const page = toPage(list, window, after)
    // The same page for another request (a caching proxy): every slice would be asked again, without end.
    const raw = Array.isArray(list?.data) ? list.data : []
    if (raw.length > 0) {
      const print = `${raw.length} ${raw[0]?.id} ${raw.at(-1)?.id}`
      const before = seen.get(print)
      // Only an answer no honest listing gives: the same objects for a window apart from the first, or after another cursor in the same one.
      if (before && (apart(before.window, window) || (sameWindow(before.window, window) && before.after !== after?.id))) {
        throw new PagingLoopError('a page it had already returned', describeAsk(window, after), endpointOf(list))
      }
      seen.set(print, { window, after: after?.id })
    }
    return page
  }
}

/** Two windows with no second in common: no object can be in both. */
function apart(a: Window, b: Window): boolean {
  return (a.lt !== undefined && b.gte !== undefined && a.lt <= b.gte) || (b.lt !== undefined && a.gte !== undefined && b.lt <= a.gte)
}

function sameWindow(a: Window, b: Window): boolean {
  return a.gte === b.gte && a.lt === b.lt
}

/** The request a page answered, as an error names it. */
function describeAsk(window: Window, after: PageCursor | undefined): string {
  const span = window.gte !== undefined || window.lt !== undefined ? ` created in [${window.gte ?? 'start'}, ${window.lt ?? 'now'})` : ''
  return after ? `the page after ${after.id}${span}` : `the first page${span}`
}

/** The list's endpoint as Stripe names it (`/v1/charges`), when it looks like one. */
function endpointOf(list: { url?: unknown } | undefined): string | undefined {
  return typeof list?.url === 'string' && /^\/v1\/[a-z_/]{1,60}$/.test(list.url) ? list.url : undefined
}

/** Checks a list answer and keeps what is inside the window. */
export function toPage<T extends StripeObject>(list: Stripe.ApiList<T>, window: Window, after: PageCursor | undefined): Page<T> {
  const raw = Array.isArray(list?.data) ? list.data : []
  if (after) {
    // After a cursor, Stripe lists strictly older objects (ties in one second by creation order).
    const first = raw[0]
    if (raw.some((o) => o?.id === after.id)) throw new PagingLoopError('the cursor object again', describeAsk(window, after), endpointOf(list))
    if (first && typeof first.created === 'number' && first.created > after.created)
      throw new PagingLoopError('newer objects again', describeAsk(window, after), endpointOf(list))
  }
  const lastObject = raw.at(-1)
  const last = lastObject && typeof lastObject.id === 'string' ? { id: lastObject.id, created: finiteOr(lastObject.created, window.gte ?? 0) } : undefined
  const data = raw.filter((o) => !outside(o, window))
  // A whole page outside the window asked is not Stripe's answer (one odd object is dropped; a page of them is a proxy's).
  if (raw.length > 1 && data.length === 0 && raw.every((o) => typeof o?.created === 'number')) {
    throw new PagingLoopError('only objects outside the window asked', describeAsk(window, after), endpointOf(list))
  }
  return { data, hasMore: list?.has_more === true && last !== undefined, last, dropped: raw.length - data.length }
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** Outside the window; an object without a usable `created` is left for validation to reject. */
function outside(object: StripeObject, window: Window): boolean {
  const created = object?.created
  if (typeof created !== 'number' || !Number.isFinite(created)) return false
  return (window.gte !== undefined && created < window.gte) || (window.lt !== undefined && created >= window.lt)
}

/**
 * Objects newest first, one page at a time, following `starting_after`. The caller decides when it
 * has enough and stops iterating; no request is made beyond that.
 */
export async function* pages<T>(list: ListPage<T>, window: Window, pageSize: () => number): AsyncGenerator<Page<T>> {
  let after: PageCursor | undefined
  for (;;) {
    const page = await list(window, pageSize(), after)
    yield page
    if (!page.hasMore) return
    after = page.last
  }
}

/** One object by id. */
export async function retrieveObject<T extends StripeObject>(
  stripe: Stripe,
  spec: ObjectSpec<T>,
  id: string,
  retry: RetryOptions = DEFAULT_RETRY
): Promise<T | DeletedObject> {
  try {
    return await withRetries(() => spec.resource(stripe).retrieve(id, spec.retrieveParams ? { ...spec.retrieveParams } : undefined), retry)
  } catch (error) {
    throw new StripeRequestError(error, `retrieve ${spec.noun} ${id}`, spec.permission)
  }
}
