import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * A long backfill allocates a lot of short-lived JSON (Stripe pages, batches for Postgres). V8
 * collects it lazily and lets the heap — and the runner's memory — grow far past what is live. An
 * action cannot pass flags to node, so it asks V8 for a full collection itself every so often
 * (a few milliseconds each), which keeps peak memory flat and low. Best effort: if the runtime
 * refuses, the run goes on without it.
 */
let gc: (() => void) | undefined | null

export function compactHeap(): void {
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
  } catch {
    // No collection on demand here: memory is merely less flat.
    gc = null
  }
}
