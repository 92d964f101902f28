/**
 * One rate limiter shared by every Stripe request of a run. Hard cap: never more than
 * `maxPerSecond` request starts in any sliding second (Stripe's limit is per second, and the
 * merchant's own application shares it). On a 429 it slows to 70 % of its pace, honours Retry-After, and
 * recovers gradually while requests succeed.
 */
export interface LimiterClock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}

/** How late a start may be and still be recorded when it was allowed (the window's slack over a second is 10 ms). */
const LATE_CREDIT_MS = 5

export interface LimiterStats {
  requests: number
  rateLimited: number
}

export class RateLimiter {
  readonly stats: LimiterStats = { requests: 0, rateLimited: 0 }
  /** Current pace, requests per second (≤ max). */
  private rate: number
  private readonly starts: number[] = []
  private pausedUntil = 0
  private lastStart = -Infinity
  private lastPenalty = -Infinity
  private lastSignal = -Infinity
  private lastRecovery = 0
  private queue: Promise<void> = Promise.resolve()
  /** When the last `delay` would have let a request start. */
  private allowedAt = -Infinity

  constructor(
    readonly maxPerSecond: number,
    private readonly clock: LimiterClock = realClock,
    /** A little slack on the window, for clock and network jitter between here and Stripe. */
    private readonly windowMs = 1010
  ) {
    this.rate = maxPerSecond
  }

  get currentRate(): number {
    return this.rate
  }

  /** Resolves when a request may start. Callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot())
    this.queue = turn.catch(() => {})
    return turn
  }

  /** Stripe answered 429: slow down, and pause for Retry-After when given. */
  onRateLimited(retryAfterSeconds?: number): void {
    const now = this.clock.now()
    this.stats.rateLimited += 1
    // Several in-flight requests may be refused together: that is one signal, not many.
    // Never below a fifth of the ceiling: 429s that have nothing to do with our pace (a busy
    // account, an incident) are waited out by the retries, not by crawling.
    if (now - this.lastSignal > 1000 / this.rate) this.rate = Math.max(1, this.maxPerSecond / 5, this.rate * 0.7)
    this.lastSignal = now
    const pause = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 1000 / this.rate
    this.pausedUntil = Math.max(this.pausedUntil, now + pause)
    // Recovery starts once the pause is over.
    this.lastPenalty = Math.max(this.lastPenalty, this.pausedUntil)
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.clock.now()
      const wait = this.delay(now)
      if (wait <= 0) {
        this.take(now)
        return
      }
      await this.clock.sleep(wait)
    }
  }

  /** How long a request starting now would have to wait (0: it may start). */
  delay(now: number): number {
    this.recover(now)
    while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift()
    const windowAt = this.starts.length >= Math.floor(this.maxPerSecond) ? this.starts[0]! + this.windowMs : -Infinity
    // Evenly spaced starts: a stalled event loop then cannot release a burst at Stripe.
    const paceAt = this.lastStart + (this.rate < this.maxPerSecond ? 1000 / this.rate : 900 / this.maxPerSecond)
    this.allowedAt = Math.max(windowAt, paceAt, this.pausedUntil)
    return Math.max(0, this.allowedAt - now)
  }

  /**
   * Records a request starting now (after `delay(now)` said 0). A start a timer or a busy event loop
   * made late is recorded when it was allowed, by up to LATE_CREDIT_MS: at the ceiling every start
   * waits for the one `max` before it, and lateness recorded as it happened would add up, start after
   * start (25 a second became 24.2). Any `max` starts still span more than a second.
   */
  take(now: number): void {
    const at = Math.min(now, Math.max(this.allowedAt, now - LATE_CREDIT_MS))
    this.starts.push(at)
    this.lastStart = at
    this.stats.requests += 1
  }

  /** Back to full pace over about five seconds without a 429, starting a second after the last pause. */
  private recover(now: number): void {
    const from = Math.max(this.lastRecovery, this.lastPenalty + 1000)
    this.lastRecovery = now
    if (this.rate >= this.maxPerSecond || now <= from) return
    this.rate = Math.min(this.maxPerSecond, this.rate + (this.maxPerSecond / 5) * ((now - from) / 1000))
  }
}

/**
 * Stripe's limits as Stripe enforces them: each endpoint (named operation, such as
 * `GET /v1/charges` or `GET /v1/charges/:id`) has its own limit, and every request also counts
 * against the account's global one. A request starts only when both allow it; each endpoint's
 * callers are served in order.
 */
export class RateLimits {
  readonly global: RateLimiter
  private readonly endpoints = new Map<string, { limiter: RateLimiter; queue: Promise<void> }>()

  constructor(
    readonly perEndpoint: number,
    readonly total: number,
    private readonly clock: LimiterClock = realClock
  ) {
    this.global = new RateLimiter(total, clock)
  }

  /** Every request of the run: started and refused (429). */
  get stats(): LimiterStats {
    let rateLimited = 0
    for (const n of this.reasons.values()) rateLimited += n
    return { requests: this.global.stats.requests, rateLimited }
  }

  /** Requests started per endpoint. */
  requestsByEndpoint(): Record<string, number> {
    return Object.fromEntries([...this.endpoints].map(([name, e]) => [name, e.limiter.stats.requests]))
  }

  /** Resolves when a request to `endpoint` may start. */
  acquire(endpoint: string): Promise<void> {
    const entry = this.entry(endpoint)
    const turn = entry.queue.then(async () => {
      for (;;) {
        const now = this.clock.now()
        const wait = Math.max(entry.limiter.delay(now), this.global.delay(now))
        if (wait <= 0) {
          entry.limiter.take(now)
          this.global.take(now)
          return
        }
        await this.clock.sleep(wait)
      }
    })
    entry.queue = turn.catch(() => {})
    return turn
  }

  /**
   * Stripe answered 429 to a request to `endpoint`. Its `Stripe-Rate-Limited-Reason` names the
   * limit: `global-rate` or `global-concurrency` slow every request, `endpoint-…` (and anything
   * else, or none) that endpoint. `resource-specific` concerns one object: the request is retried,
   * nothing slows down.
   */
  onRateLimited(endpoint: string, retryAfterSeconds?: number, reason?: string): void {
    this.reasons.set(reason ?? 'unspecified', (this.reasons.get(reason ?? 'unspecified') ?? 0) + 1)
    if (reason === 'resource-specific') return
    if (reason?.startsWith('global-')) this.global.onRateLimited(retryAfterSeconds)
    else this.entry(endpoint).limiter.onRateLimited(retryAfterSeconds)
  }

  /** The current pace of one endpoint, requests per second. */
  endpointRate(endpoint: string): number {
    return this.entry(endpoint).limiter.currentRate
  }

  /** 429s by Stripe-Rate-Limited-Reason (`unspecified` when the header was missing). */
  readonly reasons = new Map<string, number>()

  private entry(endpoint: string): { limiter: RateLimiter; queue: Promise<void> } {
    let entry = this.endpoints.get(endpoint)
    if (!entry) this.endpoints.set(endpoint, (entry = { limiter: new RateLimiter(this.perEndpoint, this.clock), queue: Promise.resolve() }))
    return entry
  }
}

/** The named operation of a request: `GET /v1/charges/ch_123?x` → `GET /v1/charges/:id`. */
export function endpointOf(method: string, path: string): string {
  const bare = path.split('?')[0] ?? path
  const parts = bare.split('/').map((part, i) => (i > 2 && /^[a-z]+_[A-Za-z0-9_]+$/.test(part) ? ':id' : part))
  return `${method.toUpperCase()} ${parts.join('/')}`
}
