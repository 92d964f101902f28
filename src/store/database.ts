import type pg from 'pg'
import type { ObjectSpec, StripeObject } from '../objects/spec.js'
import { qualified, quoteIdent } from './columns.js'
import { AccountQueue, ensureAccountsTable, fillAccountId } from './accounts.js'
import { connect, describeDatabaseError } from './connect.js'
import {
  PREPARE_LOCK_CLASS,
  RunLease,
  advisoryFallback,
  mayUseLease,
  RunLockHeld,
  claimLease,
  endpointOf,
  rowsOf,
  ensureLeaseTable,
  leaseTableExists,
  type LeaseRecord
} from './lease.js'
import { readSettings, settingWarnings } from './settings.js'
import { ensureRejectsTable, fillRejectsAccount, rejectsHaveAccount, upgradeRejectsSql } from './rejects.js'
import { RUNS_TABLE, ensureRunsTable, recentRuns, recordRun, type PastRun, type RecentRuns, type RunRecord } from './runs.js'
import { ensureIndex, ensureTable, indexName, relationExists, type IndexDefinition, type TableDefinition, type TableReport } from './schema.js'
import { TableSink, analyzeTables, type TableSinkOptions } from './sink.js'
import {
  STATE_TABLE,
  ensureStateTable,
  loadState,
  stateColumns,
  stateTableCurrent,
  upgradeStateSql,
  type LaterStateColumn,
  type SyncState,
  type StateKey
} from './state.js'
import { ensureViews, type ViewDefinition } from './views.js'

export interface DatabaseOptions {
  databaseUrl: string
  schema: string
  lockTimeoutSeconds: number
  /** How long the run's lease lasts unrenewed (lock-lease): what a killed run can block the next one for. */
  leaseSeconds: number
  /** Who this run is, as a run that skips reports it. */
  runName: string
  caCert?: string
  /** Progress (connection retries) and warnings (the role's timeouts) for the log. */
  log?: (message: string) => void
  warn?: (message: string) => void
  /**
   * A run lock of its own beside the schema's (a shard of a matrix: `shard 2/4`), so shards run at
   * once; they still take turns preparing the tables, and share accounts through the work queue.
   */
  lockScope?: string
}

export interface SchemaReport {
  createdSchema: boolean
  tables: TableReport[]
  views: ViewDefinition[]
  createdStateTable: boolean
  createdRejectsTable: boolean
  createdRunsTable: boolean
  /** Features' indexes made (on existing tables too). */
  indexes: IndexDefinition[]
  /** Statements this role lacked the privilege for, and what the run goes on without: an owner should run them. */
  notPermitted: Array<{ statement: string; without: string }>
}

/** What the run lacks without the bookkeeping tables a later version added. */
const BOOKKEEPING = 'every object is listed each run; requests are not projected'

/** Another run holds the lease: who, and what the copy's history says of how long it has not been written. */
export interface Skipped {
  /** Undefined when the lock is the advisory fallback, which cannot say who holds it. */
  held?: LeaseRecord
  history: RecentRuns
}

/**
 * The run's database: one connection prepares the tables and reads back, one holds the run's lease
 * (claimed, renewed and released with plain statements: see lease.ts); each object then writes on a
 * connection of its own, so objects sync concurrently, and checks the lease before every commit.
 */
export class Database {
  private constructor(
    private readonly control: pg.Client,
    readonly options: DatabaseOptions,
    /** The database's clock when the run took its lock. */
    readonly startedAt: Date,
    private readonly lease: RunLease,
    private readonly leaseClient: pg.Client,
    /** No lease table yet (a new schema, or one an earlier version made): the lease is claimed as the tables are prepared. */
    private claimPending: boolean,
    /** A lease a killed run left, taken over. */
    readonly abandoned: LeaseRecord | undefined
  ) {}

  /** Connects and claims the run's lease; `Skipped` (disconnected) when another run holds it. */
  static async open(options: DatabaseOptions): Promise<Database | Skipped> {
    const connection = { log: options.log }
    const client = await connect(options.databaseUrl, options.caCert, connection)
    let leaseClient: pg.Client | undefined
    try {
      leaseClient = await connect(options.databaseUrl, options.caCert, connection)
      const lockName = options.lockScope ? `${options.schema}#${options.lockScope}` : options.schema
      const lease = new RunLease(leaseClient, options.schema, lockName, options.runName, options.leaseSeconds, await endpointOf(options.databaseUrl))
      lease.advisory = !(await mayUseLease(client, options.schema))
      if (lease.advisory) {
        const role = await client.query<{ role: string }>('SELECT current_user AS role')
        options.warn?.(advisoryFallback(options.schema, role.rows[0]!.role))
      }
      const pending = !lease.advisory && !(await leaseTableExists(client, options.schema))
      let abandoned: LeaseRecord | undefined
      if (!pending) {
        const claim = await lease.claim(options.lockTimeoutSeconds)
        if (!claim.taken) {
          const history = await recentRuns(client, options.schema)
          await Promise.all([client.end(), leaseClient.end()])
          return { held: claim.held, history }
        }
        abandoned = 'abandoned' in claim ? claim.abandoned : undefined
        lease.start()
      }
      for (const warning of settingWarnings(await readSettings(client))) options.warn?.(warning)
      const now = await client.query<{ now: Date }>('SELECT now() AS now')
      return new Database(client, options, now.rows[0]!.now, lease, leaseClient, pending, abandoned)
    } catch (error) {
      await client.end().catch(() => {})
      await leaseClient?.end().catch(() => {})
      throw describeDatabaseError(error, `take the run lock on schema ${options.schema}`)
    }
  }

  /** Throws once the run's lease may have run out (before any commit). */
  checkLease(): void {
    if (!this.claimPending) this.lease.check()
  }

  /** Statements the lease cost this run so far. */
  get leaseQueries(): number {
    return this.lease.queries
  }

  get schema(): string {
    return this.options.schema
  }

  /** Which of the state table's later columns it has (all when it does not exist yet, and will). */
  async stateColumns(): Promise<ReadonlySet<LaterStateColumn>> {
    try {
      return await stateColumns(this.control, this.schema)
    } catch (error) {
      throw describeDatabaseError(error, 'read the sync state')
    }
  }

  /** The sync state of one object, or undefined (first run, or no state table yet). */
  async loadState(key: StateKey): Promise<SyncState | undefined> {
    // Accounts synced at once read their states on this one connection: one query at a time.
    const turn = this.stateTurn.then(async () => {
      try {
        if (!(await relationExists(this.control, this.schema, STATE_TABLE))) return undefined
        return await loadState(this.control, this.schema, key)
      } catch (error) {
        throw describeDatabaseError(error, 'read the sync state')
      }
    })
    this.stateTurn = turn.then(
      () => undefined,
      () => undefined
    )
    return turn
  }

  private stateTurn: Promise<void> = Promise.resolve()

  /**
   * Creates the schema, tables, bookkeeping tables and views that are missing, in one transaction,
   * saying what it did. Needs CREATE privileges only when something is missing.
   */
  async prepare(
    tables: readonly TableDefinition[],
    views: readonly ViewDefinition[],
    viewTables: Readonly<Record<string, string>>,
    indexes: readonly IndexDefinition[] = []
  ): Promise<SchemaReport> {
    const client = this.control
    const schema = this.schema
    const report: SchemaReport = {
      createdSchema: false,
      tables: [],
      views: [],
      createdStateTable: false,
      createdRejectsTable: false,
      createdRunsTable: false,
      indexes: [],
      notPermitted: []
    }
    try {
      await client.query('BEGIN')
      // Runs prepare in turn (shards, and two first runs of a new schema): a transaction's lock, which a pooler cannot strand.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [PREPARE_LOCK_CLASS, schema])
      const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
      if (schemaExists.rowCount === 0) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
        report.createdSchema = true
      }
      if (this.claimPending) await this.claimInTransaction()
      for (const table of tables) {
        if (!table.optional) report.tables.push(await ensureTable(client, schema, table))
        else {
          const made = await this.optional(report, `CREATE TABLE ${qualified(schema, table.table)} …`, table.optional, () => ensureTable(client, schema, table))
          if (made) report.tables.push(made)
        }
      }
      report.createdStateTable = await ensureStateTable(client, schema)
      // Added in later versions: a role that may not alter or create them runs on without (and is told how to add them).
      if (!stateTableCurrent(await stateColumns(client, schema)))
        await this.optional(report, upgradeStateSql(schema), BOOKKEEPING, () => client.query(upgradeStateSql(schema)))
      report.createdRejectsTable = await ensureRejectsTable(client, schema)
      if (!(await rejectsHaveAccount(client, schema)))
        await this.optional(report, upgradeRejectsSql(schema), BOOKKEEPING, () => client.query(upgradeRejectsSql(schema)))
      report.createdRunsTable =
        (await this.optional(report, `CREATE TABLE ${qualified(schema, RUNS_TABLE)} …`, BOOKKEEPING, () => ensureRunsTable(client, schema))) ?? false
      for (const index of indexes) {
        const statement = `CREATE INDEX ${quoteIdent(indexName(index.table, index.suffix))} ON ${qualified(schema, index.table)} (${index.keys.join(', ')})`
        if (await this.optional(report, statement, index.without, () => ensureIndex(client, schema, index))) report.indexes.push(index)
      }
      if (this.options.lockScope) await ensureAccountsTable(client, schema)
      report.views = await ensureViews(client, schema, viewTables, (name) => relationExists(client, schema, viewTables[name]!), views)
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      if (error instanceof RunLockHeld) throw error
      throw describeDatabaseError(error, `prepare the tables in schema ${schema}`)
    }
    if (this.claimPending) {
      this.claimPending = false
      this.lease.start()
    }
    return report
  }

  /**
   * The first run of a schema (or the first of this version) claims its lease where it creates the
   * table, behind the preparers' transaction lock: of two such runs, the second finds the lease held
   * and writes nothing.
   */
  private async claimInTransaction(): Promise<void> {
    const client = this.control
    await ensureLeaseTable(client, this.schema)
    const sent = this.lease.clock()
    this.lease.queries++
    const claim = await claimLease(rowsOf(client), this.schema, this.lease.name, this.lease.holder, this.lease.run, this.lease.ttlSeconds, this.lease.endpoint)
    if (!claim.taken) throw new RunLockHeld(this.schema, claim.held)
    this.lease.claimedAt(sent)
  }

  /** Work that needs a privilege the run can do without: refused, it is rolled back alone and noted. */
  private async optional<R>(report: SchemaReport, statement: string, without: string, work: () => Promise<R>): Promise<R | undefined> {
    await this.control.query('SAVEPOINT optional')
    try {
      const result = await work()
      await this.control.query('RELEASE SAVEPOINT optional')
      return result
    } catch (error) {
      if ((error as { code?: unknown }).code !== '42501') throw error
      await this.control.query('ROLLBACK TO SAVEPOINT optional')
      report.notPermitted.push({ statement, without })
      return undefined
    }
  }

  /** A sink for one object, on a new connection (opening while the object starts fetching). */
  sink<T extends StripeObject>(spec: ObjectSpec<T>, options: Omit<TableSinkOptions, 'schema'>): TableSink<T> {
    return new TableSink(connect(this.options.databaseUrl, this.options.caCert, { log: this.options.log }), spec, {
      ...options,
      schema: this.schema,
      beforeCommit: () => this.checkLease()
    })
  }

  /**
   * Refreshes the planner's statistics of tables a run filled: right after a backfill they have none,
   * and the views' plans (MRR reads items, discounts and history) are then 5 to 10 times slower.
   * A role that does not own a table gets a notice from Postgres, not an error.
   */
  async analyze(tables: readonly string[]): Promise<void> {
    try {
      await analyzeTables(this.control, this.schema, tables)
    } catch (error) {
      throw describeDatabaseError(error, 'refresh the statistics of the tables written')
    }
  }

  /** The shards' work queue of a round, with these accounts offered. */
  async accountQueue(round: string, shard: string, ids: readonly string[]): Promise<AccountQueue> {
    return AccountQueue.open({
      client: this.control,
      databaseUrl: this.options.databaseUrl,
      caCert: this.options.caCert,
      schema: this.schema,
      round,
      shard,
      ids
    })
  }

  /** The platform's own rows from one-account runs get its id (see fillAccountId). */
  async fillAccountId(tables: readonly string[], accountId: string): Promise<number> {
    const filled = await fillAccountId(this.control, this.schema, tables, accountId)
    try {
      await fillRejectsAccount(this.control, this.schema, accountId)
    } catch (error) {
      throw describeDatabaseError(error, 'fill account_id of stripe_sync_rejects')
    }
    return filled
  }

  /** Records this run (its Stripe requests); returns the account's previous runs, newest first (none without the runs table). */
  async recordRun(run: RunRecord): Promise<PastRun[]> {
    try {
      if (!(await relationExists(this.control, this.schema, RUNS_TABLE))) return []
      return await recordRun(this.control, this.schema, run)
    } catch (error) {
      throw describeDatabaseError(error, `record the run in ${RUNS_TABLE}`)
    }
  }

  /**
   * Rows of a query on the run's own connection (reports after the sync). `planned: 'heavy'` (the
   * MRR views, whose plans pass jit_above_cost and spent 1.4 s compiling to save milliseconds) runs
   * it with JIT off for that transaction only: a session SET would stay behind on a pooled server
   * connection, for other clients, when a transaction-mode pooler hands it on.
   */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], options: { planned?: 'heavy' } = {}): Promise<R[]> {
    try {
      if (options.planned !== 'heavy') return (await this.control.query<R>(sql, params)).rows
      await this.control.query('BEGIN')
      try {
        await this.control.query("SELECT set_config('jit', 'off', true) FROM pg_settings WHERE name = 'jit'")
        const rows = (await this.control.query<R>(sql, params)).rows
        await this.control.query('COMMIT')
        return rows
      } catch (error) {
        await this.control.query('ROLLBACK').catch(() => {})
        throw error
      }
    } catch (error) {
      throw describeDatabaseError(error, 'read the results back')
    }
  }

  table(name: string): string {
    return qualified(this.schema, name)
  }

  /** Releases the lease (a killed run's expires on its own) and disconnects. */
  async close(): Promise<void> {
    try {
      await this.lease.release()
    } catch (error) {
      this.options.warn?.(
        `${describeDatabaseError(error, `release the run lock on schema ${this.schema}`).message}; the next run takes it over once it expires (lock-lease).`
      )
    } finally {
      await Promise.all([this.control.end().catch(() => {}), this.leaseClient.end().catch(() => {})])
    }
  }
}
