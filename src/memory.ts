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
 * Growth of the used heap, over what the last collection left live, past which a backfill asks for
 * a full collection. A backfill's live data is about 16 MB, so this collects at about 40 MB, as a
 * fixed budget of 40 MB did: collecting every 2,000 rows instead (a pause of 10–25 ms every 0.8 s,
 * each making the rate limiter's timers fire late) cost 30,000 charges 2.9 s of CPU and peaked at
 * 121 MB; at 48 MB, 1,000,000 charges peaked at 149 MB; at 40 MB, 141 MB with no slower backfill.
 * Measured from what is live rather than from zero, so a host process that holds more (a test
 * runner: 70 MB) is not collected in full after every batch — 55 ms each, a third of its CPU.
 */
const HEAP_GROWTH_BYTES = 24 * 2 ** 20
const BACKFILL_LIVE_BYTES = 16 * 2 ** 20

/** What the last collection left live. */
let live = BACKFILL_LIVE_BYTES

let gc: (() => void) | undefined | null

export function compactHeap(): void {
  if (gc === null) return
  // A collection costs 10–25 ms of a busy event loop (timers then fire late, and the rate limiter's
  // pace with them): only when the heap has grown past its budget. What is above the live data is
  // garbage the collection frees.
  if (v8.getHeapStatistics().used_heap_size < live + HEAP_GROWTH_BYTES) return
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
    live = Math.max(BACKFILL_LIVE_BYTES, v8.getHeapStatistics().used_heap_size)
  } catch {
    // No collection on demand here: memory is merely less flat.
    gc = null
  }
}
