import type Stripe from 'stripe'
import type { Config } from '../config.js'
import { specOf } from '../objects/registry.js'
import type { ObjectSpec, StripeObject } from '../objects/spec.js'
import type { ObjectName } from '../objects/registry.js'
import type { Session } from '../session.js'
import { stateKey } from '../session.js'
import { STRIPE_API_VERSION } from '../api-version.js'
import type { RateLimits } from '../stripe/limiter.js'
import { pageLister } from '../stripe/pages.js'
import type { RetryOptions } from '../stripe/retry.js'
import { eventsSince, eventsTooOld, isStored, keptEventsFrom, settledUntil, syncIncremental } from './incremental.js'
import { emptyChanges, readChanges, type ObjectChanges, type StreamReader } from './stream.js'
import { isoSeconds, unixSeconds } from '../time.js'
import { syncNewest } from './newest.js'
import { linkPayouts } from './payout-links.js'
import { PassingObserver, type ObjectRun, type SyncObserver } from './run.js'
import { accountCreated, readOnce, type AccountRead } from '../stripe/accounts.js'
import { StripeRequestError, isMissingPermission } from '../stripe/errors.js'
import { scanDeletions } from './deletions.js'
import { refreshStale, retryQuarantined } from './upkeep.js'

export interface SyncContext {
  config: Config
  stripe: Stripe
  session: Session
  /** What the report and features learn as objects are synced. */
  observer: SyncObserver
  limits: RateLimits
  retry: RetryOptions
  /** Requests in flight per object for whole-range runs. */
  concurrency: number
  /** False when many accounts sync at once: each account's first backfill starts as one slice. */
  firstCuts?: boolean
  now: Date
  log: (message: string) => void
  warn: (message: string) => void
  /** Text that may quote customer data, as the log may show it (customer-details), cut to `maxChars`. */
  redact: (text: string, maxChars: number) => string
  /** When the account was created (asked once, by the first backfill that needs it). */
  accountCreated?: () => Promise<number | undefined>
  /** GET /v1/account of the account synced, shared with the rest of the run; else asked here. */
  readAccount?: AccountRead
}

/**
 * The cursor filter of an object: for one the `status` input filters (charges), the sorted status
 * list ("failed,succeeded" and "succeeded,failed" share a cursor), else all.
 */
export function filterKey(config: Pick<Config, 'statuses'>, name: ObjectName): string {
  const spec: ObjectSpec<StripeObject, ObjectName> = specOf(name)
  const values = spec.filter?.values
  if (!values || values.every((v) => config.statuses.has(v))) return 'all'
  return values
    .filter((v) => config.statuses.has(v))
    .sort()
    .join(',')
}

export function filterKeys(config: Config): Map<ObjectName, string> {
  return new Map(config.objects.map((name) => [name, filterKey(config, name)]))
}

function objectRun<T extends StripeObject>(ctx: SyncContext, spec: ObjectSpec<T, ObjectName>): ObjectRun<T> {
  const { config, observer } = ctx
  const statuses: ReadonlySet<string> = config.statuses
  const filter = spec.filter
  return {
    spec,
    stripe: ctx.stripe,
    list: pageLister(ctx.stripe, spec, ctx.retry),
    accountCreated: ctx.accountCreated ?? (async () => undefined),
    sink: ctx.session.sink(spec),
    dryRun: config.dryRun,
    matches: filter ? (o) => statuses.has(filter.of(o)) : () => true,
    filtered: filter !== undefined && !filter.values.every((v) => statuses.has(v)),
    progress: observer.of(spec.name),
    observe: (batch) => observer.observe({ ...batch, name: spec.name }),
    claim: (objects) => observer.claim(spec.name, objects),
    log: ctx.log,
    warn: ctx.warn,
    redact: ctx.redact,
    retry: ctx.retry,
    concurrency: ctx.concurrency,
    firstCuts: ctx.firstCuts ?? true,
    limits: ctx.limits,
    now: ctx.now
  }
}

/** One object, start to end: its sync (incremental or not), then the upkeep of its table. */
async function syncOne<T extends StripeObject>(ctx: SyncContext, spec: ObjectSpec<T, ObjectName>, stream: StreamResult | undefined): Promise<void> {
  const { config, session } = ctx
  const run = objectRun(ctx, spec)
  if (config.incremental) {
    // Without the stream, an object with events of its own cannot be kept current; one without lists as it always could.
    if (stream instanceof Error && spec.events.length > 0) throw stream
    const changes = stream instanceof Error ? { ...emptyChanges(), unlisted: true } : stream
    const result = await syncIncremental(run, {
      key: stateKey(config, spec.name, filterKey(config, spec.name)),
      state: session.states.get(spec.name),
      apiVersion: STRIPE_API_VERSION,
      limit: config.limit,
      createdGte: config.createdGte,
      createdLt: config.createdLt,
      changes,
      remembersListing: session.stateColumns.has('listed_through'),
      remembersEvents: session.stateColumns.has('recent_event_ids')
    })
    ctx.observer.reported({ kind: 'incremental', name: spec.name, report: result })
  } else {
    await syncNewest(run, config.limit, { gte: config.createdGte, lt: config.createdLt })
    // Without a replay of events, deletions are learnt from their events here.
    await scanDeletions(run)
  }
  const table = session.table(spec)
  if (table) {
    await refreshStale(run, table)
    // Each account retries its own quarantined objects (the quarantine records whose each is).
    await retryQuarantined(run, table, session.db!.startedAt)
  }
}

/**
 * One read of the change stream for every object that has a state whose events can still be
 * replayed (first runs and too-old cursors list instead). A first run reads it too, from now: it
 * costs one request and a key that cannot read events fails on the first run, not the second.
 */
function streamReaders(ctx: SyncContext): StreamReader[] {
  const readers: StreamReader[] = []
  for (const name of ctx.config.objects) {
    const state = ctx.session.states.get(name)
    if (!state || eventsTooOld(state, unixSeconds(ctx.now))) continue
    readers.push({ name, spec: specOf(name), since: eventsSince(state), seen: new Set(state.recentEventIds), stored: (object) => isStored(state, object) })
  }
  return readers
}

async function readStream(ctx: SyncContext, readers: readonly StreamReader[]): Promise<Map<ObjectName, StreamResult>> {
  const now = settledUntil(ctx.now)
  let changes: Map<ObjectName, ObjectChanges>
  try {
    changes = await readChanges(ctx.stripe, readers, { from: Math.min(now, ...readers.map((r) => r.since)), keepFrom: keptEventsFrom(ctx.now) }, ctx.retry)
  } catch (error) {
    // Each object that needs the stream fails with this error; the others go on.
    const failed = error instanceof Error ? error : new Error(String(error))
    return new Map(ctx.config.objects.map((name) => [name, failed]))
  }
  const events = [...changes.values()].reduce((n, c) => n + c.events, 0)
  if (readers.length > 0)
    ctx.log(`Change stream: ${events} event(s) for ${readers.map((r) => r.name).join(', ')} since ${isoSeconds(Math.min(...readers.map((r) => r.since)))}.`)
  return changes
}

/** What the stream said about an object, or why it could not be read. */
type StreamResult = ObjectChanges | Error

/**
 * Every selected object at once, each on its own connection, all through the shared rate limits:
 * a multi-object backfill takes about as long as its largest object. A failing object does not stop
 * the others; its error is kept for the end. Payouts are reconciled once payouts and balance
 * transactions are done.
 */
export async function syncObjects(ctx: SyncContext): Promise<void> {
  const { config, session } = ctx
  const observer = config.objectsAll ? new AllObjectsGuard(ctx.observer, ctx.warn) : ctx.observer
  let created: Promise<number | undefined> | undefined
  // Asked once, by the first backfill of more than a year; the objects of a younger account are all newer.
  ctx = {
    ...ctx,
    accountCreated: () =>
      (created ??= accountCreated(ctx.readAccount ?? readOnce(ctx.stripe, ctx.retry), (error) =>
        ctx.log(
          `Could not read when the account was created (GET /v1/account: ${error instanceof Error ? error.message : String(error)}): listing from Stripe's start.`
        )
      ))
  }
  const readers = config.incremental ? streamReaders(ctx) : []
  // With no object to replay events for (every one's first run), the read is only a check that the key
  // may read events: it runs beside the listing instead of a round trip before it. Not for one of
  // several accounts: there it is also the one request that finds an account that revoked access.
  const check = config.incremental && readers.length === 0 && !ctx.session.accountScoped ? readStream(ctx, readers) : undefined
  const changes = config.incremental && !check ? await readStream(ctx, readers) : new Map<ObjectName, StreamResult>()
  const settled = new Map<ObjectName, Promise<boolean>>()
  for (const name of config.objects) {
    settled.set(
      name,
      syncOne<StripeObject>({ ...ctx, observer }, specOf(name), changes.get(name)).then(
        () => true,
        (error: unknown) => {
          observer.failed(name, error)
          return false
        }
      )
    )
  }
  const tasks: Array<Promise<unknown>> = [...settled.values()]
  const payouts = specOf('payouts')
  const transactions = specOf('balance_transactions')
  const payoutsTable = session.table(payouts)
  const transactionsTable = session.table(transactions)
  if (config.objects.includes('payouts') && payoutsTable && transactionsTable) {
    tasks.push(
      (async () => {
        // Once payouts are stored: their links share the balance transactions' endpoint and connection with that sync.
        if (!(await settled.get('payouts')!)) return
        try {
          const report = await linkPayouts({ run: objectRun(ctx, payouts), sink: payoutsTable }, { run: objectRun(ctx, transactions), sink: transactionsTable })
          observer.reported({ kind: 'payouts linked', report })
        } catch (error) {
          observer.failed('payouts', error)
        }
      })()
    )
  }
  await Promise.all(tasks)
  // The key could not read events: each object that needs them fails, as a replay would have (what was stored is kept).
  for (const [name, result] of (await check) ?? []) {
    if (result instanceof Error && specOf(name).events.length > 0 && (await settled.get(name))) observer.failed(name, result)
  }
}

/**
 * With `objects: all`, an object the restricted key may not read is skipped with a warning: `all`
 * grows with new versions, and a key made for the objects of an older one must not start failing.
 */
class AllObjectsGuard extends PassingObserver {
  constructor(
    observer: SyncObserver,
    private readonly warn: (message: string) => void
  ) {
    super(observer)
  }

  override failed(name: ObjectName, error: unknown): void {
    const spec: ObjectSpec<StripeObject, ObjectName> = specOf(name)
    // Only the object's own permission: a key that cannot read events fails every object, as before.
    const own = error instanceof StripeRequestError && error.permission === spec.permission
    if (!own || !isMissingPermission(error)) return this.observer.failed(name, error)
    this.observer.reported({ kind: 'unreadable', name, permission: spec.permission })
    this.warn(
      `Skipped ${spec.plural}: the restricted key lacks the permission "${spec.permission}". \`objects: all\` takes every object the action ` +
        'supports; grant it in the Stripe Dashboard (Developers → API keys), or list the objects you want in `objects`.'
    )
  }
}
