import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * A long backfill allocates a lot of short-lived JSON (Stripe pages, batches for Postgres). V8
 * collects it lazily and lets the heap — and the runner's memory — grow far past what is live. An
 * action cannot pass flags to node, so it asks V8 for a full collection itself when the heap has
 * grown past a budget, which keeps peak memory flat and low. Best effort: if the runtime refuses,
 * the run goes on without it.
 */

/**
 * Used heap past which a backfill asks for a full collection: 40 MB, or 16 MB over what the last
 * collection left live when that is more. A backfill's live data is about 17 MB, so it collects at
 * 40 MB: collecting every 2,000 rows instead (a pause of 10–25 ms every 0.8 s, each making the rate
 * limiter's timers fire late) cost 30,000 charges 2.9 s of CPU and peaked at 121 MB; at 48 MB,
 * 1,000,000 charges peaked at 149 MB; at 40 MB, 141 MB. Measured from what is live too, so a host
 * that holds more (a test runner: 70 MB) is not collected in full after every batch — 55 ms each,
 * a third of its CPU. (24 MB over what is live, with no floor, collected a third less often and
 * peaked 8 MB higher at 1,000,000.)
 */
const HEAP_BUDGET_BYTES = 40 * 2 ** 20
const HEAP_GROWTH_BYTES = 16 * 2 ** 20

/** What the last collection left live. */
let live = 0

let gc: (() => void) | undefined | null

export function compactHeap(): void {
  // A collection costs 10–25 ms of a busy event loop (timers then fire late, and the rate limiter's
  // pace with them): only when the heap has grown past its budget. What is above the live data is
  // garbage the collection frees.
  if (v8.getHeapStatistics().used_heap_size < Math.max(HEAP_BUDGET_BYTES, live + HEAP_GROWTH_BYTES)) return
  collect()
}

/** The used heap now: a mark to measure a stage's growth from (`settleHeap`). */
export function heapMark(): number {
  return v8.getHeapStatistics().used_heap_size
}

/**
 * Once the sync is done, its pages and batches are garbage: one full collection then, when the heap
 * grew 8 MB or more since `mark` (taken before the sync), so what comes next (the features' reads
 * and queries, and the first use of the time zone data) does not stack on top of them at the run's
 * peak. Measured from the mark, not from what is live: a host that holds more (a test runner) and a
 * small sync are not collected in full at every run.
 */
export function settleHeap(mark: number): void {
  if (v8.getHeapStatistics().used_heap_size > mark + HEAP_GROWTH_BYTES / 2) collect()
}

function collect(): void {
  if (gc === null) return
  try {
    if (!gc) {
      v8.setFlagsFromString('--expose-gc')
      const exposed = vm.runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined
      if (!exposed) {
        gc = null
        return
      }
      gc = exposed
    }
    gc()
    live = v8.getHeapStatistics().used_heap_size
  } catch {
    // No collection on demand here: memory is merely less flat.
    gc = null
  }
}
