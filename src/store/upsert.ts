import type pg from 'pg'
import { ROW_COLUMNS, quoteIdent } from './columns.js'
import type { ChargeRow } from './rows.js'

export interface WriteCounts {
  inserted: number
  updated: number
}

/**
 * Builds the one statement that writes a batch: rows arrive as a single JSON parameter, are
 * inserted, and on conflict update only when the stored data differs — so a re-run changes nothing,
 * and `updated_at` moves only when Stripe's data did. `processed_at` is set on insert and never again.
 */
export function upsertSql(qualifiedTable: string): string {
  const cols = ROW_COLUMNS.map((c) => quoteIdent(c.name))
  const recordType = ROW_COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.name === 'created_at' ? 'bigint' : c.type}`)
  const select = ROW_COLUMNS.map((c) => (c.name === 'created_at' ? 'to_timestamp(r.created_at)' : `r.${quoteIdent(c.name)}`))
  const set = cols.map((c) => `${c} = EXCLUDED.${c}`)
  const current = cols.map((c) => `t.${c}`)
  const incoming = cols.map((c) => `EXCLUDED.${c}`)
  return (
    `INSERT INTO ${qualifiedTable} AS t (${cols.join(', ')}, updated_at) ` +
    `SELECT ${select.join(', ')}, now() FROM jsonb_to_recordset($1::jsonb) AS r(${recordType.join(', ')}) ` +
    `ON CONFLICT (charge_id) DO UPDATE SET ${set.join(', ')}, updated_at = now() ` +
    `WHERE (${current.join(', ')}) IS DISTINCT FROM (${incoming.join(', ')}) ` +
    `RETURNING (xmax = 0) AS inserted`
  )
}

/** JSON for the batch parameter. Postgres jsonb rejects \u0000, so NULs in Stripe strings are dropped. */
export function batchJson(rows: readonly ChargeRow[]): string {
  const json = JSON.stringify(rows)
  if (!json.includes('\\u0000')) return json
  return JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '') : value))
}

/** Rows with the same charge_id in one batch would make ON CONFLICT fail; the last copy wins. */
export function dedupeById(rows: readonly ChargeRow[]): ChargeRow[] {
  const byId = new Map<string, ChargeRow>()
  for (const row of rows) byId.set(row.charge_id, row)
  return byId.size === rows.length ? [...rows] : [...byId.values()]
}

export async function upsertRows(client: pg.Client, sql: string, rows: readonly ChargeRow[]): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0 }
  const result = await client.query<{ inserted: boolean }>(sql, [batchJson(dedupeById(rows))])
  let inserted = 0
  for (const row of result.rows) if (row.inserted) inserted++
  return { inserted, updated: result.rows.length - inserted }
}
