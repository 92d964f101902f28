import type { Config } from './config.js'
import type { ActionIO } from './io.js'
import { isObjectName, specOf } from './objects/registry.js'
import { tablesOf, type ChildHistory, type Column, type ObjectSpec, type StripeObject } from './objects/spec.js'
import type { ObjectName } from './objects/registry.js'
import { STRIPE_API_VERSION } from './api-version.js'
import { Database, type SchemaReport, type Skipped } from './store/database.js'
import { runName } from './store/lease.js'
import { REJECTS_TABLE } from './store/rejects.js'
import { RUNS_TABLE } from './store/runs.js'
import { indexName, type IndexDefinition, type TableDefinition } from './store/schema.js'
import { ANALYZE_AFTER_ROWS, dryRunSink, type ObjectSink, type TableAccess, type TableSink } from './store/sink.js'
import { STATE_TABLE, type LaterStateColumn, type StateKey, type SyncState } from './store/state.js'
import type { ViewDefinition } from './store/view-kit.js'

/** The table of each object: its input's value when it has one (charges: `table`), else its fixed name. */
export function tableOf(config: Pick<Config, 'table'>, name: ObjectName): string {
  const spec: ObjectSpec<StripeObject, ObjectName> = specOf(name)
  return spec.tableInput ? config[spec.tableInput] : spec.table
}

/** The selected objects and those they write to (payouts link balance transactions). */
export function objectsWithTables(objects: readonly ObjectName[]): ObjectName[] {
  const all = new Set<ObjectName>(objects)
  for (const name of objects) for (const need of specOf(name).needs ?? []) if (isObjectName(need)) all.add(need)
  return [...all]
}

/** The account a run's rows of bookkeeping belong to: the connected account, or the key's own (live or test). */
export function accountKey(config: Pick<Config, 'stripeAccount' | 'keyMode'>): string {
  return config.stripeAccount ?? `self:${config.keyMode}`
}

/** The cursor row of an object: (account, table, filter). */
export function stateKey(config: Config, name: ObjectName, filter: string): StateKey {
  return { account: accountKey(config), tableName: tableOf(config, name), statusFilter: filter }
}

/** What the run's features add to the schema: their views and tables, and the claim column each marks an object with. */
export interface SchemaLayout {
  views: readonly ViewDefinition[]
  tables: readonly TableDefinition[]
  /** Indexes features read objects' tables through. */
  indexes: readonly IndexDefinition[]
  claims: ReadonlyMap<ObjectName, Column>
}

/**
 * Where a run writes: the database (lock held, tables prepared once Stripe has answered), a sink
 * per object, and the sync state each object starts from. A dry run has sinks that write nothing.
 */
export class Session {
  private prepared = false

  private constructor(
    readonly db: Database | undefined,
    /** Each object's table (none in a dry run, whose sinks write nothing). */
    private readonly tables: ReadonlyMap<ObjectName, TableSink<StripeObject>>,
    readonly states: ReadonlyMap<ObjectName, SyncState | undefined>,
    /** The later columns the state table has (what a state can remember: how far it listed, the late events' window). */
    readonly stateColumns: ReadonlySet<LaterStateColumn>,
    /** Resolves once the tables are ready; rejects if preparing them failed. */
    readonly ready: Promise<SchemaReport | undefined>,
    private readonly startPreparing: () => void,
    /**
     * One account's session of a multi-account run: its tables are shared with the run's other
     * accounts, and closing it leaves the database open.
     */
    readonly accountScoped = false,
    private readonly layout: SchemaLayout = { views: [], tables: [], indexes: [], claims: new Map() }
  ) {}

  static dryRun(): Session {
    return new Session(undefined, new Map(), new Map(), new Set(), Promise.resolve(undefined), () => {})
  }

  /**
   * One account of a multi-account run (Connect): its own sinks (rows carry `rowsAccountId`) and
   * sync state (keyed by `config`'s account), on this run's database, lock and prepared tables.
   */
  async forAccount(config: Config, filters: ReadonlyMap<ObjectName, string>, rowsAccountId: string): Promise<Session> {
    const db = this.db
    if (!db) return Session.dryRun()
    const states = await loadStates(db, config, filters)
    const sinks = openSinks(db, config, this.layout, this.ready, rowsAccountId, true)
    const session = new Session(db, sinks, states, this.stateColumns, this.ready, () => {}, true, this.layout)
    session.prepared = true
    return session
  }

  /**
   * Connects and takes the schema's run lock (undefined: another run holds it), reads each
   * object's sync state, and opens a connection per object. The tables are created only once
   * `prepareWhen` resolves — after Stripe has answered a first request — so a wrong key or API base
   * creates nothing; objects start fetching meanwhile, and their writes wait for the tables.
   */
  static async open(
    config: Config,
    io: ActionIO,
    filters: ReadonlyMap<ObjectName, string>,
    layout: SchemaLayout,
    env: NodeJS.ProcessEnv
  ): Promise<Session | Skipped> {
    const db = await Database.open({
      databaseUrl: config.databaseUrl!,
      schema: config.schema,
      lockTimeoutSeconds: config.lockTimeoutSeconds,
      leaseSeconds: config.leaseSeconds,
      runName: runName(env),
      lockScope: config.accountShard ? `shard ${config.accountShard.index}/${config.accountShard.total}` : undefined,
      caCert: config.databaseCaCert,
      log: (m) => io.info(m),
      warn: (m) => io.warning(m)
    })
    if (!(db instanceof Database)) return db
    try {
      const names = objectsWithTables(config.objects)
      const stateColumns = config.incremental ? await db.stateColumns() : new Set<LaterStateColumn>()
      // Several accounts: each gets its states and sinks from forAccount.
      const own = config.accounts === undefined
      const states = own ? await loadStates(db, config, filters) : new Map<ObjectName, SyncState | undefined>()

      let start!: () => void
      const go = new Promise<void>((resolve) => (start = resolve))
      const ready = go.then(async () => {
        const report = await db.prepare(
          [...tableDefinitions(config, names, layout.claims), ...layout.tables],
          layout.views,
          Object.fromEntries(names.map((n) => [n, tableOf(config, n)])),
          layout.indexes
        )
        describeSchema(io, config.schema, report)
        return report
      })
      // Writers wait for `ready`; a failure to prepare reaches them (and the run) from there.
      ready.catch(() => {})
      const sinks = own ? openSinks(db, config, layout, ready, config.stripeAccount, false) : new Map<ObjectName, TableSink<StripeObject>>()
      return new Session(db, sinks, states, stateColumns, ready, start, false, layout)
    } catch (error) {
      await db.close()
      throw error
    }
  }

  /** Stripe has answered: prepare the tables (once). */
  stripeAnswered(): void {
    if (this.prepared) return
    this.prepared = true
    this.startPreparing()
  }

  /** True once preparing has started (so `ready` will settle). */
  get preparing(): boolean {
    return this.prepared || this.db === undefined
  }

  sink<T extends StripeObject>(spec: ObjectSpec<T, ObjectName>): ObjectSink<T> {
    return this.tables.get(spec.name) ?? dryRunSink()
  }

  /** The Postgres sink of an object (undefined in a dry run). */
  table<T extends StripeObject>(spec: ObjectSpec<T, ObjectName>): TableAccess<T> | undefined {
    return this.db ? this.tables.get(spec.name) : undefined
  }

  /**
   * The tables of objects that gained many rows (a backfill), with their children, and that the run
   * reads back through joins (`read`): their statistics refreshed. The others are left to autovacuum:
   * a single-table read does not need them, and analyzing 30,000 charges takes half a second.
   */
  async analyzeFilled(config: Config, stored: ReadonlyMap<ObjectName, number>, read: ReadonlySet<ObjectName>): Promise<void> {
    if (!this.db) return
    const tables = new Set<string>()
    for (const [name, count] of stored) {
      // Analyzed as it grew (an object with children): its statistics were taken at a quarter of its size or more.
      if (count < ANALYZE_AFTER_ROWS || !read.has(name) || this.tables.get(name)?.analyzedDuringRun) continue
      for (const table of tablesOf({ ...specOf(name), table: tableOf(config, name) })) tables.add(table)
    }
    if (tables.size > 0) await this.db.analyze([...tables])
  }

  async close(): Promise<void> {
    await Promise.all([...this.tables.values()].map((s) => s.close()))
    if (!this.accountScoped) await this.db?.close()
  }

  /** The tables of the run's objects that carry account_id (objects and their children; not histories). */
  accountTables(config: Config): string[] {
    const tables = new Set<string>()
    for (const name of objectsWithTables(config.objects)) {
      tables.add(tableOf(config, name))
      for (const child of specOf(name).children ?? []) tables.add(child.table)
    }
    return [...tables]
  }
}

/** Each object's sync state for the account `config` names (incremental runs; none otherwise). */
async function loadStates(db: Database, config: Config, filters: ReadonlyMap<ObjectName, string>): Promise<Map<ObjectName, SyncState | undefined>> {
  const states = new Map<ObjectName, SyncState | undefined>()
  if (config.incremental) for (const name of config.objects) states.set(name, await db.loadState(stateKey(config, name, filters.get(name) ?? 'all')))
  return states
}

/** A connection per table the objects write, rows carrying `accountId`; scoped: reads back that account's rows only. */
function openSinks(
  db: Database,
  config: Config,
  layout: SchemaLayout,
  ready: Promise<unknown>,
  accountId: string | undefined,
  scopeToAccount: boolean
): Map<ObjectName, TableSink<StripeObject>> {
  const context = { apiVersion: STRIPE_API_VERSION, accountId }
  const sinks = new Map<ObjectName, TableSink<StripeObject>>()
  for (const name of objectsWithTables(config.objects)) {
    const spec: ObjectSpec<StripeObject, ObjectName> = specOf(name)
    sinks.set(name, db.sink(spec, { table: tableOf(config, name), context, ready, claimColumn: layout.claims.get(name)?.name, scopeToAccount }))
  }
  return sinks
}

function tableDefinitions(config: Config, names: readonly ObjectName[], claims: ReadonlyMap<ObjectName, Column>): TableDefinition[] {
  const defs = new Map<string, TableDefinition>()
  // A child table two objects share (stripe_discounts: customers' and subscriptions') is defined once.
  const add = (def: TableDefinition) => {
    if (!defs.has(def.table)) defs.set(def.table, def)
  }
  for (const name of names) {
    const spec = specOf(name)
    const table = tableOf(config, name)
    const claim = claims.get(name)
    add({ table, columns: claim ? [...spec.columns, claim] : spec.columns, idColumn: spec.idColumn, indexes: spec.indexes })
    if (spec.history) add(historyDefinition(spec.history, spec.columns, spec.idColumn))
    for (const child of spec.children ?? []) {
      add({ table: child.table, columns: child.columns, idColumn: child.idColumn, indexes: child.indexes ?? [] })
      if (child.history) add(historyDefinition(child.history, child.columns, child.parentColumn))
    }
  }
  return [...defs.values()]
}

/** The table of versions: one row per version of a child (or object), valid over [valid_from, valid_to). */
function historyDefinition(history: ChildHistory, columns: readonly Column[], parentColumn: string): TableDefinition {
  const byName = new Map(columns.map((c) => [c.name, c]))
  return {
    table: history.table,
    idColumn: 'id',
    indexes: [history.childColumn, ...history.copied.filter((c) => c === parentColumn), 'valid_from'],
    columns: [
      { name: 'id', type: 'text', notNull: true, fromRow: false },
      { name: history.childColumn, type: 'text', notNull: true, fromRow: false },
      ...history.copied.map((name) => ({ name, type: byName.get(name)!.type, fromRow: false })),
      { name: 'valid_from', type: 'timestamptz', notNull: true, fromRow: false },
      { name: 'valid_to', type: 'timestamptz', fromRow: false }
    ]
  }
}

function describeSchema(io: ActionIO, schema: string, r: SchemaReport): void {
  if (r.createdSchema) io.info(`Created schema ${schema}.`)
  for (const t of r.tables) {
    const name = `${schema}.${t.table}`
    if (t.createdTable) io.info(`Created table ${name}.`)
    if (t.addedColumns.length > 0) io.info(`Added column(s) to ${name}: ${t.addedColumns.join(', ')}.`)
    if (t.addedUniqueKey && !t.createdTable) io.info(`Added a unique key to ${name}.`)
  }
  for (const v of r.views) io.info(`Created view ${schema}.${v.name} (${v.about}).`)
  for (const i of r.indexes) io.info(`Created index ${schema}.${indexName(i.table, i.suffix)} (${i.about}).`)
  for (const { statement, without } of r.notPermitted) {
    io.warning(
      `This database role may not run \`${statement}\`: the run goes on without it (${without}). ` +
        'Run the next step once with a role that owns the schema to add it.'
    )
  }
  if (r.createdStateTable) io.info(`Created table ${schema}.${STATE_TABLE} for the incremental cursors.`)
  if (r.createdRejectsTable) io.info(`Created table ${schema}.${REJECTS_TABLE} for objects that cannot be stored.`)
  if (r.createdRunsTable) io.info(`Created table ${schema}.${RUNS_TABLE}: one row per run, with its Stripe requests.`)
}
