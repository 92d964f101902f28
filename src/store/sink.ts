import type pg from 'pg'
import type Stripe from 'stripe'
import type { ChargeStatus } from '../config.js'
import { qualified } from './columns.js'
import { connect, describeDatabaseError } from './connect.js'
import { acquireRunLock } from './lock.js'
import { chargeToRow } from './rows.js'
import { ensureTable, type SchemaReport } from './schema.js'
import { ensureStateTable, loadState, saveState, type SyncState } from './state.js'
import { upsertRows, upsertSql, type WriteCounts } from './upsert.js'

/** Where matched charges go: Postgres, or nowhere in a dry run. */
export interface ChargeSink {
  /** Writes one batch; with a checkpoint, the sync state moves in the same transaction. */
  write(charges: readonly Stripe.Charge[], checkpoint?: SyncState): Promise<WriteCounts>
  close(): Promise<void>
}

export const dryRunSink: ChargeSink = {
  write: async () => ({ inserted: 0, updated: 0 }),
  close: async () => {}
}

export interface PostgresSinkOptions {
  databaseUrl: string
  schema: string
  table: string
  apiVersion: string
  accountId: string | undefined
  lockTimeoutSeconds: number
  /** Also prepare the sync-state table. */
  incremental: boolean
  caCert?: string
}

export class PostgresSink implements ChargeSink {
  private readonly sql: string
  private readonly t: string

  private constructor(
    private readonly client: pg.Client,
    private readonly options: PostgresSinkOptions,
    readonly schemaReport: SchemaReport & { createdStateTable: boolean }
  ) {
    this.t = qualified(options.schema, options.table)
    this.sql = upsertSql(this.t)
  }

  /**
   * Connects, takes the table's run lock, and makes the table ready, before any charge is fetched:
   * a bad database fails fast. Returns undefined (and disconnects) when another run holds the lock.
   */
  static async open(options: PostgresSinkOptions): Promise<PostgresSink | undefined> {
    const client = await connect(options.databaseUrl, options.caCert)
    try {
      if (!(await acquireRunLock(client, options.schema, options.table, options.lockTimeoutSeconds))) {
        await client.end()
        return undefined
      }
      const report = await ensureTable(client, options.schema, options.table)
      const createdStateTable = options.incremental ? await ensureStateTable(client, options.schema) : false
      return new PostgresSink(client, options, { ...report, createdStateTable })
    } catch (error) {
      await client.end().catch(() => {})
      throw describeDatabaseError(error, `prepare table ${qualified(options.schema, options.table)}`)
    }
  }

  /** One batch, one upsert statement, one transaction: a later failure keeps what was written. */
  async write(charges: readonly Stripe.Charge[], checkpoint?: SyncState): Promise<WriteCounts> {
    return this.transaction(async () => {
      const counts = await upsertRows(this.client, this.sql, this.rows(charges))
      if (checkpoint) await saveState(this.client, this.options.schema, checkpoint)
      return counts
    })
  }

  /**
   * Re-fetched charges (after change events or a re-sweep): rows already stored are brought up to
   * date whatever their status now; charges not stored yet are added only if they match `statuses`.
   */
  async refresh(charges: readonly Stripe.Charge[], statuses: ReadonlySet<ChargeStatus>, checkpoint?: SyncState): Promise<WriteCounts> {
    return this.transaction(async () => {
      const ids = charges.map((c) => c.id)
      const stored = await this.client.query<{ charge_id: string }>(`SELECT charge_id FROM ${this.t} WHERE charge_id = ANY($1)`, [ids])
      const existing = new Set(stored.rows.map((r) => r.charge_id))
      const keep = charges.filter((c) => existing.has(c.id) || statuses.has(c.status as ChargeStatus))
      const counts = await upsertRows(this.client, this.sql, this.rows(keep))
      if (checkpoint) await saveState(this.client, this.options.schema, checkpoint)
      return counts
    })
  }

  async loadState(key: Pick<SyncState, 'account' | 'tableName' | 'statusFilter'>): Promise<SyncState | undefined> {
    try {
      return await loadState(this.client, this.options.schema, key)
    } catch (error) {
      throw describeDatabaseError(error, 'read the sync state')
    }
  }

  async saveState(state: SyncState): Promise<void> {
    try {
      await saveState(this.client, this.options.schema, state)
    } catch (error) {
      throw describeDatabaseError(error, 'save the sync state')
    }
  }

  async close(): Promise<void> {
    // After a server restart the connection is already gone; ending it must not hide the real error.
    await this.client.end().catch(() => {})
  }

  private rows(charges: readonly Stripe.Charge[]) {
    return charges.map((c) => chargeToRow(c, this.options.apiVersion, this.options.accountId))
  }

  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    try {
      await this.client.query('BEGIN')
      const result = await work()
      await this.client.query('COMMIT')
      return result
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {})
      throw describeDatabaseError(error, `write to ${this.t}`)
    }
  }
}
