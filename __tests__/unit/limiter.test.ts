import { RateLimiter, RateLimits, type LimiterClock } from '../../src/stripe/limiter.js'

/** A clock that only moves when someone sleeps: the limiter's decisions, without real time. */
function fakeClock(): LimiterClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms
    }
  }
  return clock
}

async function startTimes(limiter: RateLimiter, clock: { now(): number }, n: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    await limiter.acquire()
    times.push(clock.now())
  }
  return times
}

function maxInAnyWindow(times: number[], windowMs: number): number {
  let max = 0
  for (let i = 0; i < times.length; i++) {
    let j = i
    while (j < times.length && times[j]! - times[i]! < windowMs) j++
    max = Math.max(max, j - i)
  }
  return max
}

describe('RateLimiter', () => {
  it('never starts more than max requests in any sliding second', async () => {
    const clock = fakeClock()
    const limiter = new RateLimiter(20, clock)
    const times = await startTimes(limiter, clock, 200)
    expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(20)
    // ...and keeps up: 200 requests in about 10 seconds.
    expect(times.at(-1)!).toBeLessThan(10 * 1010 + 1)
    expect(limiter.stats.requests).toBe(200)
  })

  it('keeps its pace when timers fire late: lateness does not add up start after start, and no second holds more than max', async () => {
    // Every sleep overshoots by 8 ms, as timers do on a busy event loop.
    const clock = fakeClock()
    const late = { now: clock.now, sleep: async (ms: number) => void (clock.t += ms + 8) }
    const limiter = new RateLimiter(25, late)
    const times = await startTimes(limiter, clock, 500)
    expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(25)
    // About 25 per 1010 ms: 500 requests in 20.2 s (each start's lateness recorded as it happened: 22.0 s).
    expect(times.at(-1)!).toBeLessThan(20_300)
  })

  it('serves concurrent callers in order, within the cap', async () => {
    const clock = fakeClock()
    const limiter = new RateLimiter(5, clock)
    const order: number[] = []
    await Promise.all(Array.from({ length: 12 }, (_, i) => limiter.acquire().then(() => order.push(i))))
    expect(order).toEqual([...Array(12).keys()])
    expect(clock.t).toBeGreaterThanOrEqual(2 * 1010)
  })

  it('slows down on a 429, honours Retry-After, then recovers', async () => {
    const clock = fakeClock()
    const limiter = new RateLimiter(20, clock)
    await startTimes(limiter, clock, 5)
    limiter.onRateLimited(3)
    expect(limiter.currentRate).toBe(14)
    const before = clock.t
    await limiter.acquire()
    expect(clock.t - before).toBeGreaterThanOrEqual(3000)
    // Slower right after: 5 requests take at least four intervals at 14 a second.
    const slow = await startTimes(limiter, clock, 5)
    expect(slow.at(-1)! - slow[0]!).toBeGreaterThanOrEqual(4 * (1000 / 20) - 1)
    // After ~7 quiet seconds it is back at full pace.
    clock.t += 7_000
    await limiter.acquire()
    expect(limiter.currentRate).toBe(20)
    expect(limiter.stats.rateLimited).toBe(1)
  })

  it('never falls below a fifth of the ceiling', () => {
    const clock = fakeClock()
    const limiter = new RateLimiter(20, clock)
    for (let i = 0; i < 20; i++) {
      clock.t += 1000
      limiter.onRateLimited()
    }
    expect(limiter.currentRate).toBe(4)
  })

  it('treats a burst of simultaneous 429s as one signal', () => {
    const limiter = new RateLimiter(20, fakeClock())
    limiter.onRateLimited()
    limiter.onRateLimited()
    limiter.onRateLimited()
    expect(limiter.currentRate).toBe(14)
    expect(limiter.stats.rateLimited).toBe(3)
  })
})

describe('Stripe-Rate-Limited-Reason', () => {
  const endpointRate = (limits: RateLimits, endpoint: string) => limits.endpointRate(endpoint)

  it.each([
    ['global-rate', 'global'],
    ['global-concurrency', 'global'],
    ['endpoint-rate', 'endpoint'],
    ['endpoint-concurrency', 'endpoint'],
    [undefined, 'endpoint'],
    ['resource-specific', 'none']
  ] as const)('%p slows the %s limiter', (reason, slowed) => {
    const limits = new RateLimits(20, 80, fakeClock())
    limits.onRateLimited('GET /v1/charges', undefined, reason)
    expect(limits.global.currentRate).toBe(slowed === 'global' ? 56 : 80)
    expect(endpointRate(limits, 'GET /v1/charges')).toBe(slowed === 'endpoint' ? 14 : 20)
    expect(endpointRate(limits, 'GET /v1/refunds')).toBe(20)
    expect(limits.stats.rateLimited).toBe(1)
    expect(limits.reasons.get(reason ?? 'unspecified')).toBe(1)
  })
})
