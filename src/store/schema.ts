import type pg from 'pg'
import type { Column } from '../objects/spec.js'
import { qualified, quoteIdent } from './columns.js'
import { DatabaseError } from './connect.js'

export class DuplicateIdsError extends DatabaseError {
  constructor(schema: string, table: string, column: string, duplicates: number) {
    const t = qualified(schema, table)
    const c = quoteIdent(column)
    super(
      `Table ${t} already holds ${duplicates} ${column} value(s) stored more than once, so it cannot get the unique key on ${column} ` +
        `that makes re-runs safe. Remove the extra copies, keeping the oldest, then re-run:\n` +
        `  DELETE FROM ${t} a USING ${t} b WHERE a.${c} = b.${c} AND a.ctid > b.ctid;`
    )
    this.name = 'DuplicateIdsError'
  }
}

/** What a table needs: its columns, its key, its indexes. */
export interface TableDefinition {
  table: string
  columns: readonly Column[]
  idColumn: string
  indexes: readonly string[]
  /** More columns with a unique index of their own (NULLs allowed many times): a feature's "one open at a time". */
  unique?: readonly string[]
  /**
   * A feature's own table the run can do without, and what the run lacks then: a role that may not
   * create it runs on, saying so, and is given the statement for an owner to run.
   */
  optional?: string
}

/**
 * An index a feature reads an object's table through, beyond the object's own: made when missing
 * (once, on an existing table too), by a role that may; without it the feature reads more slowly.
 */
export interface IndexDefinition {
  table: string
  /** `<table>_<suffix>_idx`: at most 10 characters, as the table name's limit leaves room for. */
  suffix: string
  /** Its keys: columns or expressions (an expression in parentheses). */
  keys: readonly string[]
  /** What it is for (the log says it once made). */
  about: string
  /** What the run does without it: said when a role may not make it. */
  without: string
}

export interface TableReport {
  table: string
  createdTable: boolean
  addedColumns: string[]
  addedUniqueKey: boolean
}

/** The index name for a column: `<table>_<column>_idx`. Config keeps table names short enough for it. */
export function indexName(table: string, column: string): string {
  return `${table}_${column}_idx`
}

/**
 * Makes one table ready inside the caller's transaction: creates it when missing; for an existing
 * table (such as one made for the original job) adds missing columns and the unique key. Statements
 * that need CREATE privileges run only when something is missing, so later runs need none.
 */
export async function ensureTable(client: pg.Client, schema: string, def: TableDefinition): Promise<TableReport> {
  const { table, columns, idColumn } = def
  const report: TableReport = { table, createdTable: false, addedColumns: [], addedUniqueKey: false }
  const t = qualified(schema, table)
  const kind = await client.query<{ relkind: string }>(
    'SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
    [schema, table]
  )
  const relkind = kind.rows[0]?.relkind
  if (relkind !== undefined && relkind !== 'r' && relkind !== 'p') {
    const what: Record<string, string> = { v: 'a view', m: 'a materialized view', i: 'an index', S: 'a sequence', f: 'a foreign table', c: 'a type' }
    throw new DatabaseError(
      `${t} is ${what[relkind] ?? 'not a table'}, not a table the action can write to. Choose another name (input \`table\`) or \`schema\`.`
    )
  }
  if (relkind === undefined) {
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}${c.default ? ` DEFAULT ${c.default}` : ''}`)
    await client.query(`CREATE TABLE ${t} (${defs.join(', ')})`)
    report.createdTable = true
  } else {
    const existing = await client.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
      [schema, table]
    )
    const have = new Set(existing.rows.map((r) => r.column_name))
    for (const c of columns.filter((col) => !have.has(col.name))) {
      await client.query(`ALTER TABLE ${t} ADD COLUMN ${quoteIdent(c.name)} ${c.type}${c.default ? ` DEFAULT ${c.default}` : ''}`)
      report.addedColumns.push(c.name)
    }
  }
  if (!(await hasUniqueKeyOn(client, schema, table, idColumn))) {
    const dup = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT ${quoteIdent(idColumn)} FROM ${t} WHERE ${quoteIdent(idColumn)} IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d`
    )
    const duplicates = Number(dup.rows[0]?.n ?? 0)
    if (duplicates > 0) throw new DuplicateIdsError(schema, table, idColumn, duplicates)
    await client.query(`CREATE UNIQUE INDEX ${quoteIdent(`${table}_${idColumn}_key`)} ON ${t} (${quoteIdent(idColumn)})`)
    report.addedUniqueKey = true
  }
  if (report.createdTable || report.addedColumns.length > 0 || report.addedUniqueKey) {
    for (const column of def.indexes) {
      await client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName(table, column))} ON ${t} (${quoteIdent(column)})`)
    }
    for (const column of def.unique ?? []) {
      await client.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(`${table}_${column}_key`)} ON ${t} (${quoteIdent(column)})`)
    }
  }
  return report
}

/** Makes a feature's index when it is missing; true when it did. */
export async function ensureIndex(client: pg.Client, schema: string, def: IndexDefinition): Promise<boolean> {
  const name = indexName(def.table, def.suffix)
  if (await relationExists(client, schema, name)) return false
  await client.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${qualified(schema, def.table)} (${def.keys.join(', ')})`)
  return true
}

/** A unique, non-partial index on exactly this column: what ON CONFLICT (column) needs. */
async function hasUniqueKeyOn(client: pg.Client, schema: string, table: string, column: string): Promise<boolean> {
  const result = await client.query(
    `SELECT 1
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL
        AND i.indnatts = 1 AND a.attname = $3`,
    [schema, table, column]
  )
  return (result.rowCount ?? 0) > 0
}

/** Creates one of the action's bookkeeping tables when it is missing (`body`: its columns and keys); true when it did. */
export async function createIfMissing(client: pg.Client, schema: string, table: string, body: string): Promise<boolean> {
  if (await relationExists(client, schema, table)) return false
  await client.query(`CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (${body})`)
  return true
}

/** Whether a relation exists (table or view). */
export async function relationExists(client: pg.Client, schema: string, name: string): Promise<boolean> {
  const result = await client.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [qualified(schema, name)])
  return result.rows[0]?.r != null
}
