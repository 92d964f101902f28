import { progressLine } from '../../src/sync/spans.js'
import { addSpan, gaps } from '../../src/stripe/range.js'
import { advanceWatermark, type SyncState } from '../../src/store/state.js'
import { BatchWriter } from '../../src/sync/writer.js'

describe('spans', () => {
  it('merges touching and overlapping spans', () => {
    let spans = addSpan([], [10, 20])
    spans = addSpan(spans, [30, 40])
    spans = addSpan(spans, [20, 25])
    expect(spans).toEqual([
      [10, 25],
      [30, 40]
    ])
    expect(addSpan(spans, [24, 31])).toEqual([[10, 40]])
  })

  it('finds what is left to fetch', () => {
    expect(gaps(0, 100, [])).toEqual([[0, 100]])
    expect(
      gaps(0, 100, [
        [10, 20],
        [50, 60]
      ])
    ).toEqual([
      [0, 10],
      [20, 50],
      [60, 100]
    ])
    expect(gaps(0, 100, [[0, 100]])).toEqual([])
    expect(
      gaps(15, 55, [
        [10, 20],
        [50, 60]
      ])
    ).toEqual([[20, 50]])
  })

  it('moves the cursor over done spans that join it', () => {
    const state = {
      cursorCreated: 100,
      cursorIds: ['ch_a'],
      doneRanges: [
        [150, 200],
        [100, 120],
        [90, 95]
      ]
    } as unknown as SyncState
    advanceWatermark(state)
    expect(state.cursorCreated).toBe(120)
    expect(state.cursorIds).toEqual([])
    expect(state.doneRanges).toEqual([[150, 200]])
  })
})

describe('BatchWriter', () => {
  const item = (size: number) => ({ size })

  it('batches by rows and applies backpressure: never more than the queue limit waiting', async () => {
    const batches: number[] = []
    let release: () => void = () => {}
    let maxQueued = 0
    const writer: BatchWriter<{ size: number }> = new BatchWriter(
      async (items) => {
        batches.push(items.reduce((n, i) => n + i.size, 0))
        await new Promise<void>((resolve) => (release = resolve))
      },
      { maxQueuedPages: 3, batchRows: 250 }
    )
    const pushes = (async () => {
      for (let i = 0; i < 20; i++) {
        await writer.push(item(100))
        maxQueued = Math.max(maxQueued, writer.queued)
      }
    })()
    for (let i = 0; i < 30 && batches.reduce((a, b) => a + b, 0) < 2000; i++) {
      await new Promise((r) => setTimeout(r, 1))
      release()
    }
    await pushes
    const closing = writer.close()
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1))
      release()
    }
    await closing
    expect(maxQueued).toBeLessThanOrEqual(3)
    expect(batches.reduce((a, b) => a + b, 0)).toBe(2000)
    expect(Math.max(...batches)).toBeLessThanOrEqual(300)
  })

  it('waits a moment for a full batch instead of writing each page as it comes, and never past the end', async () => {
    const batches: number[] = []
    const writer = new BatchWriter<{ size: number }>(
      async (items) => {
        batches.push(items.length)
      },
      { maxQueuedPages: 10, batchRows: 500, lingerMs: 200 }
    )
    // A page every 10 ms, as a fetcher paced at Stripe's rate hands them over.
    for (let i = 0; i < 12; i++) {
      await writer.push(item(100))
      await new Promise((r) => setTimeout(r, 10))
    }
    const started = performance.now()
    await writer.close()
    // Pages gathered five at a time (500 rows); the last two written at close, without waiting out the linger.
    expect(batches).toEqual([5, 5, 2])
    expect(performance.now() - started).toBeLessThan(150)
  })

  it('surfaces a write failure to pushers and to close()', async () => {
    const writer = new BatchWriter<{ size: number }>(
      async () => {
        throw new Error('disk full')
      },
      { maxQueuedPages: 2, batchRows: 1 }
    )
    await writer.push(item(1))
    await new Promise((r) => setTimeout(r, 5))
    await expect(writer.push(item(1))).rejects.toThrow('disk full')
    await expect(writer.close()).rejects.toThrow('disk full')
  })
})

describe('isStored', () => {
  it('counts what a killed backfill completed beyond the cursor as stored, so its changes are re-fetched', async () => {
    const { isStored } = await import('../../src/sync/incremental.js')
    const state = { cursorCreated: 100, cursorIds: ['ch_at100'], doneRanges: [[150, 200]] as Array<[number, number]> }
    expect(isStored(state, { id: 'ch_a', created: 99 })).toBe(true)
    expect(isStored(state, { id: 'ch_at100', created: 100 })).toBe(true)
    expect(isStored(state, { id: 'ch_other', created: 100 })).toBe(false)
    expect(isStored(state, { id: 'ch_b', created: 120 })).toBe(false)
    expect(isStored(state, { id: 'ch_c', created: 150 })).toBe(true)
    expect(isStored(state, { id: 'ch_d', created: 200 })).toBe(false)
    expect(isStored(state, { id: 'ch_e' })).toBeUndefined()
  })
})

describe('progress line', () => {
  const run = (scanned: number, pages: number, requests: number) =>
    ({
      spec: { plural: 'charges' },
      progress: { scanned, pages, stored: scanned, updated: 0 },
      limits: { stats: { requests, rateLimited: 0 } }
    }) as unknown as Parameters<typeof progressLine>[0]

  it('shows no rate for a few requests over a few milliseconds (20 objects are not 503.5 requests/s)', () => {
    const line = progressLine(run(20, 1, 1), 2, { known: 0, unmeasured: false })
    expect(line).not.toMatch(/requests\/s|\/s,|ETA/)
    expect(line).toContain('20 listed')
  })

  it('shows the rate and ETA once they mean something', () => {
    const line = progressLine(run(5000, 50, 50), 5000, { known: 5000, unmeasured: false })
    expect(line).toContain('1000/s, 10.0 requests/s, 0 refused (429)')
    expect(line).toContain('ETA 5 s')
  })
})
