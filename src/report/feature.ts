import type { Config, InputDeclaration } from '../config.js'
import type { ObjectName } from '../objects/registry.js'
import type { Column, StripeObject } from '../objects/spec.js'
import type { Database } from '../store/database.js'
import type { PastRun } from '../store/runs.js'
import type { IndexDefinition, TableDefinition } from '../store/schema.js'
import type { ViewDefinition } from '../store/view-kit.js'
import type { AccountFacts } from '../stripe/accounts.js'
import type { AccountsResult, IncrementalReport, LinkReport, ObjectProgress, StoredBatch } from '../sync/run.js'
import type { Privacy } from './privacy.js'
import type { RunSchedule } from './requests.js'

/**
 * A step output: a public contract (later steps read it), so names never change. Every output is set
 * on every run: a feature that does not run leaves its outputs at their empty values. action.yml and
 * the README's outputs table are written from these declarations (`npm run docs`).
 */
export interface OutputDeclaration<N extends string = string> {
  name: N
  description: string
  /** Its value when nothing sets it (the feature does not run, or the run was skipped). */
  empty: string | ((run: { skipped: boolean }) => string)
  /** Set after a failure too: a count of what the run committed before it failed. */
  keptAfterFailure?: boolean
  /** Set only when every object synced: it says the run succeeded. */
  successOnly?: boolean
}

/** What the summary (and each feature's part of it) is rendered with: the run's generic settings. */
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
    | 'keyMode'
    | 'customerDetails'
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

/** What the run did, as a feature reads it: each object's counts and incremental window, the payouts linked, the accounts synced. */
export interface RunFacts {
  readonly progress: ReadonlyMap<ObjectName, ObjectProgress>
  readonly incremental: ReadonlyMap<ObjectName, IncrementalReport>
  /** Payouts reconciled this run (their balance transactions listed and linked), every account's together. */
  readonly links: LinkReport | undefined
  /** Several accounts (Connect): which were synced and which skipped. */
  readonly accounts: AccountsResult | undefined
  /** Objects whose sync failed. */
  readonly failures: ReadonlyMap<ObjectName, unknown>
  /** Objects skipped because the key may not read them (`objects: all`), with the permission it lacks. */
  readonly unreadable: ReadonlyMap<ObjectName, string>
}

/** What a feature renders its parts with: the summary's context and what the run did. */
export interface FeatureContext extends SummaryContext {
  run: RunFacts
}

/**
 * What a feature reads the database through: its queries and its tables' qualified names. Unit tests
 * give it `test-support/database.ts`'s stand-in.
 */
export type FeatureDatabase = Pick<Database, 'query' | 'table' | 'schema'>

/** What a feature reads back after the sync with. */
export interface ReadBackContext {
  now: Date
  /** The environment (RUNNER_TEMP: where files are written). */
  env: NodeJS.ProcessEnv
  /** When the previous run finished (incremental runs). */
  lastRunAt?: Date
  run: RunFacts
  /** Where the account lives (GET /v1/account, asked once however often it is called); never throws. */
  account: () => Promise<AccountFacts>
  /** The account's recent runs before this one, newest first (empty before the first, or without the runs table). */
  previousRuns: readonly PastRun[]
  /** The schedule those runs suggest (their median interval and requests a run); undefined when they do not look like one. */
  schedule: RunSchedule | undefined
}

/** What a feature's outputs are made with. */
export interface OutputContext {
  privacy: Privacy
  dryRun: boolean
  /** The run's `message` output (the seed job's). */
  message: string
  run: RunFacts
  /** Another run held the lock: this one synced and read nothing. */
  skipped?: boolean
}

/**
 * One run's instance of a feature: what it learns from each stored batch, the ids it marks once, its
 * step outputs, its headline facts, its summary section and its annotations. The report calls
 * these without naming a feature. `N`: the names of the outputs its module declares.
 */
export interface Feature<N extends string = string> {
  readonly name: string
  /**
   * Where its facts and section go: with the alerts at the top (default), with the money of the
   * run (its facts first), or with the books at the bottom.
   */
  readonly slot?: 'top' | 'money' | 'bottom'
  /** Told every batch stored. */
  observe?(batch: StoredBatch): void
  /** The ids of a batch it marks once, in the object's claim column (its module's `claims`). */
  claim?(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined
  /**
   * The objects whose tables its read-back joins (the MRR views): after a backfill their planner
   * statistics are refreshed before it reads. A single-table read needs none.
   */
  readonly reads?: readonly ObjectName[]
  /** After the sync: what it reads back from the database (its queries); no database in a dry run. */
  readBack?(db: FeatureDatabase | undefined, ctx: ReadBackContext): Promise<void>
  /**
   * Its read-back failed (the run goes on, and says so in a warning naming the feature): what it
   * shows must not pass for a full reading. `reason` is the failure in words.
   */
  readBackFailed?(reason: string): void
  /** Every output its module declares. */
  outputs?(ctx: OutputContext): Record<N, string>
  /** What opens the summary, before anything else, in every run (an up-to-date one too): the monitor's status. */
  status?(ctx: FeatureContext): string[]
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
  /** `::warning::` annotations: what it could not do although the sync succeeded. */
  warnings?(): string[]
  /** Lines for the run's log once the outputs are set (where files were written). */
  log?(): string[]
  /** Why the step fails although everything synced (`fail-on`): checked once everything is stored and written. */
  verdict?(): string | undefined
}

/** An index on an object's table, as a feature declares it (the run knows the table's name). */
export interface FeatureIndex extends Omit<IndexDefinition, 'table'> {
  object: ObjectName
}

/** A feature's inputs as it reads them: trimmed, its declared default when empty. */
export interface FeatureInputs {
  get(name: string): string
  /** Said once in the log, before the run starts (a setting that has no effect). */
  warn(message: string): void
  /** Keeps a secret input (a token) out of everything the run prints. */
  mask(secret: string): void
}

/** What a feature brings to a run once its inputs are read. */
export interface LoadedFeature {
  /** Views it keeps: each created (or replaced) whenever the tables it reads exist. */
  views: readonly ViewDefinition[]
  /** Tables of its own (created with the others). */
  tables?: readonly TableDefinition[]
  /** Indexes it reads objects' tables through (made when missing, when the object is synced). */
  indexes?: readonly FeatureIndex[]
  /** The run's instance; undefined when the run does not call for it. */
  feature?: Feature
}

/**
 * A feature, described once in its folder: the inputs it reads, the outputs it sets (every one, with
 * the value it has when the feature does not run), the column it marks objects with, and how a run
 * gets its instance. `src/features/index.ts` lists them; nothing else names one.
 */
export interface FeatureModule {
  readonly name: string
  readonly inputs: readonly InputDeclaration[]
  readonly outputs: readonly OutputDeclaration[]
  /** A column it adds to an object's table to mark objects once (high-value alerts: charges' `alerted_at`). */
  readonly claims?: { object: ObjectName; column: Column }
  /** Reads its inputs (throwing InputError naming a bad one) and returns its views and, when called for, its instance. */
  load(inputs: FeatureInputs, config: Config): LoadedFeature
}

/** The names of the outputs a feature's contract declares. */
export type OutputOf<C extends { outputs: readonly OutputDeclaration[] }> = C['outputs'][number]['name']

/** A module whose instance sets the outputs it declares (checked by the compiler); `inputs` may be left out when it has none. */
export function defineFeature<const O extends readonly OutputDeclaration[]>(module: {
  name: string
  inputs?: readonly InputDeclaration[]
  outputs: O
  claims?: FeatureModule['claims']
  load(inputs: FeatureInputs, config: Config): LoadedFeature & { feature?: Feature<O[number]['name']> }
}): FeatureModule {
  return { ...module, inputs: module.inputs ?? [] }
}
