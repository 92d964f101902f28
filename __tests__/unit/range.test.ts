import { eventsSince } from '../../src/sync/incremental.js'
import { toPage, type ListPage, type Page, PagingLoopError } from '../../src/stripe/pages.js'
import { addSpan, fetchRange, type RangeEstimate, type Span } from '../../src/stripe/range.js'
import { seededRandom } from '../../test-support/fixtures.js'

interface Obj {
  id: string
  created: number
}

/** Stripe's list semantics over an array, in memory: newest first, ties by creation order, `created` window, `starting_after`. */
function fakeStripe(objects: Obj[], latency = () => Promise.resolve()): { list: ListPage<Obj>; calls: number; inFlight: number; maxInFlight: number } {
  const sorted = objects
    .map((o, seq) => ({ o, seq }))
    .sort((a, b) => b.o.created - a.o.created || b.seq - a.seq)
    .map((x) => x.o)
  const state = { calls: 0, inFlight: 0, maxInFlight: 0, list: undefined as unknown as ListPage<Obj> }
  state.list = async (window, limit, after) => {
    state.calls += 1
    state.inFlight += 1
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
    await latency()
    state.inFlight -= 1
    let candidates = sorted.filter((o) => (window.gte === undefined || o.created >= window.gte) && (window.lt === undefined || o.created < window.lt))
    if (after) candidates = candidates.slice(candidates.findIndex((o) => o.id === after.id) + 1)
    const data = candidates.slice(0, limit)
    return toPage({ object: 'list', data, has_more: candidates.length > limit, url: '/v1/x' }, window, after) as Page<Obj>
  }
  return state
}

function account(seed: number, count: number, from: number, to: number, bursts: Array<[number, number]> = []): Obj[] {
  const random = seededRandom(seed)
  const objects: Obj[] = []
  for (let i = 0; i < count; i++) objects.push({ id: `o_${seed}_${i}`, created: from + Math.floor(random() * (to - from)) })
  for (const [second, n] of bursts) for (let i = 0; i < n; i++) objects.push({ id: `b_${second}_${i}`, created: second })
  return objects
}

async function fetchAll(
  objects: Obj[],
  spans: Span[],
  concurrency: number,
  options: { pieceSize?: number; requestsPerSecond?: number; floor?: () => Promise<number | undefined>; firstCuts?: boolean } = {}
) {
  const stripe = fakeStripe(objects, () => new Promise((r) => setImmediate(r)))
  const seen = new Map<string, number>()
  let done: Span[] = []
  const estimates: RangeEstimate[] = []
  await fetchRange({
    list: stripe.list,
    spans,
    concurrency,
    ...options,
    onEstimate: (e) => estimates.push(e),
    onPage: async (page) => {
      for (const o of page.objects) seen.set(o.id, (seen.get(o.id) ?? 0) + 1)
      if (page.done) done = addSpan(done, page.done)
    }
  })
  return { stripe, seen, done, estimates }
}

describe('fetchRange, the account’s start', () => {
  const DAY = 86400
  const now = 2_000_000_000
  // An account eight months old, synced from Stripe's start (2011): its first year of slices is long.
  const young = account(41, 900, now - 240 * DAY, now - 60)
  const spans: Span[] = [[1_293_840_000, now]]

  it('lists nothing before the account was created: the empty years cost no request, and are done', async () => {
    let asked = 0
    const floor = async () => (asked++, now - 250 * DAY)
    const { stripe, seen, done } = await fetchAll(young, spans, 8, { requestsPerSecond: 1000, floor })
    expect(asked).toBe(1)
    expect(seen.size).toBe(young.length)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(done).toEqual(spans)
    const without = await fetchAll(young, spans, 8, { requestsPerSecond: 1000 })
    // The slice before the last cut (a year ago) holds nothing: at least its request is saved.
    expect(stripe.calls).toBeLessThanOrEqual(without.stripe.calls - 1)
  })

  it('starts as one slice without asking the floor when told not to cut (one of many accounts at once): a small account costs one request', async () => {
    const small = account(43, 60, now - 40 * DAY, now - 60)
    let asked = 0
    const floor = async () => (asked++, now - 250 * DAY)
    const one = await fetchAll(small, spans, 2, { requestsPerSecond: 1000, floor, firstCuts: false })
    expect(one.seen.size).toBe(small.length)
    expect(one.done).toEqual(spans)
    expect([one.stripe.calls, asked]).toEqual([1, 0])
    // Cut, the same account costs a request for each first slice, and the floor is asked.
    asked = 0
    const cut = await fetchAll(small, spans, 2, { requestsPerSecond: 1000, floor })
    expect(cut.seen.size).toBe(small.length)
    expect(cut.stripe.calls).toBeGreaterThanOrEqual(4)
    expect(asked).toBe(1)
  })

  it('lists from Stripe’s start when the account’s creation cannot be read', async () => {
    const { seen, done } = await fetchAll(young, spans, 8, { requestsPerSecond: 1000, floor: async () => undefined })
    expect(seen.size).toBe(young.length)
    expect(done).toEqual(spans)
  })

  it('still lists what is older than a year when the account is', async () => {
    const old = account(42, 900, now - 900 * DAY, now - 60)
    const { seen, done } = await fetchAll(old, spans, 8, { requestsPerSecond: 1000, floor: async () => now - 901 * DAY })
    expect(seen.size).toBe(old.length)
    expect(done).toEqual(spans)
  })
})

describe('fetchRange', () => {
  it.each([
    ['sparse history from 2011', 1, 3000, 1_293_840_000, 1_700_000_000, []],
    [
      'one dense month with bursts at round seconds',
      2,
      8000,
      1_700_000_000,
      1_702_592_000,
      [
        [1_701_000_000, 350],
        [1_701_000_001, 120],
        [1_702_000_000, 250]
      ]
    ],
    ['everything in one second', 3, 0, 1_700_000_000, 1_700_000_001, [[1_700_000_000, 777]]]
  ] as Array<[string, number, number, number, number, Array<[number, number]>]>)(
    '%s: every object exactly once, the range covered',
    async (_name, seed, count, from, to, bursts) => {
      const objects = account(seed, count, from, to, bursts)
      const lo = from - 86400
      const hi = to + 86400
      const { stripe, seen, done } = await fetchAll(objects, [[lo, hi]], 8, { pieceSize: 500 })
      expect(seen.size).toBe(objects.length)
      expect([...seen.values()].every((n) => n === 1)).toBe(true)
      expect(done).toEqual([[lo, hi]])
      expect(stripe.maxInFlight).toBeLessThanOrEqual(8)
      // Close to the sequential minimum of requests.
      expect(stripe.calls).toBeLessThan(Math.ceil(objects.length / 100) * 1.4 + 12)
    }
  )

  it('covers several spans and nothing outside them', async () => {
    const objects = account(4, 2000, 1_700_000_000, 1_700_100_000)
    const spans: Span[] = [
      [1_700_000_000, 1_700_020_000],
      [1_700_050_000, 1_700_060_000]
    ]
    const { seen } = await fetchAll(objects, spans, 4)
    const want = objects.filter((o) => spans.some(([a, b]) => o.created >= a && o.created < b))
    expect([...seen.keys()].sort()).toEqual(want.map((o) => o.id).sort())
  })

  it('sizes the slices in flight to the rate limit and the measured latency', async () => {
    const objects = account(5, 5000, 1_700_000_000, 1_700_500_000)
    // The latency each answer really took: on a loaded machine a 40 ms timer fires late, and the
    // fetcher sizes its slices to what it measures, as it should.
    let slowest = 0
    const stripe = fakeStripe(objects, async () => {
      const start = performance.now()
      await new Promise((r) => setTimeout(r, 40))
      slowest = Math.max(slowest, performance.now() - start)
    })
    await fetchRange({ list: stripe.list, spans: [[1_699_000_000, 1_701_000_000]], concurrency: 32, requestsPerSecond: 25, onPage: async () => {} })
    // 25 requests/s × 0.04 s × 1.25 + 1 = 3 (a little more when the first answer was slow): never the 32 allowed.
    expect(stripe.maxInFlight).toBeLessThanOrEqual(Math.max(5, Math.ceil(25 * (slowest / 1000) * 1.25) + 2))
  })

  it('starts a long span with slices a day, a week, a month, a quarter and a year before its end, all at once', async () => {
    const DAY = 86400
    const end = 1_700_000_000
    const objects = account(8, 9000, end - 400 * DAY, end - 60, [[end - 100 * DAY, 250]])
    const stripe = fakeStripe(objects, () => new Promise((r) => setTimeout(r, 20)))
    const windows: Array<[number | undefined, number | undefined]> = []
    const list: ListPage<Obj> = (window, limit, after) => {
      if (!after) windows.push([window.gte, window.lt])
      return stripe.list(window, limit, after)
    }
    const seen = new Map<string, number>()
    let done: Span[] = []
    await fetchRange({
      list,
      spans: [[1_293_840_000, end]],
      concurrency: 32,
      requestsPerSecond: 25,
      onPage: async (page) => {
        for (const o of page.objects) seen.set(o.id, (seen.get(o.id) ?? 0) + 1)
        if (page.done) done = addSpan(done, page.done)
      }
    })
    // Six first requests before any answer: no round trip spent waiting with the rate limit idle.
    expect(windows.slice(0, 6)).toEqual([
      [1_293_840_000, end - 365 * DAY],
      [end - 365 * DAY, end - 90 * DAY],
      [end - 90 * DAY, end - 30 * DAY],
      [end - 30 * DAY, end - 7 * DAY],
      [end - 7 * DAY, end - DAY],
      [end - DAY, end]
    ])
    expect(stripe.maxInFlight).toBeGreaterThanOrEqual(6)
    expect(seen.size).toBe(objects.length)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    expect(done).toEqual([[1_293_840_000, end]])
    expect(stripe.calls).toBeLessThan(Math.ceil(objects.length / 100) * 1.15 + 8)
  })

  it('lists next the slice with the most left, so slices end together instead of one starved slice ending the run alone', async () => {
    // A sparse older span and a dense newer one, one request at a time: the dense one is listed until
    // it has no more left than the sparse one, then they alternate and end within a page of each other.
    const objects = [...account(12, 500, 1_700_000_000, 1_700_001_000), ...account(13, 1500, 1_700_001_000, 1_700_002_000)]
    const stripe = fakeStripe(objects)
    const order: Array<'older' | 'newer'> = []
    const list: ListPage<Obj> = (window, limit, after) => {
      order.push(window.gte! < 1_700_001_000 ? 'older' : 'newer')
      return stripe.list(window, limit, after)
    }
    const seen = new Set<string>()
    await fetchRange({
      list,
      spans: [
        [1_700_000_000, 1_700_001_000],
        [1_700_001_000, 1_700_002_000]
      ],
      concurrency: 1,
      pieceSize: 100_000,
      onPage: async (page) => page.objects.forEach((o) => seen.add(o.id))
    })
    expect(seen.size).toBe(objects.length)
    expect(order.length).toBe(20)
    // Oldest first, the older span would be done by the sixth request and the newer one alone for the last fourteen.
    expect(order.lastIndexOf('older')).toBeGreaterThanOrEqual(order.length - 3)
    expect(order.slice(2, 11).every((s) => s === 'newer')).toBe(true)
  })

  it('cuts a rest into pages, though no worker is idle yet, when paging on through it would end the run alone', async () => {
    // Two spans of 300 listed at once by two workers, 100 ms a request at 25 requests/s. When the
    // second's first page is read, the first's rest is queued and no worker is idle. Paged on, the
    // second's 200 left take two round trips (0.2 s) where the run's 400 left take 0.16 s at the
    // rate: it would end the run alone. Cut, each piece is a page a worker takes when it is free.
    const objects = [...account(21, 300, 1_700_000_000, 1_700_001_000), ...account(22, 300, 1_700_001_000, 1_700_002_000)]
    // Latency in ms, or none (the next turn of the event loop): a loaded machine can only make a
    // timer later, so the case that must page on has no timer at all.
    const run = async (latencyMs?: number) => {
      const stripe = fakeStripe(objects, () => new Promise((r) => (latencyMs === undefined ? setImmediate(r) : setTimeout(r, latencyMs))))
      const requests: Array<{ gte: number; lt: number }> = []
      const list: ListPage<Obj> = (window, limit, after) => {
        requests.push({ gte: window.gte!, lt: window.lt! })
        return stripe.list(window, limit, after)
      }
      const seen = new Map<string, number>()
      await fetchRange({
        list,
        spans: [
          [1_700_000_000, 1_700_001_000],
          [1_700_001_000, 1_700_002_000]
        ],
        concurrency: 2,
        requestsPerSecond: 25,
        onPage: async (page) => page.objects.forEach((o) => seen.set(o.id, (seen.get(o.id) ?? 0) + 1))
      })
      expect(seen.size).toBe(objects.length)
      expect([...seen.values()].every((n) => n === 1)).toBe(true)
      // The windows of the newer span after its first page.
      return new Set(
        requests
          .slice(2)
          .filter((r) => r.gte >= 1_700_001_000)
          .map((r) => `${r.gte}-${r.lt}`)
      ).size
    }
    // 100 ms a round trip: the newer span's rest is listed as pieces side by side.
    expect(await run(100)).toBeGreaterThanOrEqual(2)
    // At once: paging on is quicker than the rate, so it pages on through its own window.
    expect(await run()).toBe(1)
  })

  it('keeps a short span (a scheduled window) as one slice until its first page is measured', async () => {
    const end = 1_700_000_000
    const objects = account(9, 50, end - 86400, end)
    const { stripe } = await fetchAll(objects, [[end - 7 * 86400, end]], 8, { requestsPerSecond: 25 })
    expect(stripe.calls).toBe(1)
  })

  it('says what is known to remain, and when part of the range is not measured yet', async () => {
    const objects = account(6, 6000, 1_700_000_000, 1_700_600_000)
    const { estimates } = await fetchAll(objects, [[1_600_000_000, 1_700_700_000]], 6, { pieceSize: 1000 })
    expect(estimates[0]!.unmeasured).toBe(true)
    expect(estimates.at(-1)).toEqual({ known: 0, unmeasured: false })
    const middle = estimates[Math.floor(estimates.length / 2)]!
    expect(middle.known).toBeGreaterThan(0)
  })

  it('stops with an error when the API repeats a page', async () => {
    const objects = account(7, 300, 1_700_000_000, 1_700_001_000)
    const honest = fakeStripe(objects)
    const looping: ListPage<Obj> = async (window, limit, after) => {
      const page = await honest.list(window, limit, undefined)
      return after ? toPage({ object: 'list', data: page.data, has_more: true, url: '/v1/x' }, window, after) : page
    }
    await expect(fetchRange({ list: looping, spans: [[1_699_000_000, 1_701_000_000]], concurrency: 2, onPage: async () => {} })).rejects.toThrow(
      PagingLoopError
    )
  })
})

describe('a proxy that answers every request with one page', () => {
  it('stops within a handful of requests: a page outside the window asked, or a page seen before, is not an answer', async () => {
    // Old objects with has_more, whatever is asked: every slice of a whole-range backfill would take one request, without end.
    const canned = account(3, 100, 1_600_000_000, 1_600_000_500)
    let calls = 0
    const proxy: ListPage<Obj> = async (window, limit, after) => {
      calls += 1
      return toPage({ object: 'list', data: canned.slice(0, 100), has_more: true, url: '/v1/charges' }, window, after) as Page<Obj>
    }
    await expect(fetchRange({ list: proxy, spans: [[1_650_000_000, 1_760_000_000]], concurrency: 4, onPage: async () => {} })).rejects.toThrow(
      /Stripe returned only objects outside the window asked when asked for the first page created in \[\d+, \d+\).*\(GET \/v1\/charges\)/
    )
    expect(calls).toBeLessThanOrEqual(4)
  })
})

describe('toPage', () => {
  it('drops objects outside the window and keeps the cursor', () => {
    const page = toPage(
      {
        object: 'list',
        url: '/v1/x',
        has_more: true,
        data: [
          { id: 'a', created: 50 },
          { id: 'b', created: 20 },
          { id: 'c', created: 5 }
        ]
      },
      { gte: 10, lt: 40 },
      undefined
    )
    expect(page.data.map((o) => o.id)).toEqual(['b'])
    expect(page.dropped).toBe(2)
    expect(page.last).toEqual({ id: 'c', created: 5 })
    expect(page.hasMore).toBe(true)
  })
})

describe('progress from the data', () => {
  it('never claims much more of the range done than the objects say', async () => {
    const now = 1_700_000_000
    // Sparse for a year, then a dense last week: a clock-based share would say ~98 % with most objects still to come.
    const objects = [...account(8, 2000, now - 365 * 86400, now - 7 * 86400), ...account(9, 6000, now - 7 * 86400, now)]
    const stripe = fakeStripe(objects, () => new Promise((r) => setImmediate(r)))
    let listed = 0
    const claims: Array<{ claimed: number; truth: number; unmeasured: boolean }> = []
    let last: RangeEstimate = { known: 0, unmeasured: true }
    await fetchRange({
      list: stripe.list,
      spans: [[now - 400 * 86400, now + 1]],
      concurrency: 6,
      pieceSize: 1000,
      onEstimate: (e) => (last = e),
      onPage: async (page) => {
        listed += page.objects.length
        claims.push({ claimed: listed / (listed + last.known), truth: listed / objects.length, unmeasured: last.unmeasured })
      }
    })
    for (const c of claims.filter((x) => !x.unmeasured)) expect(c.claimed).toBeLessThanOrEqual(c.truth + 0.15)
    expect(claims.at(-1)!.claimed).toBe(1)
  })
})

describe('where the change stream starts for an object', () => {
  const at = (seconds: number) => new Date(seconds * 1000)
  it('from the last replay, less the settling seconds', () => {
    expect(eventsSince({ lastEventCreated: 1_000_000 - 5, eventsCheckedAt: at(1_000_000) })).toBe(1_000_000 - 5)
  })
  it('not from a quiet object’s old newest event (a state from before the change stream)', () => {
    expect(eventsSince({ lastEventCreated: 1_000_000 - 20 * 86400, eventsCheckedAt: at(1_000_000) })).toBe(1_000_000 - 5)
  })
  it('from the check time when no event was kept, and from the start of time without either', () => {
    expect(eventsSince({ lastEventCreated: null, eventsCheckedAt: at(2_000_000) })).toBe(2_000_000 - 5)
    expect(eventsSince({ lastEventCreated: null, eventsCheckedAt: null })).toBe(0)
  })
})
