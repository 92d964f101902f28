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
 * Used heap past which a backfill asks for a full collection. Collecting every 2,000 rows instead (a
 * pause of 10–25 ms every 0.8 s, each making the rate limiter's timers fire late) cost 30,000 charges
 * 2.9 s of CPU and peaked at 121 MB; at 48 MB, 1,000,000 charges peaked at 149 MB; at 40 MB, 141 MB
 * with no slower backfill (bursty 30,000 from process start: 91.2 % of the ceiling).
 */
export const HEAP_BUDGET_BYTES = 40 * 2 ** 20

let gc: (() => void) | undefined | null

export function compactHeap(): void {
  if (gc === null) return
  // A collection costs 10–25 ms of a busy event loop (timers then fire late, and the rate limiter's
  // pace with them): only when the heap has grown past its budget. A backfill's live data is about
  // 16 MB; what is above it is garbage the collection frees.
  if (v8.getHeapStatistics().used_heap_size < HEAP_BUDGET_BYTES) return
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
  } catch {
    // No collection on demand here: memory is merely less flat.
    gc = null
  }
}
