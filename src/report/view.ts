import type { Config } from '../config.js'
import type { Database } from '../store/database.js'
import type { ObjectName } from '../objects/registry.js'
import type { StripeObject } from '../objects/spec.js'
import type { ArrivalOrder, IncrementalReport, LinkReport, ObjectProgress } from '../sync/run.js'
import type { OutputName } from './output-names.js'
import type { Privacy } from './privacy.js'

/** What the summary (and each feature's part of it) is rendered with. */
export interface SummaryContext {
  config: Pick<
    Config,
    | 'dryRun'
    | 'statuses'
    | 'limit'
    | 'createdGte'
    | 'createdLt'
    | 'schema'
    | 'table'
    | 'stripeAccount'
    | 'incremental'
    | 'objects'
    | 'highValueThreshold'
    | 'keyMode'
    | 'customerDetails'
    | 'mrrDiscounts'
    | 'summaryAmounts'
    | 'amountsHiddenBecause'
  >
  privacy: Privacy
  now: Date
  /** When the previous run finished (incremental runs): "up to date since". */
  lastRunAt?: Date
  /** The run was skipped: another run held the lock. */
  skipped?: string
}

/** What the run did, as a feature reads it: each object's counts and incremental window. */
export interface RunFacts {
  readonly progress: ReadonlyMap<ObjectName, ObjectProgress>
  readonly incremental: ReadonlyMap<ObjectName, IncrementalReport>
}

/** What a feature renders its parts with: the summary's context and what the run did. */
export interface FeatureContext extends SummaryContext {
  run: RunFacts
}

/** What a feature reads back after the sync with. */
export interface ReadBackContext {
  now: Date
  /** The environment (RUNNER_TEMP: where files are written). */
  env: NodeJS.ProcessEnv
  /** When the previous run finished (incremental runs). */
  lastRunAt?: Date
  run: RunFacts
}

/**
 * A product feature, described once: what it learns while objects are synced (the report hands it
 * every stored batch), the ids it marks once, its step outputs, its headline facts, its summary
 * section and its annotations. `main.ts` lists the run's features; the report calls them, and never
 * names one. A new feature is one module implementing this, and its tests.
 */
export interface Feature {
  readonly name: string
  /**
   * Where its facts and section go: with the alerts at the top (default), with the money of the
   * run (its facts first), or with the books at the bottom.
   */
  readonly slot?: 'top' | 'money' | 'bottom'
  /** Told every batch stored: `claimed` were marked for the first time; `changed` objects were re-fetched because they changed. */
  observe?(name: ObjectName, objects: readonly StripeObject[], order: ArrivalOrder, claimed: ReadonlySet<string>, changed: boolean, account?: string): void
  /** The ids of a batch it marks once, in the object's claim column. */
  claim?(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined
  /** Payouts reconciled (their balance transactions listed and linked), as the sync reports them. */
  reconciled?(links: LinkReport): void
  /**
   * The objects whose tables its read-back joins (the MRR views): after a backfill their planner
   * statistics are refreshed before it reads. A single-table read needs none.
   */
  readonly reads?: readonly ObjectName[]
  /** After the sync: what it reads back from the database (queries in store/); no database in a dry run. */
  readBack?(db: Database | undefined, ctx: ReadBackContext): Promise<void>
  /** Its step outputs (the report sets every output's empty value first). */
  outputs?(privacy: Privacy): Partial<Record<OutputName, string>>
  /** Bold lines that open the summary, before the facts. */
  headline?(ctx: FeatureContext): string[]
  /** Short labelled parts for the headline. */
  facts?(ctx: FeatureContext): Array<[string, string]>
  /** Its section of the summary, tables cut to `rows` rows (the summary halves them together to fit GitHub's limit). */
  section?(ctx: FeatureContext, rows: number): string[]
  /** A long list shown after the synced table (cut to `rows` rows like the sections). */
  details?(ctx: FeatureContext, rows: number): string[]
  /** How many rows its section would show uncut. */
  rows?(): number
  /** Whether it has news: then the summary is more than "up to date". */
  news?(): boolean
  /** `::notice::` annotations. */
  notices?(ctx: FeatureContext): string[]
}
