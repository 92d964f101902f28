import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type Stripe from 'stripe'
import { randomId, seededRandom } from './fixtures.js'

/**
 * A small Stripe API for tests, the demo and the benchmark: the endpoints the action uses, with
 * Stripe's semantics — newest first (ties in one second: most recently created first), cursor
 * pagination with `starting_after`/`ending_before`, `created` filters, `limit` 1–100, Stripe's
 * error JSON (400, 401, 403, 404), optional latency, a server-side rate limit and injected faults.
 */

export interface RecordedRequest {
  /** When it arrived (ms, performance.now()). */
  at: number
  method: string
  path: string
  query: Record<string, string>
  stripeAccount: string | undefined
  stripeVersion: string | undefined
  status: number
}

export type Fault = 429 | 500 | 502 | 503 | 'reset' | 'bad-json' | 'slow'

export interface StandInOptions {
  /** Delay before each response, ms. */
  latencyMs?: number
  /** Keys that authenticate; default: any sk_/rk_ test or live key. */
  keys?: readonly string[]
  /** Restricted keys and the permissions they lack, e.g. { rk_test_x: ['charges'] }. */
  missingPermissions?: Record<string, ReadonlyArray<'charges' | 'events'>>
  /** Server-side limit: requests per second beyond which the answer is 429. */
  maxRequestsPerSecond?: number
  /** Retry-After (seconds) sent with 429s, if any. */
  retryAfterSeconds?: number
  /** A standing fault on every Nth request (1-based count of all requests). */
  faultEvery?: { every: number; fault: Fault }
  /** How long a 'slow' fault holds its answer, ms. */
  slowMs?: number
  /** From this request on (1-based), every request fails this way: an outage in the middle of a run. */
  failFrom?: { request: number; fault: Fault }
}

interface Stored {
  charge: Stripe.Charge
  seq: number
}

/** Stripe keeps events for 30 days. */
export const EVENT_RETENTION_SECONDS = 30 * 86400

function stripeError(status: number, error: Record<string, unknown>): { status: number; body: unknown } {
  return { status, body: { error } }
}

export class StripeStandIn {
  readonly requests: RecordedRequest[] = []
  private server: http.Server | undefined
  private sorted: Stored[] = []
  private byId = new Map<string, Stored>()
  private positions: Map<string, number> | undefined
  private seq = 0
  private faults: Fault[] = []
  private windowStart = 0
  private windowCount = 0
  /** Newest first. */
  private events: Stripe.Event[] = []
  private readonly random = seededRandom(99)
  /** The stand-in's clock (Unix seconds): tests move it to age events past retention. */
  now: () => number = () => Math.floor(Date.now() / 1000)

  constructor(readonly options: StandInOptions = {}) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null
    if (!address) throw new Error('stand-in not started')
    return `http://127.0.0.1:${address.port}`
  }

  /** Listens on 127.0.0.1 (a free port unless one is given) and returns the base URL. */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 5000
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    return this.url
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Adds charges (any order); each is "created" after all charges already present. */
  addCharges(charges: Iterable<Stripe.Charge>): void {
    for (const charge of charges) {
      if (this.byId.has(charge.id)) throw new Error(`duplicate charge id ${charge.id}`)
      const stored = { charge, seq: this.seq++ }
      this.byId.set(charge.id, stored)
      this.sorted.push(stored)
    }
    this.sorted.sort((a, b) => b.charge.created - a.charge.created || b.seq - a.seq)
    this.positions = undefined
  }

  /** Changes a stored charge in place (its position in the list does not move). */
  updateCharge(id: string, patch: Partial<Stripe.Charge>): Stripe.Charge {
    const stored = this.byId.get(id)
    if (!stored) throw new Error(`no charge ${id}`)
    stored.charge = { ...stored.charge, ...patch }
    return stored.charge
  }

  /** Records an event about `object`, as Stripe does when something changes. */
  emit(type: string, object: object, created = this.now()): Stripe.Event {
    const event = {
      id: randomId('evt_', this.random),
      object: 'event',
      api_version: '2026-10-28.endive',
      created,
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: null,
      type
    } as unknown as Stripe.Event
    this.events.push(event)
    this.events.sort((a, b) => b.created - a.created)
    return event
  }

  /** A new charge, with its charge.<status> event. */
  createCharge(charge: Stripe.Charge): Stripe.Charge {
    this.addCharges([charge])
    this.emit(`charge.${charge.status}`, charge, charge.created)
    return charge
  }

  /** Refunds `amount` (default: all that is left) of a charge, with charge.refunded. */
  refund(id: string, amount?: number): Stripe.Charge {
    const charge = this.byId.get(id)!.charge
    const refunded = Math.min(charge.amount, charge.amount_refunded + (amount ?? charge.amount - charge.amount_refunded))
    const updated = this.updateCharge(id, { amount_refunded: refunded, refunded: refunded >= charge.amount })
    this.emit('charge.refunded', updated)
    return updated
  }

  /** Opens a dispute on a charge: the event's object is the dispute, which names the charge. */
  dispute(id: string): Stripe.Charge {
    const updated = this.updateCharge(id, { disputed: true })
    this.emit('charge.dispute.created', { id: randomId('dp_', this.random), object: 'dispute', charge: id, amount: updated.amount, status: 'needs_response' })
    return updated
  }

  /** A pending charge settles. */
  succeed(id: string): Stripe.Charge {
    const charge = this.byId.get(id)!.charge
    const updated = this.updateCharge(id, { status: 'succeeded', paid: true, captured: true, amount_captured: charge.amount })
    this.emit('charge.succeeded', updated)
    return updated
  }

  /** All charges, newest first: the truth tests compare the table with. */
  allCharges(): Stripe.Charge[] {
    return this.sorted.map((s) => s.charge)
  }

  /** The next requests fail this way, one fault per request, in order. */
  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults)
  }

  chargeRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/charges'))
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const query: Record<string, string> = {}
    for (const [k, v] of url.searchParams) query[k] = v
    const record: RecordedRequest = {
      at: performance.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      stripeAccount: header(req, 'stripe-account'),
      stripeVersion: header(req, 'stripe-version'),
      status: 0
    }
    this.requests.push(record)
    // Drain any body so keep-alive connections stay usable.
    req.resume()
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs))

    const every = this.options.faultEvery
    const outage = this.options.failFrom && this.requests.length >= this.options.failFrom.request ? this.options.failFrom.fault : undefined
    const fault = this.faults.shift() ?? outage ?? (every && this.requests.length % every.every === 0 ? every.fault : undefined)
    if (fault === 'slow') await new Promise((r) => setTimeout(r, this.options.slowMs ?? 2000))
    if (fault === 'reset') {
      record.status = -1
      req.socket.destroy()
      return
    }
    let answer: { status: number; body: unknown; headers?: Record<string, string> }
    if (fault === 'bad-json') {
      record.status = 200
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"object": "list", "data": [{"id": "ch_trunc')
      return
    } else if (fault === 429 || this.overRateLimit()) {
      answer = {
        ...stripeError(429, { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' }),
        headers: this.options.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(this.options.retryAfterSeconds) }
      }
    } else if (fault !== undefined && fault !== 'slow') {
      answer = stripeError(fault, { type: 'api_error', message: 'An unknown error occurred' })
    } else {
      answer = this.route(req, url, query)
    }
    record.status = answer.status
    const body = JSON.stringify(answer.body)
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'request-id': `req_standin_${this.requests.length}`,
      ...answer.headers
    })
    res.end(body)
  }

  private overRateLimit(): boolean {
    const max = this.options.maxRequestsPerSecond
    if (!max) return false
    const now = Date.now()
    if (now - this.windowStart >= 1000) {
      this.windowStart = now
      this.windowCount = 0
    }
    this.windowCount += 1
    return this.windowCount > max
  }

  private authenticate(req: http.IncomingMessage): string | { status: number; body: unknown } {
    const auth = header(req, 'authorization') ?? ''
    const key = /^Bearer (.+)$/.exec(auth)?.[1] ?? ''
    const valid = this.options.keys ? this.options.keys.includes(key) : /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(key)
    if (!valid) {
      const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key
      return stripeError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` })
    }
    return key
  }

  private route(req: http.IncomingMessage, url: URL, query: Record<string, string>): { status: number; body: unknown } {
    const key = this.authenticate(req)
    if (typeof key !== 'string') return key
    if (req.method !== 'GET') return this.unrecognized(req, url)
    if (url.pathname === '/v1/charges') {
      return this.permitted(key, 'charges', 'rak_charge_read') ?? this.listCharges(query)
    }
    if (url.pathname === '/v1/events') {
      return this.permitted(key, 'events', 'rak_event_read') ?? this.listEvents(query)
    }
    const one = /^\/v1\/charges\/([^/]+)$/.exec(url.pathname)
    if (one) {
      const denied = this.permitted(key, 'charges', 'rak_charge_read')
      if (denied) return denied
      const stored = this.byId.get(decodeURIComponent(one[1]!))
      if (!stored) return missing('charge', one[1]!, 'id')
      return { status: 200, body: stored.charge }
    }
    return this.unrecognized(req, url)
  }

  private permitted(key: string, area: 'charges' | 'events', permission: string): { status: number; body: unknown } | undefined {
    if (!this.options.missingPermissions?.[key]?.includes(area)) return undefined
    return stripeError(403, {
      type: 'invalid_request_error',
      message: `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_standin'. Having the '${permission}' permission would allow this request to continue.`
    })
  }

  private unrecognized(req: http.IncomingMessage, url: URL): { status: number; body: unknown } {
    return stripeError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
    })
  }

  private listCharges(query: Record<string, string>): { status: number; body: unknown } {
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
    // The list is sorted newest first, so the window is one contiguous slice [lo, hi).
    const lo = this.firstIndex((c) => c <= max)
    const hi = this.firstIndex((c) => c < min)
    let start = lo
    let end = hi
    if (query.starting_after) {
      const at = this.position(query.starting_after)
      if (at === undefined) return missing('charge', query.starting_after, 'starting_after')
      start = Math.max(lo, at + 1)
      end = Math.min(hi, start + limit)
    } else if (query.ending_before) {
      const at = this.position(query.ending_before)
      if (at === undefined) return missing('charge', query.ending_before, 'ending_before')
      end = Math.min(hi, at)
      start = Math.max(lo, end - limit)
    } else {
      end = Math.min(hi, start + limit)
    }
    const data = this.sorted.slice(start, Math.max(start, end)).map((s) => s.charge)
    const hasMore = query.ending_before ? start > lo : end < hi
    return { status: 200, body: { object: 'list', data, has_more: hasMore, url: '/v1/charges' } }
  }

  private listEvents(query: Record<string, string>): { status: number; body: unknown } {
    const limit = query.limit === undefined ? 10 : Number(query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.')
    const types = Object.entries(query).filter(([k]) => /^types\[\d*\]$/.test(k)).map(([, v]) => v)
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
    const visible = this.events.filter(
      (e) => e.created >= oldestKept && matchesType(e.type) && e.created > range.gt && e.created >= range.gte && e.created < range.lt && e.created <= range.lte
    )
    let start = 0
    let end = Math.min(visible.length, limit)
    const cursor = query.starting_after ?? query.ending_before
    if (cursor !== undefined) {
      const kept = this.events.find((e) => e.id === cursor && e.created >= oldestKept)
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
    return { status: 200, body: { object: 'list', data: visible.slice(start, Math.max(start, end)), has_more: hasMore, url: '/v1/events' } }
  }

  /** First index whose `created` satisfies pred (pred must be monotone over the newest-first list). */
  private firstIndex(pred: (created: number) => boolean): number {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (pred(this.sorted[mid]!.charge.created)) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  private position(id: string): number | undefined {
    if (!this.positions) {
      this.positions = new Map()
      this.sorted.forEach((s, i) => this.positions!.set(s.charge.id, i))
    }
    return this.positions.get(id)
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function invalid(param: string, message: string): { status: number; body: unknown } {
  return stripeError(400, { type: 'invalid_request_error', param, message })
}

function missing(kind: string, id: string, param: string): { status: number; body: unknown } {
  return stripeError(404, { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` })
}
