import { MAX_PAGE_SIZE, type ListPage, type PageCursor } from './pages.js'

/**
 * Slices shared with idle workers hold at least this many objects (three pages): fewer, and partial
 * pages cost more than parallelism gains — except at the very end, when the rate limit has room to
 * spare and a page each is worth it (TAIL_PIECE_SIZE).
 */
const MIN_PIECE_SIZE = 300
/**
 * Objects a shared piece is sized to hold per page: a little under a page, so a piece meant to be one
 * page is one request (a piece of 1.3 pages costs two, the second mostly empty).
 */
const PAGE_FILL = 90
const TAIL_PIECE_SIZE = PAGE_FILL

/**
 * A long span's first requests: slices ending this many seconds before its end (a day, a week, a
 * month, a quarter, a year), all listed at once. Waiting for one answer before cutting costs a
 * whole round trip with the rate limit idle; each slice's first page then measures its own density.
 */
const FIRST_CUTS = [1, 7, 30, 90, 365].map((days) => days * 86400)
/** Spans shorter than this start as one slice (a scheduled run's window): the cuts would be partial pages. */
const CUT_SPANS_OVER = 30 * 86400

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
  /** Objects expected in it, from the density measured where it was cut; undefined when not measured yet. */
  estimate?: number
  /** The years at the start of a long span: first ask when the account began (`floor`), and list only from then. */
  fromFloor?: boolean
}

/** What is known to remain of a range fetch. */
export interface RangeEstimate {
  /** Objects expected in the slices whose density is known. */
  known: number
  /** Some slice has not been listed yet, so its content is unknown (the oldest part of a first backfill). */
  unmeasured: boolean
}

export interface RangeFetchOptions<T> {
  /** One list request. */
  list: ListPage<T>
  /** The spans to fetch completely, in any order. */
  spans: readonly Span[]
  /** Requests in flight at most (the shared rate limiter sets the pace). */
  concurrency: number
  /**
   * The endpoint's rate limit, requests per second. With it, the slices in flight are sized from the
   * first answer's latency — as many as keep the limit busy, no more: every extra slice costs a
   * partly filled last page.
   */
  requestsPerSecond?: number
  /** Receives each page; may wait (backpressure). Not called after a failure. */
  onPage: (page: RangePage<T>) => Promise<void>
  /** A dense span is split into pieces of about this many objects. */
  pieceSize?: number
  /** Told what remains after each page. */
  onEstimate?: (estimate: RangeEstimate) => void
  /**
   * The earliest second an object can have been created (the account's), asked once when a span
   * reaches back more than a year; undefined when it cannot be known. Before it nothing is listed: a
   * young account's years before its creation would cost a request that finds nothing.
   */
  floor?: () => Promise<number | undefined>
  /**
   * Whether a long span starts as slices cut at FIRST_CUTS (default) or as one slice. A run of many
   * accounts at once has its parallelism from the accounts: cut, each small account's span costs
   * five requests that find little or nothing, and its floor a sixth.
   */
  firstCuts?: boolean
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
  const paced = options.requestsPerSecond !== undefined && options.concurrency > 1
  const queue: Job[] = options.spans
    .filter(([a, b]) => b > a)
    .flatMap(([gte, lt]) => (paced && options.firstCuts !== false ? firstSlices(gte, lt, options.floor !== undefined) : [{ gte, lt }]))
  let active = 0
  let workers = options.concurrency
  let sized = options.requestsPerSecond === undefined
  /** Seconds the first answer took (paced fetches only). */
  let latency: number | undefined
  const running = new Set<Job>()
  const estimate = (): RangeEstimate => {
    let known = 0
    let unmeasured = false
    for (const job of [...queue, ...running]) {
      if (job.estimate === undefined) unmeasured = true
      else known += job.estimate
    }
    return { known: Math.round(known), unmeasured }
  }

  /** When the account was created, once asked: any slice, or part of one, before it holds nothing. */
  let floorAt: number | undefined
  const runJob = async (job: Job): Promise<void> => {
    if (job.fromFloor) floorAt = await options.floor!()
    if (floorAt !== undefined && job.gte < floorAt) {
      // Nothing was created before the account: that stretch is done without a request.
      const from = Math.min(job.lt, floorAt)
      await deliver({ objects: [], done: [job.gte, from], dropped: 0 })
      if (from < job.lt) queue.push({ ...job, gte: from, fromFloor: false })
      return
    }
    if (job.fromFloor) {
      queue.push({ ...job, fromFloor: false })
      return
    }
    const started = performance.now()
    const page = await list({ gte: job.gte, lt: job.lt }, MAX_PAGE_SIZE, job.startingAfter)
    if (!sized) {
      // Little's law: requests in flight = rate × latency, and one for jitter. More slices than that
      // only wait in the limiter — and each slice ends in a partly filled page, so on an account whose
      // density jumps from burst to silence (where pieces are cut by guesses) every extra one costs a
      // request: a quarter more made 313 requests for 300 pages of a bursty account, this 308.
      sized = true
      latency = (performance.now() - started) / 1000
      workers = Math.max(2, Math.min(options.concurrency, Math.ceil(options.requestsPerSecond! * latency) + 1))
    }
    const objects = page.data
    const last = page.last
    // Listed: what it still holds is carried by the follow-ups queued below.
    job.estimate = 0
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
    const idle = workers - active - queue.length
    // The end of the run: everything left is measured and would not keep the workers busy.
    const left = estimate()
    const tail = !left.unmeasured && left.known + remaining < workers * MIN_PIECE_SIZE
    const minPiece = tail ? TAIL_PIECE_SIZE : MIN_PIECE_SIZE
    // Paged on, this slice's rest takes a round trip a page; the whole run's rest takes its pages
    // over the rate. When the first is longer, the slice would end the run alone, the rate limit
    // idle: cut its rest into pages now, though no worker is idle yet (a bursty account's slices,
    // whose density is a guess, ended runs with one or two stalls of 200-300 ms).
    const endsAlone =
      latency !== undefined &&
      workers > 1 &&
      tail &&
      remaining > MAX_PAGE_SIZE &&
      (remaining / MAX_PAGE_SIZE) * latency > (left.known + remaining) / MAX_PAGE_SIZE / options.requestsPerSecond!
    if (remaining >= 2 * pieceSize) {
      // Dense: below `s`, cut pieces from the top down, one per idle worker (and one for this one),
      // of about `pieceSize` at the density seen. The rest, however long, stays one slice: its next
      // page is a full page of data that cuts more pieces when workers are free — or, where the data
      // stops (the years before an account's first charge), one request that finds nothing.
      const width = Math.max(1, Math.floor(pieceSize / density))
      const pieces = Math.max(1, Math.min(workers, idle + 1))
      let top = s
      for (let i = 0; i < pieces && top > job.gte; i++) {
        const bottom = Math.max(job.gte, top - width)
        const estimate = density * (top - bottom)
        // The top piece also finishes second `s`, after the page's last object.
        queue.push(i === 0 ? { gte: bottom, lt: s + 1, startingAfter: cursor, estimate } : { gte: bottom, lt: top, estimate })
        top = bottom
      }
      if (top > job.gte) queue.push({ gte: job.gte, lt: top })
    } else if (((idle > 0 && remaining >= 2 * minPiece) || endsAlone) && s - job.gte >= 2) {
      // Workers would sit idle (the start, or the tail of a run): share this slice's rest with them.
      // Whole pages per piece, as few as keep every worker busy; or a page each, when it would end
      // the run alone.
      const share = endsAlone ? Math.max(idle + 1, Math.ceil(remaining / PAGE_FILL)) : idle + 1
      // endsAlone is at the tail, so minPiece is a page's worth then.
      const perPiece = Math.max(minPiece, PAGE_FILL * Math.ceil(remaining / (PAGE_FILL * share)))
      const pieces = Math.min(share, Math.ceil(remaining / perPiece), s - job.gte)
      const width = (s - job.gte) / pieces
      for (let i = 0; i < pieces; i++) {
        const gte = job.gte + Math.round(i * width)
        const top = i === pieces - 1
        // The top piece also finishes second `s`, after the page's last object.
        const lt = top ? s + 1 : job.gte + Math.round((i + 1) * width)
        const estimate = density * (Math.min(lt, s) - gte)
        if (lt > gte) queue.push(top ? { gte, lt, startingAfter: cursor, estimate } : { gte, lt, estimate })
      }
    } else {
      // Not worth splitting: page on through the same slice.
      queue.push({ gte: job.gte, lt: job.lt, startingAfter: cursor, seen, estimate: remaining })
    }
    await deliver({ objects, done: s + 1 < job.lt ? [s + 1, job.lt] : undefined, dropped: page.dropped })
  }

  let failure: unknown
  const deliver = async (page: RangePage<T>) => {
    if (failure !== undefined) return
    options.onEstimate?.(estimate())
    await onPage(page)
  }

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (failure === undefined && active < workers && queue.length > 0) {
        // The slice with the most left to list first (unmeasured ones before all): slices then shrink
        // together and end together. Oldest first starved the newest slices until the end, where
        // their rest was cut into pieces each ending in a partial page (315 requests for 305 pages
        // of 30,000 charges; 312 this way). A checkpoint records any completed span, in any order.
        let next = 0
        for (let i = 1; i < queue.length; i++) if (listFirst(queue[i]!, queue[next]!)) next = i
        const job = queue.splice(next, 1)[0]!
        active += 1
        running.add(job)
        runJob(job)
          .catch((error: unknown) => {
            if (failure === undefined) failure = error
          })
          .finally(() => {
            running.delete(job)
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

/** Whether `a` should be listed before `b`: more left to list (unmeasured counts as most), then older. */
function listFirst(a: Job, b: Job): boolean {
  const left = (job: Job) => job.estimate ?? Infinity
  return left(a) > left(b) || (left(a) === left(b) && a.gte < b.gte)
}

/**
 * A span cut at FIRST_CUTS before its end when it is long; else the span itself. The part older than
 * the last cut waits for the account's start (`floor`) when one can be asked.
 */
function firstSlices(gte: number, lt: number, floor: boolean): Job[] {
  if (lt - gte <= CUT_SPANS_OVER) return [{ gte, lt }]
  const jobs: Job[] = []
  let top = lt
  for (const cut of FIRST_CUTS) {
    const bottom = lt - cut
    if (bottom <= gte) break
    jobs.push({ gte: bottom, lt: top })
    top = bottom
  }
  jobs.push({ gte, lt: top, fromFloor: floor && top === lt - FIRST_CUTS.at(-1)! })
  return jobs
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
