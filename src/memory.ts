import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * A long backfill allocates a lot of short-lived JSON (Stripe pages, batches for Postgres). V8
 * collects it lazily and lets the heap — and the runner's memory — grow far past what is live. An
 * action cannot pass flags to node, so it asks V8 for a full collection itself every so often
 * (a few milliseconds each), which keeps peak memory flat and low.
 */
let gc: (() => void) | undefined

export function compactHeap(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc')
    gc = vm.runInNewContext('gc') as () => void
  }
  gc()
}
