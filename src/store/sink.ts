import type pg from 'pg'
import type Stripe from 'stripe'
import { qualified } from './columns.js'
import { connect, describeDatabaseError } from './connect.js'
import { chargeToRow } from './rows.js'
import { ensureTable, type SchemaReport } from './schema.js'
import { upsertRows, upsertSql, type WriteCounts } from './upsert.js'

/** Where matched charges go: Postgres, or nowhere in a dry run. */
export interface ChargeSink {
  write(charges: readonly Stripe.Charge[]): Promise<WriteCounts>
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
}

export class PostgresSink implements ChargeSink {
  private readonly sql: string

  private constructor(
    private readonly client: pg.Client,
    private readonly options: PostgresSinkOptions,
    readonly schemaReport: SchemaReport
  ) {
    this.sql = upsertSql(qualified(options.schema, options.table))
  }

  /** Connects and makes the table ready, before any charge is fetched: a bad database fails fast. */
  static async open(options: PostgresSinkOptions): Promise<PostgresSink> {
    const client = await connect(options.databaseUrl)
    try {
      const report = await ensureTable(client, options.schema, options.table)
      return new PostgresSink(client, options, report)
    } catch (error) {
      await client.end().catch(() => {})
      throw describeDatabaseError(error, `prepare table ${qualified(options.schema, options.table)}`)
    }
  }

  /** One page, one statement, one transaction: a later failure keeps what was written. */
  async write(charges: readonly Stripe.Charge[]): Promise<WriteCounts> {
    const rows = charges.map((c) => chargeToRow(c, this.options.apiVersion, this.options.accountId))
    try {
      return await upsertRows(this.client, this.sql, rows)
    } catch (error) {
      throw describeDatabaseError(error, `write to ${qualified(this.options.schema, this.options.table)}`)
    }
  }

  async close(): Promise<void> {
    await this.client.end()
  }
}
