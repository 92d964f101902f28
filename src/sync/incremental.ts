import Stripe from 'stripe'
import { isDeleted, type DeletedObject, type StripeObject } from '../objects/spec.js'
import { idsOf } from '../store/sink.js'
import { StripeRequestError } from '../stripe/errors.js'
import { MAX_PAGE_SIZE, pages, retrieveObject, type Window } from '../stripe/pages.js'
import { addSpan, gaps } from '../stripe/range.js'
import { advanceWatermark, type StateKey, type SyncState } from '../store/state.js'
import { STRIPE_EPOCH, isoSeconds, unixSeconds } from '../time.js'
import { account, commit, screen } from './batch.js'
import { applyDeletions, scanDeletions } from './deletions.js'
import type { IncrementalReport, ObjectRun } from './run.js'
import { syncSpans } from './spans.js'
import type { ObjectChanges } from './stream.js'

/** Objects younger than this are left for the next run, so a second is listed only once it is complete. */
export const SETTLE_SECONDS = 5
/**
 * Stripe does not promise an event is listable within seconds of its `created`: each run reads
 * again the events of the last minutes before the previous one (about a page; those it read are
 * skipped by id), so an event listed up to this late is still read by the next run.
 */
export const LATE_EVENT_SECONDS = 300
/** Events are kept 30 days; past 25 days without a replay, the action re-sweeps instead. */
export const EVENT_MAX_AGE_SECONDS = 25 * 86400
/**
 * Card refunds and disputes arrive within about 180 days of a charge, so a change in an uncovered
 * period touched an object created at most this long before it (objects may say otherwise).
 */
export const RESWEEP_LOOKBACK_SECONDS = 180 * 86400
/** A slice is listed whole before it is processed oldest first: this bounds memory. */
export const MAX_SLICE_OBJECTS = 1000

/** A list pass at least this often catches objects created without an event (and balance transactions, which have none). */
export const LIST_PASS_SECONDS = 86400

export interface IncrementalOptions {
  /** The cursor row. */
  key: StateKey
  /** The state loaded before the run (undefined: first run). */
  state: SyncState | undefined
  apiVersion: string
  /** How many objects the forward sweep processes this run (Infinity: all). */
  limit: number
  /** Where a first run starts (Unix seconds); later runs continue from the cursor. */
  createdGte: number | undefined
  /** Upper bound (exclusive) of what is swept. */
  createdLt: number | undefined
  /**
   * What the run's change stream said about this object since its cursor; undefined on a first
   * run, or when the event cursor is too old to replay (then the object is re-swept).
   */
  changes: ObjectChanges | undefined
  /** The state table can remember how far objects were listed (false until an owner upgrades an old one). */
  remembersListing: boolean
  /** The state table can remember the events read in the late-event window (as remembersListing). */
  remembersEvents: boolean
}

/** Saves the state on its own (first run, after a replay, at the end). */
async function saveState<T extends StripeObject>(run: ObjectRun<T>, state: SyncState): Promise<void> {
  await run.sink.write([], { checkpoint: state })
}

/**
 * Events created at or after this second are new to the object. Every event before the last replay
 * (less the settling seconds) was read then; a state from before the change stream kept the newest
 * event of its own types instead, which can be weeks old in a quiet object: reading every type of
 * event since then would cost a busy account thousands of requests for nothing.
 */
export function eventsSince(state: Pick<SyncState, 'lastEventCreated' | 'eventsCheckedAt' | 'recentEventIds'>): number {
  // A state that can remember the events it read reads the late-event window again; `lastEventCreated`
  // bounds it below (a backfill's first run: what it listed is as new as the events before its start).
  const late = state.recentEventIds !== undefined ? LATE_EVENT_SECONDS : 0
  const replayed = state.eventsCheckedAt ? unixSeconds(state.eventsCheckedAt) - SETTLE_SECONDS - late : -Infinity
  const since = Math.max(state.lastEventCreated ?? -Infinity, replayed)
  return Number.isFinite(since) ? since : 0
}

/** From this second on, the events a run reads are the next run's window read again (see LATE_EVENT_SECONDS). */
export function keptEventsFrom(now: Date): number {
  return settledUntil(now) - LATE_EVENT_SECONDS
}

/** Whether the state's events can no longer be replayed (Stripe keeps them 30 days; past 25 the object is re-swept). */
export function eventsTooOld(state: Pick<SyncState, 'eventsCheckedAt'>, nowSeconds: number): boolean {
  const checkedAt = state.eventsCheckedAt ? unixSeconds(state.eventsCheckedAt) : undefined
  return checkedAt === undefined || nowSeconds - checkedAt > EVENT_MAX_AGE_SECONDS
}

/** The second up to which a run reads objects and events: the ones after it may still be arriving. */
export function settledUntil(now: Date): number {
  return unixSeconds(now) - SETTLE_SECONDS
}

/**
 * One incremental run of one object: (1) apply what the run's change stream said (re-fetch the
 * objects it touched, mark deletions), or re-sweep when the event cursor is too old, then (2) sweep
 * forward from the cursor, oldest first, writing each page with its checkpoint in one transaction —
 * only when there may be something to list: the stream named an object not stored yet, the last
 * sweep stopped short, or a daily list pass is due.
 */
export async function syncIncremental<T extends StripeObject>(run: ObjectRun<T>, options: IncrementalOptions): Promise<IncrementalReport> {
  const { spec, log } = run
  const nowSeconds = unixSeconds(run.now)
  const streamUntil = settledUntil(run.now)
  const until = Math.min(streamUntil, options.createdLt ?? Infinity)

  let state = options.state
  const firstRun = state === undefined
  const report: IncrementalReport = { firstRun, from: 0, to: until, cursor: 0, eventsProcessed: 0, refetched: 0, resweep: false, listed: true }

  let listNeeded = true
  let deletions: Pending | undefined
  if (!state) {
    // Changes made while the backfill runs are read from the change stream next run, from here.
    state = {
      ...options.key,
      // Never past the time of the run: a cursor there would claim objects not created yet are stored.
      cursorCreated: Math.min(options.createdGte ?? STRIPE_EPOCH, until),
      cursorIds: [],
      lastEventId: null,
      lastEventCreated: streamUntil,
      eventsCheckedAt: run.now,
      lastRunFinishedAt: null,
      apiVersion: options.apiVersion,
      doneRanges: [],
      listedThrough: options.remembersListing ? null : undefined,
      recentEventIds: options.remembersEvents ? [] : undefined
    }
    // Deletions before now exist only as events. A whole-range backfill lists while they are read;
    // the state is saved only with a checkpoint after they are applied, so a run killed before starts
    // over as a first run. A limited sweep saves its state with each page: it reads them first.
    deletions = new Pending(scanDeletions(run))
    if (options.limit !== Number.POSITIVE_INFINITY) await deletions.done()
    log(`First incremental run: syncing ${spec.plural} created from ${isoSeconds(state.cursorCreated)}, oldest first.`)
  } else {
    if (state.cursorCreated > nowSeconds) repairFutureCursor(run, state, options.createdGte)
    log(`Continuing from the cursor: ${spec.plural} created before ${isoSeconds(state.cursorCreated)} are stored.`)
    const since = eventsSince(state)
    if (options.changes) {
      await applyChanges(run, state, options.changes, report)
      // The stream covered everything after the cursor and named nothing new: there is nothing to list.
      listNeeded = options.changes.unlisted || state.cursorCreated < since || state.doneRanges.length > 0
    } else if (spec.events.length > 0) {
      await resweep(run, state, state.eventsCheckedAt ? unixSeconds(state.eventsCheckedAt) : undefined, report)
    }
    // An object without events of its own (balance transactions) lost nothing with old events but hints: it is listed from its cursor.
    state.eventsCheckedAt = run.now
    if (options.changes && state.recentEventIds !== undefined) {
      // Read from the stream: the next run reads the late-event window again, skipping what this one read.
      state.lastEventCreated = keptEventsFrom(run.now)
      state.recentEventIds = options.changes.recent
    } else {
      state.lastEventCreated = Math.max(streamUntil, state.lastEventCreated ?? 0)
      if (state.recentEventIds !== undefined) state.recentEventIds = []
    }
    await saveState(run, state)
  }

  report.from = state.cursorCreated
  const cursorBefore = state.cursorCreated
  // A state table not upgraded yet cannot remember what a run skipped: then every run lists.
  const remembers = state.listedThrough !== undefined
  const listedThrough = state.listedThrough ?? cursorBefore
  if (state.cursorCreated >= until) {
    report.listed = false
  } else if (listNeeded || !remembers) {
    if (options.limit === Number.POSITIVE_INFINITY) await sweepConcurrently(run, state, until, () => deletions?.succeeded !== false)
    else await sweepForward(run, state, until, options.limit)
    // Listed contiguously from where the last list reached: the listing now reaches the cursor.
    if (remembers) state.listedThrough = listedThrough >= cursorBefore ? state.cursorCreated : listedThrough
  } else {
    report.listed = false
    log(`The change stream shows no new ${spec.plural} since ${isoSeconds(state.cursorCreated)}: not listed.`)
    state.cursorCreated = until
    state.cursorIds = []
    state.listedThrough = listedThrough
  }
  await deletions?.done()
  // Daily: list what the stream vouched for, catching objects created without an event.
  const vouched = state.listedThrough ?? state.cursorCreated
  if (vouched < state.cursorCreated && nowSeconds - vouched > LIST_PASS_SECONDS) {
    log(`Daily list pass: listing ${spec.plural} created from ${isoSeconds(vouched)} (objects created without an event).`)
    await relist(run, { gte: vouched, lt: state.cursorCreated }, () => true, report)
    report.listed = true
    state.listedThrough = state.cursorCreated
  }
  state.lastRunFinishedAt = new Date()
  await saveState(run, state)
  report.cursor = state.cursorCreated
  return report
}

/**
 * A cursor ahead of the time of the run (left by a created-after in the future, before such input
 * was refused) claims objects stored that may not be: it starts over from created-after (or Stripe's
 * start), re-listing what it skipped; stored rows are updated in place, none doubled.
 */
function repairFutureCursor(run: Pick<ObjectRun, 'spec' | 'warn'>, state: SyncState, createdGte: number | undefined): void {
  const from = createdGte ?? STRIPE_EPOCH
  run.warn(
    `The ${run.spec.plural} cursor (${isoSeconds(state.cursorCreated)}) was ahead of the time of the run, as a created-after in the future leaves it; ` +
      `listing again from ${isoSeconds(from)} so nothing created meanwhile is missed.`
  )
  state.cursorCreated = from
  state.cursorIds = []
  state.doneRanges = []
  if (state.listedThrough !== undefined) state.listedThrough = null
}

/**
 * Whether an object is in the table already: behind the cursor, or in a span a killed backfill
 * completed beyond it (the resumed sweep skips those spans, so a change to such an object must be
 * re-fetched, not left to the sweep). Undefined when the event does not say when it was created.
 */
export function isStored(state: Pick<SyncState, 'cursorCreated' | 'cursorIds' | 'doneRanges'>, object: { id: string; created?: number }): boolean | undefined {
  const created = object.created
  if (created === undefined) return undefined
  if (created < state.cursorCreated || (created === state.cursorCreated && state.cursorIds.includes(object.id))) return true
  return state.doneRanges.some(([a, b]) => created >= a && created < b)
}

/** What the change stream said: changed objects re-fetched, deleted ones marked. */
async function applyChanges<T extends StripeObject>(run: ObjectRun<T>, state: SyncState, changes: ObjectChanges, report: IncrementalReport): Promise<void> {
  const { spec } = run
  report.eventsProcessed = changes.events
  if (changes.events > 0 || changes.deleted.size > 0) {
    run.log(
      `Replayed ${changes.events} ${spec.noun} event(s); re-fetching ${changes.refetch.size} changed ${spec.plural}${changes.deleted.size > 0 ? `; ${changes.deleted.size} deleted` : ''}.`
    )
  }
  await refetch(run, [...changes.refetch], (object) => isStored(state, object) === true, report)
  await applyDeletions(run, [...changes.deleted.values()])
}

/**
 * Re-fetches objects one by one and brings their rows up to date; only those `inScope` accepts
 * (behind the cursor: the sweep handles the rest) are written.
 */
export async function refetch<T extends StripeObject>(
  run: ObjectRun<T>,
  ids: readonly string[],
  inScope: (object: T) => boolean,
  report?: { refetched: number }
): Promise<void> {
  const batch: T[] = []
  const flush = async () => {
    const { valid, rejects } = await screen(run, batch)
    const claim = run.claim(valid.filter(run.matches))
    const result = await run.sink.refresh(valid, idsOf(valid.filter(run.matches)), { rejects, claim })
    account(run, valid.filter(run.matches), rejects, result, 'any', true)
    batch.length = 0
  }
  const gone: Array<{ id: string; at: number }> = []
  for (const id of ids) {
    let object: T | DeletedObject
    try {
      object = await retrieveObject(run.stripe, run.spec, id, run.retry)
    } catch (error) {
      // Deleted since its event (a draft invoice): Stripe no longer has it.
      if (run.spec.deletionEvents && isMissing(error)) {
        gone.push({ id, at: unixSeconds(run.now) })
        continue
      }
      throw error
    }
    run.progress.refetched += 1
    if (report) report.refetched += 1
    // A deleted customer is answered as { id, deleted: true }.
    if (isDeleted(object)) {
      if (run.spec.deletionEvents) gone.push({ id, at: unixSeconds(run.now) })
      continue
    }
    if (inScope(object)) batch.push(object)
    if (batch.length >= MAX_PAGE_SIZE) await flush()
  }
  if (batch.length > 0) await flush()
  if (gone.length > 0) await run.sink.markDeleted(gone)
}

function isMissing(error: unknown): boolean {
  const cause = error instanceof StripeRequestError ? error.cause : error
  return cause instanceof Stripe.errors.StripeInvalidRequestError && cause.statusCode === 404
}

/**
 * Events were lost (older than Stripe keeps): re-list instead the objects that could have changed
 * in the uncovered period — those created from the lookback before the last replay up to the cursor.
 */
async function resweep<T extends StripeObject>(run: ObjectRun<T>, state: SyncState, checkedAt: number | undefined, report: IncrementalReport): Promise<void> {
  const { spec } = run
  const lookback = spec.resweepLookbackSeconds ?? RESWEEP_LOOKBACK_SECONDS
  const from = Math.max(STRIPE_EPOCH, (checkedAt ?? STRIPE_EPOCH) - lookback)
  run.warn(
    `The ${spec.noun} change-event cursor is too old (last replay ${checkedAt ? isoSeconds(checkedAt) : 'never'}; Stripe keeps events 30 days): ` +
      `re-sweeping ${spec.plural} created from ${isoSeconds(from)} to ${isoSeconds(state.cursorCreated)} to pick up their changes ` +
      'instead. Run at least every 25 days to avoid this.'
  )
  report.resweep = true
  await relist(run, { gte: from, lt: state.cursorCreated + 1 }, (o) => isStored(state, o) !== false, report)
}

/** Lists a window again and brings the stored rows up to date (adding those the filter keeps). */
async function relist<T extends StripeObject>(run: ObjectRun<T>, window: Window, include: (object: T) => boolean, report: IncrementalReport): Promise<void> {
  for await (const page of pages(run.list, window, () => MAX_PAGE_SIZE)) {
    const { valid, rejects } = await screen(run, page.data.filter(include))
    report.refetched += page.data.length
    const matched = valid.filter(run.matches)
    const result = await run.sink.refresh(valid, idsOf(matched), { rejects, claim: run.claim(matched) })
    account(run, matched, rejects, result, 'any', true)
  }
}

/**
 * Work started now and awaited later, whose success can be asked meanwhile (`succeeded`): its failure
 * surfaces where it is awaited, not as an unhandled rejection.
 */
class Pending {
  /** It ended without an error. */
  succeeded = false
  private readonly result: Promise<void>

  constructor(work: Promise<unknown>) {
    this.result = work.then(() => {
      this.succeeded = true
    })
    this.result.catch(() => {})
  }

  done(): Promise<void> {
    return this.result
  }
}

/**
 * Everything from the cursor to `until` (`limit: all`, such as a first backfill): concurrent time
 * slices, skipping spans a killed run already completed. Each batch commits the spans it completed;
 * the cursor moves up to the first span not yet done.
 * `mayCheckpoint`: whether a batch may save the state yet (its spans are kept for the next one that may).
 */
async function sweepConcurrently<T extends StripeObject>(run: ObjectRun<T>, state: SyncState, until: number, mayCheckpoint: () => boolean): Promise<void> {
  const start = state.cursorCreated
  const known = new Set(state.cursorIds)
  const spans = gaps(start, until, state.doneRanges)
  if (state.doneRanges.length > 0) run.log(`Resuming a backfill of ${run.spec.plural}: ${state.doneRanges.length} span(s) after the cursor are already stored.`)
  await syncSpans(run, {
    spans,
    skip: (o) => o.created === start && known.has(o.id),
    checkpoint: (done) => {
      for (const span of done) state.doneRanges = addSpan(state.doneRanges, span)
      advanceWatermark(state)
      return mayCheckpoint() ? state : undefined
    }
  })
  if (state.cursorCreated < until) {
    state.cursorCreated = until
    state.cursorIds = []
  }
  state.doneRanges = []
}

/**
 * Oldest first from the cursor to `until`, in time slices small enough to list whole (Stripe lists
 * newest first). Each page of processed objects is written with the cursor it reaches, in one
 * transaction: a run killed anywhere resumes exactly there.
 */
async function sweepForward<T extends StripeObject>(run: ObjectRun<T>, state: SyncState, until: number, limit: number): Promise<void> {
  const { spec, log } = run
  const progress = run.progress
  let remaining = limit
  let width = Math.max(1, until - state.cursorCreated)
  while (state.cursorCreated < until && remaining > 0) {
    const a = state.cursorCreated
    const b = Math.min(until, a + width)
    const first = await run.list({ gte: a, lt: b }, MAX_PAGE_SIZE, undefined)
    if (first.hasMore && b - a > 1 && first.last && first.data.length > 0) {
      const span = Math.max(1, first.data[0]!.created - first.last.created)
      const estimate = (MAX_PAGE_SIZE * (b - a)) / span
      if (estimate > MAX_SLICE_OBJECTS) {
        width = Math.max(1, Math.floor(((b - a) * (MAX_SLICE_OBJECTS / 2)) / estimate))
        continue
      }
    }
    const slice = [...first.data]
    let dropped = first.dropped
    let page = first
    while (page.hasMore) {
      page = await run.list({ gte: a, lt: b }, MAX_PAGE_SIZE, page.last)
      slice.push(...page.data)
      dropped += page.dropped
    }
    progress.dropped += dropped
    slice.reverse()
    const known = new Set(state.cursorIds)
    const pending = slice.filter((o) => !(o.created === a && known.has(o.id)))
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
      for (const object of chunk) {
        // A malformed `created` cannot move the cursor; the object is quarantined with the chunk.
        if (typeof object.created === 'number' && object.created > state.cursorCreated && object.created < b) {
          state.cursorCreated = object.created
          state.cursorIds = []
        }
        state.cursorIds.push(String(object.id))
      }
      const last = i + chunk.length >= pending.length
      if (last && complete) {
        state.cursorCreated = b
        state.cursorIds = []
      }
      advanceWatermark(state)
      const { valid, rejects } = await screen(run, chunk)
      await commit(run, { scanned: chunk.length, pages: 1, dropped: 0, matched: valid.filter(run.matches), rejects }, 'oldest-first', state)
      remaining -= chunk.length
      const newestCreated = chunk.at(-1)!.created
      log(
        `Synced ${progress.scanned} ${spec.plural}${typeof newestCreated === 'number' ? `, up to ${isoSeconds(newestCreated)}` : ''}: matched ${progress.matched}, ` +
          `stored ${progress.stored} new and ${progress.updated} updated so far`
      )
    }
    if (!complete) return
    if (pending.length === 0) {
      state.cursorCreated = b
      state.cursorIds = []
      advanceWatermark(state)
      await saveState(run, state)
    }
    // Sparse slice: widen the next one.
    if (slice.length < MAX_SLICE_OBJECTS / 4) width *= slice.length === 0 ? 4 : 2
  }
}
