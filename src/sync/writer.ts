/**
 * A bounded queue in front of one writer: fetchers `push` pages and wait when it is full
 * (backpressure), the writer takes several pages at a time and writes them as one batch. Memory
 * stays flat however many charges pass through.
 */
export interface WriterOptions {
  /** Pages held at most before `push` waits. */
  maxQueuedPages: number
  /** The writer takes pages until it has at least this many rows (or the queue is empty). */
  batchRows: number
  /**
   * How long the writer waits for a fuller batch when fewer than `batchRows` rows are queued. A
   * writer that keeps up would otherwise write each page as it comes, one transaction per page, and
   * the per-transaction work (planning, savepoints, the checkpoint) then costs more than the rows.
   */
  lingerMs?: number
}

export class BatchWriter<T extends { size: number }> {
  private readonly queue: T[] = []
  private waitingForSpace: Array<() => void> = []
  private waitingForItems: (() => void) | undefined
  private closed = false
  private failure: unknown
  private readonly loop: Promise<void>

  constructor(
    private readonly writeBatch: (items: T[]) => Promise<void>,
    private readonly options: WriterOptions
  ) {
    this.loop = this.run()
  }

  /** Queues an item; waits while the queue is full. Rejects once the writer has failed. */
  async push(item: T): Promise<void> {
    while (this.queue.length >= this.options.maxQueuedPages && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waitingForSpace.push(resolve))
    }
    if (this.failure !== undefined) throw this.failure
    this.queue.push(item)
    this.waitingForItems?.()
  }

  /** Writes what is queued, then stops; rethrows the writer's failure. */
  async close(): Promise<void> {
    this.closed = true
    this.waitingForItems?.()
    await this.loop
    if (this.failure !== undefined) throw this.failure
  }

  get queued(): number {
    return this.queue.length
  }

  private async run(): Promise<void> {
    for (;;) {
      while (this.queue.length === 0 && !this.closed) {
        await new Promise<void>((resolve) => (this.waitingForItems = resolve))
        this.waitingForItems = undefined
      }
      if (this.queue.length === 0) return
      await this.linger()
      const batch: T[] = []
      let rows = 0
      while (this.queue.length > 0 && rows < this.options.batchRows) {
        const item = this.queue.shift()!
        batch.push(item)
        rows += item.size
      }
      this.release()
      try {
        await this.writeBatch(batch)
      } catch (error) {
        this.failure = error
        this.queue.length = 0
        this.release()
        return
      }
    }
  }

  /** Waits up to `lingerMs` for a full batch (or a full queue, or the end). */
  private async linger(): Promise<void> {
    const until = performance.now() + (this.options.lingerMs ?? 0)
    for (;;) {
      let rows = 0
      for (const item of this.queue) rows += item.size
      const left = until - performance.now()
      if (this.closed || rows >= this.options.batchRows || this.queue.length >= this.options.maxQueuedPages || left <= 0) return
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waitingForItems = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.waitingForItems = undefined
    }
  }

  private release(): void {
    const waiting = this.waitingForSpace
    this.waitingForSpace = []
    for (const resolve of waiting) resolve()
  }
}
