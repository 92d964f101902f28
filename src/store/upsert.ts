import type pg from 'pg'
import type { Column, Row } from '../objects/spec.js'
import { cleanJson } from './clean.js'
import { quoteIdent } from './columns.js'

export interface WriteCounts {
  inserted: number
  updated: number
}

/**
 * The one statement that writes a batch: rows arrive as a single JSON parameter, are inserted, and
 * on conflict update only when the stored data differs — so a re-run changes nothing, and
 * `updated_at` moves only when Stripe's data did. `processed_at` is set on insert and never again;
 * bookkeeping columns marked `resetOnChange` are cleared when the data changes.
 */
export function upsertSql(qualifiedTable: string, columns: readonly Column[], idColumn: string): string {
  const written = columns.filter((c) => c.fromRow)
  const cols = written.map((c) => quoteIdent(c.name))
  const isTime = (c: Column) => c.type === 'timestamptz'
  const recordType = written.map((c) => `${quoteIdent(c.name)} ${isTime(c) ? 'double precision' : c.type}`)
  const select = written.map((c) => (isTime(c) ? `to_timestamp(r.${quoteIdent(c.name)})` : `r.${quoteIdent(c.name)}`))
  const set = [...cols.map((c) => `${c} = EXCLUDED.${c}`), ...columns.filter((c) => c.resetOnChange).map((c) => `${quoteIdent(c.name)} = NULL`)]
  const current = cols.map((c) => `t.${c}`)
  const incoming = cols.map((c) => `EXCLUDED.${c}`)
  return (
    `INSERT INTO ${qualifiedTable} AS t (${cols.join(', ')}, updated_at) ` +
    `SELECT ${select.join(', ')}, now() FROM jsonb_to_recordset($1::jsonb) AS r(${recordType.join(', ')}) ` +
    `ON CONFLICT (${quoteIdent(idColumn)}) DO UPDATE SET ${set.join(', ')}, updated_at = now() ` +
    `WHERE (${current.join(', ')}) IS DISTINCT FROM (${incoming.join(', ')}) ` +
    `RETURNING (xmax = 0) AS inserted`
  )
}

/**
 * Rows with the same id in one batch would make ON CONFLICT fail: the last copy wins. Sorted by id,
 * so concurrent writers lock rows in one order.
 */
export function dedupeById(rows: readonly Row[], idColumn: string): Row[] {
  const byId = new Map<string, Row>()
  for (const row of rows) byId.set(String(row[idColumn]), row)
  return [...byId.values()].sort((a, b) => (String(a[idColumn]) < String(b[idColumn]) ? -1 : 1))
}

export async function upsertRows(client: pg.Client, sql: string, rows: readonly Row[], idColumn: string): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0 }
  const result = await client.query<{ inserted: boolean }>(sql, [cleanJson(dedupeById(rows, idColumn))])
  let inserted = 0
  for (const row of result.rows) if (row.inserted) inserted++
  return { inserted, updated: result.rows.length - inserted }
}
