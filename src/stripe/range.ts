import { MAX_PAGE_SIZE, type ListPage, type PageCursor } from './pages.js'

/** Slices shared with idle workers hold at least this many objects (three pages): fewer, and partial pages cost more than parallelism gains. */
const MIN_PIECE_SIZE = 300

/** A half-open range of `created` seconds: [from, to). */
export type Span = readonly [number, number]

/** A page of objects, and the seconds it completed (every object created in them has been fetched). */
export interface RangePage<T> {
  objects: T[]
  done: Span | undefined
  /** Objects returned outside the requested window, dropped. */
  dropped: number
}

interface Job {
  gte: number
  lt: number
  /** Continues the listing after this object. */
  startingAfter?: PageCursor
  /** Objects already listed by this slice, for its density (a burst in one page must not look like the norm). */
  seen?: number
}

export interface RangeFetchOptions<T> {
  /** One list request. */
  list: ListPage<T>
  /** The spans to fetch completely, in any order. */
  spans: readonly Span[]
  /** Requests in flight at once (the shared rate limiter sets the pace). */
  concurrency: number
  /** Receives each page; may wait (backpressure). Not called after a failure. */
  onPage: (page: RangePage<T>) => Promise<void>
  /** A dense span is split into pieces of about this many objects. */
  pieceSize?: number
}

/**
 * Fetches every object created in the given spans, several time slices at once. Each slice is
 * paginated with its own cursor. When a slice's first page shows it is dense, the part not yet
 * listed is split into pieces sized by the observed density; the second where the page stopped is
 * finished separately with `starting_after`, so objects sharing a second with a slice boundary are
 * neither lost nor fetched twice.
 */
export async function fetchRange<T>(options: RangeFetchOptions<T>): Promise<void> {
  const { list, onPage } = options
  const pieceSize = options.pieceSize ?? 2000
  const maxSplit = Math.max(2, options.concurrency * 2)
  const queue: Job[] = options.spans.filter(([a, b]) => b > a).map(([gte, lt]) => ({ gte, lt }))
  let active = 0

  const runJob = async (job: Job): Promise<void> => {
    const page = await list({ gte: job.gte, lt: job.lt }, MAX_PAGE_SIZE, job.startingAfter)
    const objects = page.data
    const last = page.last
    if (!page.hasMore || !last) {
      await deliver({ objects, done: [job.gte, job.lt], dropped: page.dropped })
      return
    }
    // Where the page stopped, kept inside the slice whatever the object claims.
    const s = Math.min(job.lt - 1, Math.max(job.gte, last.created))
    const cursor = { id: last.id, created: s }
    const seen = (job.seen ?? 0) + objects.length + page.dropped
    const density = seen / Math.max(1, job.lt - s)
    const remaining = density * (s - job.gte)
    // Workers with nothing to do once this job's follow-ups are queued.
    const idle = options.concurrency - active - queue.length
    if (remaining >= 2 * pieceSize) {
      // Dense: below `s`, cut pieces from the top down, one per worker of about `pieceSize` at
      // the density seen, then each twice as wide: where the data goes on, a wide piece splits itself on
      // its first page at no extra cost; where it stops (the years before an account's first
      // charge), a few wide pieces find that out in one request each. What is left below stays one
      // slice.
      queue.push({ gte: s, lt: s + 1, startingAfter: cursor })
      let width = Math.max(1, Math.floor(pieceSize / density))
      let top = s
      for (let i = 0; i < maxSplit && top > job.gte; i++) {
        const bottom = Math.max(job.gte, top - width)
        queue.push({ gte: bottom, lt: top })
        top = bottom
        if (i >= options.concurrency - 1) width *= 2
      }
      if (top > job.gte) queue.push({ gte: job.gte, lt: top })
    } else if (idle > 0 && remaining >= 2 * MIN_PIECE_SIZE && s - job.gte >= 2) {
      // Workers would sit idle (the start, or the tail of a run): share this slice's rest with them.
      queue.push({ gte: s, lt: s + 1, startingAfter: cursor })
      const pieces = Math.min(idle + 1, Math.floor(remaining / MIN_PIECE_SIZE), s - job.gte)
      const width = (s - job.gte) / pieces
      for (let i = 0; i < pieces; i++) {
        const gte = job.gte + Math.round(i * width)
        const lt = i === pieces - 1 ? s : job.gte + Math.round((i + 1) * width)
        if (lt > gte) queue.push({ gte, lt })
      }
    } else {
      // Not worth splitting: page on through the same slice.
      queue.push({ gte: job.gte, lt: job.lt, startingAfter: cursor, seen })
    }
    await deliver({ objects, done: s + 1 < job.lt ? [s + 1, job.lt] : undefined, dropped: page.dropped })
  }

  let failure: unknown
  const deliver = async (page: RangePage<T>) => {
    if (failure !== undefined) return
    await onPage(page)
  }

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (failure === undefined && active < options.concurrency && queue.length > 0) {
        // Oldest first: completed spans then join up from the start, which is what a checkpoint can record.
        let next = 0
        for (let i = 1; i < queue.length; i++) if (queue[i]!.gte < queue[next]!.gte) next = i
        const job = queue.splice(next, 1)[0]!
        active += 1
        runJob(job)
          .catch((error: unknown) => {
            if (failure === undefined) failure = error
          })
          .finally(() => {
            active -= 1
            pump()
            if (active === 0 && (queue.length === 0 || failure !== undefined)) resolve()
          })
      }
      if (active === 0 && (queue.length === 0 || failure !== undefined)) resolve()
    }
    pump()
  })
  if (failure !== undefined) throw failure
}

/** Merges a span into a sorted list of disjoint spans. */
export function addSpan(spans: readonly Span[], span: Span): Array<[number, number]> {
  const all = [...spans, span].sort((x, y) => x[0] - y[0])
  const merged: [number, number][] = []
  for (const [a, b] of all) {
    const top = merged.at(-1)
    if (top && a <= top[1]) top[1] = Math.max(top[1], b)
    else merged.push([a, b])
  }
  return merged
}

/** The parts of [from, to) not covered by `done`. */
export function gaps(from: number, to: number, done: readonly Span[]): Span[] {
  const result: Span[] = []
  let at = from
  for (const [a, b] of [...done].sort((x, y) => x[0] - y[0])) {
    if (b <= at) continue
    if (a >= to) break
    if (a > at) result.push([at, Math.min(a, to)])
    at = Math.max(at, b)
  }
  if (at < to) result.push([at, to])
  return result
}
