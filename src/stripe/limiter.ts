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
      this.recover(now)
      while (this.starts.length > 0 && now - this.starts[0]! >= this.windowMs) this.starts.shift()
      const windowWait = this.starts.length >= Math.floor(this.maxPerSecond) ? this.starts[0]! + this.windowMs - now : 0
      // Evenly spaced starts: a stalled event loop then cannot release a burst at Stripe.
      const paceWait = this.lastStart + (this.rate < this.maxPerSecond ? 1000 / this.rate : 900 / this.maxPerSecond) - now
      const wait = Math.max(0, windowWait, paceWait, this.pausedUntil - now)
      if (wait <= 0) {
        this.starts.push(now)
        this.lastStart = now
        this.stats.requests += 1
        return
      }
      await this.clock.sleep(wait)
    }
  }

  /** Back to full pace over about five seconds without a 429, starting a second after the last pause. */
  private recover(now: number): void {
    const from = Math.max(this.lastRecovery, this.lastPenalty + 1000)
    this.lastRecovery = now
    if (this.rate >= this.maxPerSecond || now <= from) return
    this.rate = Math.min(this.maxPerSecond, this.rate + (this.maxPerSecond / 5) * ((now - from) / 1000))
  }
}
