import type pg from 'pg'
import { COLUMNS, qualified, quoteIdent } from './columns.js'
import { DatabaseError } from './connect.js'

export class DuplicateChargeIdsError extends DatabaseError {
  constructor(schema: string, table: string, duplicates: number) {
    const t = qualified(schema, table)
    super(
      `Table ${t} already holds ${duplicates} charge_id value(s) stored more than once, so it cannot get the unique key on charge_id ` +
        `that makes re-runs safe. Remove the extra copies, keeping the oldest, then re-run:\n` +
        `  DELETE FROM ${t} a USING ${t} b WHERE a.charge_id = b.charge_id AND a.ctid > b.ctid;`
    )
    this.name = 'DuplicateChargeIdsError'
  }
}

export interface SchemaReport {
  createdSchema: boolean
  createdTable: boolean
  addedColumns: string[]
  addedUniqueKey: boolean
  createdView: boolean
}

/** The reporting view's name: `<table>_daily`, within Postgres's 63-character limit. */
export function dailyViewName(table: string): string {
  return `${table.slice(0, 63 - '_daily'.length)}_daily`
}

/**
 * Daily totals of succeeded charges per currency, in minor units: day (UTC), currency, count,
 * gross, refunded, net. Refunds are counted on the charge's day, as Stripe reports them per charge.
 */
export function dailyViewSql(schema: string, table: string): string {
  return `CREATE OR REPLACE VIEW ${qualified(schema, dailyViewName(table))} AS
  SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
         currency,
         count(*) AS count,
         sum(amount) AS gross,
         sum(coalesce(amount_refunded, 0)) AS refunded,
         sum(amount - coalesce(amount_refunded, 0)) AS net
    FROM ${qualified(schema, table)}
   WHERE status = 'succeeded'
   GROUP BY 1, 2`
}

/**
 * Makes the table ready: creates the schema and table when missing; for an existing table (such as
 * one made for the original job) adds missing columns and the unique key on charge_id. Runs in one
 * transaction; the caller holds the table's run lock, so two first runs cannot race each other's
 * DDL. Statements that need CREATE privileges run only when something is missing, so later runs
 * need none.
 */
export async function ensureTable(client: pg.Client, schema: string, table: string): Promise<SchemaReport> {
  const report: SchemaReport = { createdSchema: false, createdTable: false, addedColumns: [], addedUniqueKey: false, createdView: false }
  const t = qualified(schema, table)
  await client.query('BEGIN')
  try {
    const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
    if (schemaExists.rowCount === 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`)
      report.createdSchema = true
    }
    const existing = await client.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
      [schema, table]
    )
    if (existing.rowCount === 0) {
      const defs = COLUMNS.map(
        (c) => `${quoteIdent(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}${c.default ? ` DEFAULT ${c.default}` : ''}`
      )
      await client.query(`CREATE TABLE ${t} (${defs.join(', ')})`)
      report.createdTable = true
    } else {
      const have = new Set(existing.rows.map((r) => r.column_name))
      for (const c of COLUMNS.filter((col) => !have.has(col.name))) {
        await client.query(`ALTER TABLE ${t} ADD COLUMN ${quoteIdent(c.name)} ${c.type}${c.default ? ` DEFAULT ${c.default}` : ''}`)
        report.addedColumns.push(c.name)
      }
    }
    if (!(await hasUniqueKeyOnChargeId(client, schema, table))) {
      const dup = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM (SELECT charge_id FROM ${t} WHERE charge_id IS NOT NULL GROUP BY charge_id HAVING count(*) > 1) d`
      )
      const duplicates = Number(dup.rows[0]?.n ?? 0)
      if (duplicates > 0) throw new DuplicateChargeIdsError(schema, table, duplicates)
      await client.query(`CREATE UNIQUE INDEX ${quoteIdent(`${table}_charge_id_key`)} ON ${t} (charge_id)`)
      report.addedUniqueKey = true
    }
    if (report.createdTable || report.addedColumns.length > 0 || report.addedUniqueKey) {
      await client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table}_created_at_idx`)} ON ${t} (created_at)`)
      await client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table}_status_idx`)} ON ${t} (status)`)
    }
    const view = await client.query<{ v: string | null }>('SELECT to_regclass($1) AS v', [qualified(schema, dailyViewName(table))])
    if (!view.rows[0]?.v) {
      await client.query(dailyViewSql(schema, table))
      report.createdView = true
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
  return report
}

/** A unique, non-partial index on exactly (charge_id): what ON CONFLICT (charge_id) needs. */
async function hasUniqueKeyOnChargeId(client: pg.Client, schema: string, table: string): Promise<boolean> {
  const result = await client.query(
    `SELECT 1
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL
        AND i.indnatts = 1 AND a.attname = 'charge_id'`,
    [schema, table]
  )
  return (result.rowCount ?? 0) > 0
}
