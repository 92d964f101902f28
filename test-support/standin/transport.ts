import http from 'node:http'
import { stripeError, type Answer, type Query } from './answers.js'

/**
 * The stand-in's HTTP side: it listens, records every request, waits the configured latency, serves
 * injected faults (429s, 5xx, reset connections, truncated JSON, slow answers) and Stripe's rate
 * limits (per named operation and over all), and otherwise hands the request to its router.
 */
export interface RecordedRequest {
  /** When it arrived (ms, performance.now()). */
  at: number
  method: string
  path: string
  query: Query
  stripeAccount: string | undefined
  stripeVersion: string | undefined
  /** The bearer key. */
  key: string
  status: number
  /** Objects in a list answer. */
  returned?: number
  /** The fault served instead of an answer, if any. */
  fault?: Fault
}

export type Fault = 429 | 500 | 502 | 503 | 'reset' | 'bad-json' | 'slow'

export interface TransportOptions {
  /** Delay before each response, ms. */
  latencyMs?: number
  /** Server-side limit per endpoint (named operation): requests per second beyond which the answer is 429. */
  maxRequestsPerSecond?: number
  /** Server-side limit over all endpoints together. */
  maxTotalRequestsPerSecond?: number
  /** Retry-After (seconds) sent with 429s, if any. */
  retryAfterSeconds?: number
  /** A standing fault on every Nth request (1-based count of all requests). */
  faultEvery?: { every: number; fault: Fault }
  /** How long a 'slow' fault holds its answer, ms. */
  slowMs?: number
  /** From this request on (1-based), every request fails this way: an outage in the middle of a run. */
  failFrom?: { request: number; fault: Fault }
  /** A broken proxy: drops `starting_after`, so every page is the first one again. */
  ignoreCursor?: boolean
  /** A proxy that caches one answer: every list request of a path gets the first answer it had, whatever it asks (window, cursor). */
  samePage?: boolean
}

export class Transport {
  readonly requests: RecordedRequest[] = []
  private server: http.Server | undefined
  private faults: Fault[] = []
  /** The first answer per path, for a caching proxy (`samePage`). */
  private readonly cached = new Map<string, Answer>()
  private windows = new Map<string, { start: number; count: number }>()
  /** A fault for the requests it picks (one kind of listing failing while the others answer). */
  faultWhen: ((request: RecordedRequest) => Fault | undefined) | undefined

  constructor(
    private readonly options: TransportOptions,
    private readonly route: (request: RecordedRequest) => Answer
  ) {}

  get url(): string {
    const address = this.server?.address()
    if (!address || typeof address === 'string') throw new Error('stand-in not started')
    return `http://127.0.0.1:${address.port}`
  }

  /** Listens on 127.0.0.1 (a free port unless one is given) and returns the base URL. */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    // Longer than any test's pause between runs: a socket the server closes as the client reuses it
    // (a race of keep-alive) is an attempt the action counts and the stand-in never sees.
    this.server.keepAliveTimeout = 65_000
    this.server.headersTimeout = 66_000
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

  /** The next requests fail this way, one fault per request, in order. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults)
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const query: Query = {}
    for (const [k, v] of url.searchParams) query[k] = v
    if (this.options.ignoreCursor) delete query.starting_after
    const record: RecordedRequest = {
      at: performance.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      stripeAccount: header(req, 'stripe-account'),
      stripeVersion: header(req, 'stripe-version'),
      key: /^Bearer (.+)$/.exec(header(req, 'authorization') ?? '')?.[1] ?? '',
      status: 0
    }
    this.requests.push(record)
    // Drain any body so keep-alive connections stay usable.
    req.resume()
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs))

    const every = this.options.faultEvery
    const outage = this.options.failFrom && this.requests.length >= this.options.failFrom.request ? this.options.failFrom.fault : undefined
    const fault = this.faults.shift() ?? this.faultWhen?.(record) ?? outage ?? (every && this.requests.length % every.every === 0 ? every.fault : undefined)
    if (fault !== undefined) record.fault = fault
    if (fault === 'slow') await new Promise((r) => setTimeout(r, this.options.slowMs ?? 2000))
    if (fault === 'reset') {
      record.status = -1
      req.socket.destroy()
      return
    }
    if (fault === 'bad-json') {
      record.status = 200
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"object": "list", "data": [{"id": "ch_trunc')
      return
    }
    let answer: Answer
    let limited: 'endpoint-rate' | 'global-rate' | undefined
    if (fault === 429 || (limited = this.overRateLimit(record.method, url.pathname))) {
      answer = {
        ...stripeError(429, {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.'
        }),
        headers: {
          ...(this.options.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.options.retryAfterSeconds) }),
          ...(limited ? { 'stripe-rate-limited-reason': limited } : {})
        }
      }
    } else if (fault !== undefined && fault !== 'slow') {
      answer = stripeError(fault, { type: 'api_error', message: 'An unknown error occurred' })
    } else if (this.options.samePage && this.cached.has(url.pathname)) {
      answer = this.cached.get(url.pathname)!
    } else {
      answer = this.route(record)
      if (this.options.samePage && answer.status === 200) this.cached.set(url.pathname, answer)
    }
    record.status = answer.status
    const body = answer.body
    if (typeof body === 'object' && body !== null && 'data' in body && Array.isArray(body.data)) record.returned = body.data.length
    res.writeHead(answer.status, { 'content-type': 'application/json', 'request-id': `req_standin_${this.requests.length}`, ...answer.headers })
    res.end(JSON.stringify(answer.body))
  }

  /** Which of Stripe's limits refused a request (its `Stripe-Rate-Limited-Reason`), or undefined; fixed one-second windows. */
  private overRateLimit(method: string, path: string): 'endpoint-rate' | 'global-rate' | undefined {
    const operation = `${method} ${path.replace(/^(\/v1\/[a-z_]+)\/[^/]+$/, '$1/:id')}`
    const over = (key: string, max: number | undefined) => {
      if (!max) return false
      const now = Date.now()
      let window = this.windows.get(key)
      if (!window || now - window.start >= 1000) this.windows.set(key, (window = { start: now, count: 0 }))
      window.count += 1
      return window.count > max
    }
    const endpoint = over(operation, this.options.maxRequestsPerSecond)
    const total = over('*', this.options.maxTotalRequestsPerSecond)
    return total ? 'global-rate' : endpoint ? 'endpoint-rate' : undefined
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}
