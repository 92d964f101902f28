import type { StripeObject } from '../objects/spec.js'
import type { ObjectName } from '../objects/registry.js'
import {
  emptyProgress,
  type AccountsResult,
  type IncrementalReport,
  type LinkReport,
  type ObjectProgress,
  type StoredBatch,
  type SyncFact,
  type SyncObserver
} from '../sync/run.js'
import type { PastRun } from '../store/runs.js'
import type { Feature, OutputDeclaration, RunFacts } from './feature.js'
import type { RunSchedule } from './requests.js'

/**
 * Everything a run learns for its outputs and summary, filled in as batches are written: per
 * object counts and incremental windows, failures, requests; each stored batch is handed to the
 * run's features (the daily report's totals, alerts, payouts, …), which keep their own figures.
 */
export class RunReport implements SyncObserver, RunFacts {
  readonly progress = new Map<ObjectName, ObjectProgress>()
  readonly incremental = new Map<ObjectName, IncrementalReport>()
  /** Objects whose sync failed, with the error. */
  readonly failures = new Map<ObjectName, unknown>()
  /** Objects skipped because the key may not read them (`objects: all`), with the permission it lacks. */
  readonly unreadable = new Map<ObjectName, string>()
  /** The run's features (high-value alerts, …): told every batch, they add outputs, facts and sections. */
  readonly features: Feature[] = []
  /** Stripe API requests the run made (retries included). */
  stripeRequests = 0
  /** Payouts reconciled this run, every account's together. */
  links: LinkReport | undefined
  /** Several accounts (Connect): which were synced and which skipped. */
  accounts: AccountsResult | undefined
  /** The schedule the account's recent runs suggest (from stripe_sync_runs); undefined when they suggest none. */
  runSchedule: RunSchedule | undefined
  /** The account's recent runs before this one, newest first (stripe_sync_runs). */
  previousRuns: readonly PastRun[] = []

  constructor(
    readonly objects: readonly ObjectName[],
    /** Every output the action declares (the generic ones and every feature's): each is set, at least to its empty value. */
    readonly outputs: readonly OutputDeclaration[] = []
  ) {
    for (const name of objects) this.progress.set(name, emptyProgress(name))
  }

  /** Stripe accounts the run synced (several with Connect). */
  get accountsSynced(): number {
    return this.accounts ? this.accounts.synced.length : 1
  }

  /** The ids the features mark once in the object's claim column. */
  claim(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined {
    const ids = this.features.flatMap((f) => f.claim?.(name, objects) ?? [])
    return ids.length > 0 ? ids : undefined
  }

  /** What a step of the sync reports; with several accounts (Connect) their reports combine. */
  reported(fact: SyncFact): void {
    if (fact.kind === 'incremental') this.incrementalDone(fact.name, fact.report)
    else if (fact.kind === 'payouts linked') this.linked(fact.report)
    else if (fact.kind === 'unreadable') this.unreadable.set(fact.name, fact.permission)
    else this.accounts = fact.result
  }

  /** An object's incremental sync ended: several accounts' reports combine (the oldest cursor, every event). */
  private incrementalDone(name: ObjectName, report: IncrementalReport): void {
    const before = this.incremental.get(name)
    this.incremental.set(
      name,
      before
        ? {
            firstRun: before.firstRun || report.firstRun,
            from: Math.min(before.from, report.from),
            to: Math.max(before.to, report.to),
            cursor: Math.min(before.cursor, report.cursor),
            eventsProcessed: before.eventsProcessed + report.eventsProcessed,
            refetched: before.refetched + report.refetched,
            resweep: before.resweep || report.resweep,
            listed: before.listed || report.listed
          }
        : report
    )
  }

  /** Payouts reconciled: once per account in a Connect run, so they add up. */
  private linked(links: LinkReport): void {
    this.links = this.links
      ? {
          reconciled: [...this.links.reconciled, ...links.reconciled],
          unlisted: [...this.links.unlisted, ...links.unlisted],
          transactions: this.links.transactions + links.transactions
        }
      : links
  }

  failed(name: ObjectName, error: unknown): void {
    this.failures.set(name, error)
  }

  of(name: ObjectName): ObjectProgress {
    let progress = this.progress.get(name)
    if (!progress) this.progress.set(name, (progress = emptyProgress(name)))
    return progress
  }

  /**
   * Hands a stored batch to the features. `changed`: objects stored earlier and re-fetched because
   * they changed — they count for alerts and the payouts list, not as the period's money.
   */
  observe(batch: StoredBatch): void {
    for (const feature of this.features) feature.observe?.(batch)
  }

  total(field: 'stored' | 'updated' | 'rejected' | 'matched'): number {
    let n = 0
    for (const p of this.progress.values()) n += p[field]
    return n
  }
}

/**
 * Which connected account each kept object belongs to (Connect: a dashboard link names it). Only the
 * kept ones are remembered, so memory stays flat however many objects a run stores.
 */
export class AccountsOf {
  private readonly byId = new Map<string, string>()

  /** Objects of `account` stored; `kept` lists the ones still shown (asked only when the rest are forgotten). */
  note(objects: readonly { id: string }[], account: string, kept: () => readonly { id: string }[]): void {
    for (const o of objects) this.byId.set(o.id, account)
    // The kept lists are short (at most a hundred): past 256 remembered, the others are dropped.
    if (this.byId.size > 256) {
      const keep = new Set(kept().map((k) => k.id))
      for (const id of this.byId.keys()) if (!keep.has(id)) this.byId.delete(id)
    }
  }

  get(id: string): string | undefined {
    return this.byId.get(id)
  }
}
