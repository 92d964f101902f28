import type { Config } from '../config.js'
import type { Database } from '../store/database.js'
import type { ObjectName } from '../objects/registry.js'
import type { StripeObject } from '../objects/spec.js'
import type { ArrivalOrder, LinkReport } from '../sync/run.js'
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
  /** Net of succeeded charges per currency in the period of the same length just before this one, from the table. */
  previous?: ReadonlyMap<string, number>
  /** When the previous run finished (incremental runs): "up to date since". */
  lastRunAt?: Date
  /** The run was skipped: another run held the lock. */
  skipped?: string
}

/**
 * A product feature, described once: what it learns while objects are synced (the report hands it
 * every stored batch), the ids it marks once, its step outputs, its headline facts, its summary
 * section and its annotations. `main.ts` lists the run's features; the report calls them, and never
 * names one. A new feature is one module implementing this, and its tests.
 */
/** What a feature reads back after the sync with. */
export interface ReadBackContext {
  now: Date
  /** The environment (RUNNER_TEMP: where files are written). */
  env: NodeJS.ProcessEnv
  /** When the previous run finished (incremental runs). */
  lastRunAt?: Date
}

export interface Feature {
  readonly name: string
  /** Where its facts and section go: with the alerts at the top (default), or with the books at the bottom. */
  readonly slot?: 'top' | 'bottom'
  /** Told every batch stored: `claimed` were marked for the first time; `changed` objects were re-fetched because they changed. */
  observe?(name: ObjectName, objects: readonly StripeObject[], order: ArrivalOrder, claimed: ReadonlySet<string>, changed: boolean, account?: string): void
  /** The ids of a batch it marks once, in the object's claim column. */
  claim?(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined
  /** Payouts reconciled (their balance transactions listed and linked), as the sync reports them. */
  reconciled?(links: LinkReport): void
  /** After the sync: what it reads back from the database (queries in store/); no database in a dry run. */
  readBack?(db: Database | undefined, ctx: ReadBackContext): Promise<void>
  /** Its step outputs (the report sets every output's empty value first). */
  outputs?(privacy: Privacy): Partial<Record<OutputName, string>>
  /** Short labelled parts for the headline. */
  facts?(ctx: SummaryContext): Array<[string, string]>
  /** Its section of the summary, tables cut to `rows` rows (the summary halves them together to fit GitHub's limit). */
  section?(ctx: SummaryContext, rows: number): string[]
  /** How many rows its section would show uncut. */
  rows?(): number
  /** Whether it has news: then the summary is more than "up to date". */
  news?(): boolean
  /** `::notice::` annotations. */
  notices?(ctx: SummaryContext): string[]
}
