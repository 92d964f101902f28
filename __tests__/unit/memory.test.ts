import { execFileSync } from 'node:child_process'
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks'
import { compactHeap, heapMark, settleHeap } from '../../src/memory.js'
import { REPO_ROOT } from '../../test-support/run-dist.js'

// A backfill asks V8 for a full collection when its heap has grown well past what is live. A host
// that holds more (this test runner holds tens of MB) must not be collected in full at every batch.

const megabytes = (n: number) => Array.from({ length: n }, () => new Array<number>(2 ** 17).fill(Math.random()))
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

/** Full collections seen while `work` runs (and 50 ms after). */
async function majorsDuring(work: () => void): Promise<number> {
  let majors = 0
  const observer = new PerformanceObserver((list) => {
    majors += list
      .getEntries()
      .filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length
  })
  observer.observe({ entryTypes: ['gc'] })
  work()
  await settle()
  observer.disconnect()
  return majors
}

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

it('settles the heap after a sync that grew it 8 MB or more, and not after a small one, however much the host holds', async () => {
  compactHeap()
  await settle()
  // A small sync: 2 MB held and dropped since the mark. No full collection (V8 may run one of its own while the test waits).
  let mark = heapMark()
  let pages: unknown = megabytes(2)
  expect(await majorsDuring(() => settleHeap(mark))).toBeLessThanOrEqual(1)
  // A big one: 20 MB of pages, garbage now.
  mark = heapMark()
  pages = megabytes(20)
  pages = undefined
  expect(await majorsDuring(() => settleHeap(mark))).toBeGreaterThanOrEqual(1)
  expect(pages).toBeUndefined()
})

it("keeps V8's young generation at its starting size, and compiles without TurboFan, in a process that imports v8-flags first", () => {
  // A child Node, as the bundle runs: the module first, then a sync's worth of short-lived pages and a hot function.
  const script = `
    await import('./src/v8-flags.ts')
    const v8 = await import('node:v8')
    const kept = []
    for (let i = 0; i < 2000; i++) {
      kept.push(JSON.parse(JSON.stringify(Array.from({ length: 100 }, (_, j) => ({ id: 'ch_' + i + '_' + j, note: 'x'.repeat(40) })))))
      if (kept.length > 20) kept.shift()
    }
    function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s }
    for (let i = 0; i < 3000; i++) hot(10000)
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
    console.log(JSON.stringify({ youngMB: young.space_size / 2 ** 20, turbofan: eval('%ActiveTierIsTurbofan(hot)') }))`
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' }
  })
  const { youngMB, turbofan } = JSON.parse(out.trim().split('\n').at(-1)!) as { youngMB: number; turbofan: boolean }
  // Node 20 and 24 start at 1 MB a semi-space (2 MB in all; tsx's own loading may double it once
  // before the module runs), grow to 16 (32 MB) when let, and optimize a function this hot.
  expect(youngMB).toBeLessThanOrEqual(4)
  expect(turbofan).toBe(false)
})
