import type Stripe from 'stripe'
import type { ObjectSpec, StripeObject } from '../objects/spec.js'
import type { ObjectName } from '../objects/registry.js'
import type { ListPage } from '../stripe/pages.js'
import type { RateLimits } from '../stripe/limiter.js'
import type { RetryOptions } from '../stripe/retry.js'
import type { ObjectSink } from '../store/sink.js'

/** How objects reach the report: Stripe's order, the incremental sweep's, or concurrent slices'. */
export type ArrivalOrder = 'newest-first' | 'oldest-first' | 'any'

/** What one object's sync did, counted as it goes (a failed run still knows what it committed). */
export interface ObjectProgress {
  name: ObjectName
  pages: number
  /** Objects Stripe returned. */
  scanned: number
  /** Objects that passed the filter and were stored (or, in a dry run, would be). */
  matched: number
  stored: number
  updated: number
  /** Objects quarantined (malformed, or refused by Postgres). */
  rejected: number
  /** Objects re-fetched one by one (changed by events, stale, retried from quarantine). */
  refetched: number
  /** Objects returned outside the requested window, dropped. */
  dropped: number
}

export function emptyProgress(name: ObjectName): ObjectProgress {
  return { name, pages: 0, scanned: 0, matched: 0, stored: 0, updated: 0, rejected: 0, refetched: 0, dropped: 0 }
}

export interface IncrementalReport {
  firstRun: boolean
  /** The `created` range this run swept: [from, to). */
  from: number
  to: number
  /** Every object created before this second is stored. */
  cursor: number
  eventsProcessed: number
  refetched: number
  resweep: boolean
  /** Whether the object was listed this run (false: the change stream showed nothing new). */
  listed: boolean
}

export interface LinkReport {
  /** Payouts reconciled this run (their balance transactions listed and linked), oldest first. */
  reconciled: string[]
  /** Payouts Stripe answered 404 for when listing their balance transactions: left for the next run. */
  unlisted: string[]
  /** Balance transactions linked to them. */
  transactions: number
  /** How many of them balance, and how many failed (read back from stripe_payout_reconciliation after the run). */
  balanced?: number
  failed?: number
}

/** A batch of objects stored (or, in a dry run, that would be): what the run's features are told. */
export interface StoredBatch {
  name: ObjectName
  objects: readonly StripeObject[]
  order: ArrivalOrder
  /** Of these, the ids marked for the first time in the object's claim column (high-value alerts). */
  claimed: ReadonlySet<string>
  /** Re-fetched because they changed (stored before): not new in the run's period. */
  changed: boolean
  /** The connected account they belong to (several accounts, Connect); undefined: the run's own. */
  account?: string
}

export interface AccountsResult {
  /** Accounts synced (the platform's own included with `all`). */
  synced: string[]
  /** Accounts skipped, and why. */
  skipped: Array<{ id: string; reason: string }>
  /** The platform's own id (with `all`). */
  platformId: string | undefined
}

/** What a step of the sync reports when it ends: an object's incremental window, the payouts reconciled, the accounts synced. */
export type SyncFact =
  | { kind: 'incremental'; name: ObjectName; report: IncrementalReport }
  | { kind: 'payouts linked'; report: LinkReport }
  | { kind: 'accounts'; result: AccountsResult }
  /** An object the key may not read, skipped (`objects: all`): `permission` is the one it lacks. */
  | { kind: 'unreadable'; name: ObjectName; permission: string }

/**
 * What the run's features learn while objects are synced — the interface sync owns and the report
 * implements (sync never imports the report): per-object counters, every batch stored, the ids a
 * batch marks once, the facts each step reports, and failures.
 */
export interface SyncObserver {
  /** An object's counters, filled in as it is synced. */
  of(name: ObjectName): ObjectProgress
  observe(batch: StoredBatch): void
  /** The ids of a batch to mark once in the object's claim column; undefined when nothing claims them. */
  claim(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined
  reported(fact: SyncFact): void
  failed(name: ObjectName, error: unknown): void
}

/** An observer that passes everything on to another: a guard overrides what it handles itself (`failed`). */
export class PassingObserver implements SyncObserver {
  constructor(protected readonly observer: SyncObserver) {}

  of(name: ObjectName): ObjectProgress {
    return this.observer.of(name)
  }
  observe(batch: StoredBatch): void {
    this.observer.observe(batch)
  }
  claim(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined {
    return this.observer.claim(name, objects)
  }
  reported(fact: SyncFact): void {
    this.observer.reported(fact)
  }
  failed(name: ObjectName, error: unknown): void {
    this.observer.failed(name, error)
  }
}

/** Everything one object's sync needs: the same fetcher, writer, cursor and limiter serve every object. */
export interface ObjectRun<T extends StripeObject = StripeObject> {
  spec: ObjectSpec<T>
  stripe: Stripe
  /** One list request for this object. */
  list: ListPage<T>
  /** When the account was created, asked once a run (a backfill need not list the years before it). */
  accountCreated: () => Promise<number | undefined>
  sink: ObjectSink<T>
  /** Nothing is written (the sink is a dry-run sink). */
  dryRun: boolean
  /** Whether a fetched object belongs in the table (charges: the `status` input). */
  matches: (object: T) => boolean
  /** True when `matches` can refuse objects (then pages are always fetched whole). */
  filtered: boolean
  progress: ObjectProgress
  /** Told every batch written (the run's features). */
  observe: (batch: Omit<StoredBatch, 'name'>) => void
  /** The ids of a batch to mark once (high-value charges); undefined when nothing claims them. */
  claim: (objects: readonly T[]) => string[] | undefined
  log: (message: string) => void
  warn: (message: string) => void
  /** Text that may quote customer data (a quarantine reason), as the run may print it: masked and cut to `maxChars`. */
  redact: (text: string, maxChars: number) => string
  retry: RetryOptions
  /** Requests in flight at once for whole-range runs. */
  concurrency: number
  /** Whether a first backfill's long span starts cut into slices (fetchRange's `firstCuts`). */
  firstCuts: boolean
  limits?: RateLimits
  now: Date
}
