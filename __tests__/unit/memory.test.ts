import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks'
import { compactHeap } from '../../src/memory.js'

// A backfill asks V8 for a full collection when its heap has grown well past what is live. A host
// that holds more (this test runner holds tens of MB) must not be collected in full at every batch.

const megabytes = (n: number) => Array.from({ length: n }, () => new Array<number>(2 ** 17).fill(Math.random()))
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

it('collects in full only when the heap has grown well past what the last collection left, however much the host holds', async () => {
  const majors: PerformanceEntry[] = []
  const observer = new PerformanceObserver((list) =>
    majors.push(
      ...list.getEntries().filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    )
  )
  observer.observe({ entryTypes: ['gc'] })
  const host = megabytes(60)
  compactHeap()
  await settle()
  const first = majors.length
  // Nothing grew: five batches, no full collection (each batch was one, 55 ms, when the budget was a
  // fixed 40 MB). V8 may still collect once on its own while the test waits.
  for (let i = 0; i < 5; i++) compactHeap()
  await settle()
  expect(majors.length - first).toBeLessThanOrEqual(1)
  const second = majors.length
  // 30 MB more held: the next batch collects; the one after, with nothing grown since, does not.
  const more = megabytes(30)
  compactHeap()
  compactHeap()
  await settle()
  observer.disconnect()
  expect(majors.length - second).toBeGreaterThanOrEqual(1)
  expect(majors.length - second).toBeLessThanOrEqual(2)
  expect(host.length + more.length).toBe(90)
})
