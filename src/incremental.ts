import type Stripe from 'stripe'
import { isoSeconds, type ChargeStatus } from './config.js'
import { MAX_PAGE_SIZE, chargePages, listChargesPage } from './stripe/charges.js'
import { EventCursorExpiredError, chargeEventsAfter, chargeOfEvent, newestChargeEvent, retrieveCharge } from './stripe/events.js'
import { DEFAULT_RETRY, type RetryOptions } from './stripe/retry.js'
import type { PostgresSink } from './store/sink.js'
import { STRIPE_EPOCH, recordPage, syncSpans, type SyncProgress } from './sync.js'
import { addSpan, gaps } from './stripe/range.js'
import { advanceWatermark, type SyncState } from './store/state.js'
import type { RateLimiter } from './stripe/limiter.js'

/** Charges younger than this are left for the next run, so a second is listed only once it is complete. */
export const SETTLE_SECONDS = 5
/** Events are kept 30 days; past 25 days without a replay, the action re-sweeps instead. */
export const EVENT_MAX_AGE_SECONDS = 25 * 86400
/**
 * Card refunds and disputes arrive within about 180 days of a charge, so a change in an uncovered
 * period touched a charge created at most this long before it.
 */
export const RESWEEP_LOOKBACK_SECONDS = 180 * 86400
/** A slice is listed whole before it is processed oldest first: this bounds memory. */
export const MAX_SLICE_CHARGES = 1000

export interface IncrementalReport {
  firstRun: boolean
  /** The `created` range this run swept: [from, to). */
  from: number
  to: number
  /** Every charge created before this second is stored. */
  cursor: number
  eventsProcessed: number
  chargesRefetched: number
  resweep: boolean
}

export interface IncrementalOptions {
  stripe: Stripe
  sink: PostgresSink
  statuses: ReadonlySet<ChargeStatus>
  /** Identifies the cursor row: (account, table, status filter). */
  key: Pick<SyncState, 'account' | 'tableName' | 'statusFilter'>
  apiVersion: string
  /** How many charges the forward sweep processes this run (Infinity: all). */
  limit: number
  /** Where a first run starts (Unix seconds); later runs continue from the cursor. */
  createdGte: number | undefined
  /** Upper bound (exclusive) of what is swept. */
  createdLt: number | undefined
  now: Date
  log: (message: string) => void
  warn: (message: string) => void
  retry?: RetryOptions
  /** Requests in flight for a whole-range sweep (`limit: all`). */
  concurrency?: number
  limiter?: RateLimiter
}

/**
 * One incremental run: (1) replay the charge events since the last run and re-fetch the charges they
 * touched (or re-sweep when the event cursor is too old), then (2) sweep forward from the cursor,
 * oldest first, writing each page with its checkpoint in one transaction.
 */
export async function syncIncremental(options: IncrementalOptions, progress: SyncProgress): Promise<IncrementalReport> {
  const { stripe, sink, now, log } = options
  const retry = options.retry ?? DEFAULT_RETRY
  const nowSeconds = Math.floor(now.getTime() / 1000)
  const until = Math.min(nowSeconds - SETTLE_SECONDS, options.createdLt ?? Infinity)

  let state = await sink.loadState(options.key)
  const firstRun = state === undefined
  const report: IncrementalReport = { firstRun, from: 0, to: until, cursor: 0, eventsProcessed: 0, chargesRefetched: 0, resweep: false }

  if (!state) {
    // Changes made while the backfill runs are replayed next run, from the newest event now.
    const newest = await newestChargeEvent(stripe, retry)
    state = {
      ...options.key,
      cursorCreated: options.createdGte ?? STRIPE_EPOCH,
      cursorIds: [],
      lastEventId: newest?.id ?? null,
      lastEventCreated: newest?.created ?? null,
      eventsCheckedAt: now,
      lastRunFinishedAt: null,
      apiVersion: options.apiVersion,
      doneRanges: []
    }
    await sink.saveState(state)
    log(`First incremental run: syncing charges created from ${isoSeconds(state.cursorCreated)}, oldest first.`)
  } else {
    log(`Continuing from the cursor: charges created before ${isoSeconds(state.cursorCreated)} are stored.`)
    const checkedAt = state.eventsCheckedAt ? Math.floor(state.eventsCheckedAt.getTime() / 1000) : undefined
    let stale = checkedAt === undefined || nowSeconds - checkedAt > EVENT_MAX_AGE_SECONDS
    if (!stale) {
      try {
        await replayEvents(options, state, progress, report, retry)
      } catch (error) {
        if (!(error instanceof EventCursorExpiredError)) throw error
        stale = true
      }
    }
    if (stale) await resweep(options, state, checkedAt, progress, report, retry)
    state.eventsCheckedAt = now
    await sink.saveState(state)
  }

  report.from = state.cursorCreated
  if (options.limit === Number.POSITIVE_INFINITY && options.concurrency !== undefined) {
    await sweepConcurrently(options, state, until, progress)
  } else {
    await sweepForward(options, state, until, progress, retry)
  }
  state.lastRunFinishedAt = new Date()
  await sink.saveState(state)
  report.cursor = state.cursorCreated
  return report
}

function isStored(state: SyncState, charge: { id: string; created?: number }): boolean | undefined {
  if (charge.created === undefined) return undefined
  return charge.created < state.cursorCreated || (charge.created === state.cursorCreated && state.cursorIds.includes(charge.id))
}

async function replayEvents(options: IncrementalOptions, state: SyncState, progress: SyncProgress, report: IncrementalReport, retry: RetryOptions): Promise<void> {
  const { stripe, sink } = options
  const affected = new Set<string>()
  let newest: Stripe.Event | undefined
  const cursor = { eventId: state.lastEventId, sinceCreated: state.lastEventCreated ?? Math.floor((state.eventsCheckedAt?.getTime() ?? 0) / 1000) }
  for await (const page of chargeEventsAfter(stripe, cursor, retry)) {
    // Walking forward from an event id, each page is newer than the last; otherwise the first page is newest.
    if (cursor.eventId || !newest) newest = page[0]
    report.eventsProcessed += page.length
    for (const event of page) {
      const charge = chargeOfEvent(event)
      // A charge the forward sweep has not reached yet is listed by it, current, later this run.
      if (charge && isStored(state, charge) !== false) affected.add(charge.id)
    }
  }
  options.log(`Replayed ${report.eventsProcessed} charge event(s); re-fetching ${affected.size} changed charge(s).`)
  const batch: Stripe.Charge[] = []
  const flush = async () => {
    const counts = await sink.refresh(batch, options.statuses)
    progress.stored += counts.inserted
    progress.updated += counts.updated
    batch.length = 0
  }
  for (const id of affected) {
    const charge = await retrieveCharge(stripe, id, retry)
    report.chargesRefetched += 1
    // Only charges behind the cursor: the sweep handles the rest.
    if (isStored(state, charge)) batch.push(charge)
    if (batch.length >= MAX_PAGE_SIZE) await flush()
  }
  if (batch.length > 0) await flush()
  if (newest) {
    state.lastEventId = newest.id
    state.lastEventCreated = newest.created
  }
}

/**
 * Events were lost (older than Stripe keeps): re-list instead the charges that could have changed in
 * the uncovered period — those created from RESWEEP_LOOKBACK before the last replay up to the cursor.
 */
async function resweep(
  options: IncrementalOptions,
  state: SyncState,
  checkedAt: number | undefined,
  progress: SyncProgress,
  report: IncrementalReport,
  retry: RetryOptions
): Promise<void> {
  const from = Math.max(STRIPE_EPOCH, (checkedAt ?? STRIPE_EPOCH) - RESWEEP_LOOKBACK_SECONDS)
  options.warn(
    `The change-event cursor is too old (last replay ${checkedAt ? isoSeconds(checkedAt) : 'never'}; Stripe keeps events 30 days): ` +
      `re-sweeping charges created from ${isoSeconds(from)} to ${isoSeconds(state.cursorCreated)} to pick up refunds, disputes ` +
      'and status changes instead. Run at least every 25 days to avoid this.'
  )
  report.resweep = true
  const newest = await newestChargeEvent(options.stripe, retry)
  for await (const page of chargePages(options.stripe, { window: { gte: from, lt: state.cursorCreated + 1 }, pageSize: () => MAX_PAGE_SIZE, retry })) {
    const covered = page.filter((c) => isStored(state, c))
    report.chargesRefetched += page.length
    const counts = await options.sink.refresh(covered, options.statuses)
    progress.stored += counts.inserted
    progress.updated += counts.updated
  }
  state.lastEventId = newest?.id ?? null
  state.lastEventCreated = newest?.created ?? null
}

/**
 * Everything from the cursor to `until` (`limit: all`, such as a first backfill): concurrent time
 * slices, skipping spans a killed run already completed. Each batch commits the spans it completed;
 * the cursor moves up to the first span not yet done.
 */
async function sweepConcurrently(options: IncrementalOptions, state: SyncState, until: number, progress: SyncProgress): Promise<void> {
  const start = state.cursorCreated
  const known = new Set(state.cursorIds)
  const spans = gaps(start, until, state.doneRanges)
  if (state.doneRanges.length > 0) options.log(`Resuming a backfill: ${state.doneRanges.length} span(s) after the cursor are already stored.`)
  await syncSpans(
    {
      stripe: options.stripe,
      sink: options.sink,
      statuses: options.statuses,
      spans,
      concurrency: options.concurrency!,
      log: options.log,
      retry: options.retry,
      limiter: options.limiter,
      skip: (c) => c.created === start && known.has(c.id),
      checkpoint: (done) => {
        for (const span of done) state.doneRanges = addSpan(state.doneRanges, span)
        advanceWatermark(state)
        return state
      }
    },
    progress
  )
  if (state.cursorCreated < until) {
    state.cursorCreated = until
    state.cursorIds = []
  }
  state.doneRanges = []
}

/**
 * Oldest first from the cursor to `until`, in time slices small enough to list whole (Stripe lists
 * newest first). Each page of processed charges is written with the cursor it reaches, in one
 * transaction: a run killed anywhere resumes exactly there.
 */
async function sweepForward(options: IncrementalOptions, state: SyncState, until: number, progress: SyncProgress, retry: RetryOptions): Promise<void> {
  const { stripe, sink, statuses, log } = options
  let remaining = options.limit
  let width = Math.max(1, until - state.cursorCreated)
  while (state.cursorCreated < until && remaining > 0) {
    const a = state.cursorCreated
    const b = Math.min(until, a + width)
    const first = await listChargesPage(stripe, { gte: a, lt: b }, MAX_PAGE_SIZE, undefined, retry)
    const oldest = first.data.at(-1)
    if (first.has_more && b - a > 1 && oldest) {
      const span = Math.max(1, first.data[0]!.created - oldest.created)
      const estimate = (MAX_PAGE_SIZE * (b - a)) / span
      if (estimate > MAX_SLICE_CHARGES) {
        width = Math.max(1, Math.floor(((b - a) * (MAX_SLICE_CHARGES / 2)) / estimate))
        continue
      }
    }
    const slice = [...first.data]
    let page = first
    while (page.has_more && slice.length > 0) {
      page = await listChargesPage(stripe, { gte: a, lt: b }, MAX_PAGE_SIZE, slice.at(-1)!.id, retry)
      slice.push(...page.data)
    }
    slice.reverse()
    const known = new Set(state.cursorIds)
    const pending = slice.filter((c) => !(c.created === a && known.has(c.id)))
    let complete = true
    for (let i = 0; i < pending.length; i += MAX_PAGE_SIZE) {
      if (remaining <= 0) {
        complete = false
        break
      }
      let chunk = pending.slice(i, i + MAX_PAGE_SIZE)
      if (chunk.length > remaining) {
        chunk = chunk.slice(0, remaining)
        complete = false
      }
      for (const charge of chunk) {
        if (charge.created > state.cursorCreated) {
          state.cursorCreated = charge.created
          state.cursorIds = []
        }
        state.cursorIds.push(charge.id)
      }
      const last = i + chunk.length >= pending.length
      if (last && complete) {
        state.cursorCreated = b
        state.cursorIds = []
      }
      advanceWatermark(state)
      const matched = chunk.filter((c) => statuses.has(c.status as ChargeStatus))
      const counts = await sink.write(matched, state)
      remaining -= chunk.length
      recordPage(progress, chunk.length, matched, counts, 'oldest-first')
      log(
        `Synced ${progress.scanned} charge(s), up to ${isoSeconds(chunk.at(-1)!.created)}: matched ${progress.matched}, ` +
          `stored ${progress.stored} new and ${progress.updated} updated so far`
      )
    }
    if (!complete) return
    if (pending.length === 0) {
      state.cursorCreated = b
      state.cursorIds = []
      advanceWatermark(state)
      await sink.saveState(state)
    }
    // Sparse slice: widen the next one.
    if (slice.length < MAX_SLICE_CHARGES / 4) width *= slice.length === 0 ? 4 : 2
  }
}
