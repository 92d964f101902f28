import type pg from 'pg'
import type { ObjectSpec, Row, RowContext, StripeObject } from '../objects/spec.js'
import { qualified, quoteIdent } from './columns.js'
import { describeDatabaseError } from './connect.js'
import { openRejects, rawText, resolveRejects, saveRejects, type Reject } from './rejects.js'
import { saveState, type SyncState } from './state.js'
import { upsertRows, upsertSql, type WriteCounts } from './upsert.js'

export interface WriteOptions {
  /** The sync state reached with this batch: saved in the same transaction. */
  checkpoint?: SyncState
  /** Ids to mark once (high-value alerts): the result says which were not marked before. */
  claim?: readonly string[]
  /** Objects that failed validation: quarantined in the same transaction. */
  rejects?: readonly Reject[]
  /** Further statements for the same transaction (links between tables). */
  also?: ReadonlyArray<{ text: string; values: unknown[] }>
}

export interface WriteResult extends WriteCounts {
  /** Objects Postgres refused even one by one: quarantined. */
  refused: Reject[]
  /** Of `claim`, the ids marked for the first time. */
  claimed: string[]
}

/** Where a run's objects go: a Postgres table, or nowhere in a dry run. */
export interface ObjectSink<T extends StripeObject = StripeObject> {
  /** Writes one batch in one transaction. */
  write(objects: readonly T[], options?: WriteOptions): Promise<WriteResult>
  /**
   * Re-fetched objects (after change events, a re-sweep or a retry): rows already stored are
   * brought up to date whatever they hold now; new ones are added only when `keep` says so.
   */
  refresh(objects: readonly T[], keep: (object: T) => boolean, options?: WriteOptions): Promise<WriteResult>
  close(): Promise<void>
}

export function dryRunSink<T extends StripeObject>(): ObjectSink<T> {
  const result = (options?: WriteOptions): WriteResult => ({ inserted: 0, updated: 0, refused: [], claimed: [...(options?.claim ?? [])] })
  return {
    write: async (_objects, options) => result(options),
    refresh: async (_objects, _keep, options) => result(options),
    close: async () => {}
  }
}

/** Data Postgres refuses for what it is (SQLSTATE classes 22 data exception, 23 constraint, 54 too large): worth retrying row by row. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'string' && /^(22|23|54)/.test(code)
}

export interface TableSinkOptions {
  schema: string
  table: string
  context: RowContext
  /** Resolves when the tables exist; writes wait for it. */
  ready: Promise<unknown>
  /** The column `claim` marks (charges: alerted_at). */
  claimColumn?: string
}

/** One object's table, on its own connection: batches, checkpoints and quarantine in one transaction each. */
export class TableSink<T extends StripeObject> implements ObjectSink<T> {
  readonly qualifiedTable: string
  private readonly sql: string
  /** Ids of this object in quarantine, not resolved: read once, so writes touch the quarantine only when they must. */
  private quarantined: Promise<Set<string>> | undefined
  /** The transaction before the next one: one connection runs one transaction at a time. */
  private turn: Promise<void> = Promise.resolve()

  /** The connection, once it is open and the tables are ready. */
  private client!: pg.Client
  private readonly opened: Promise<void>

  /**
   * `connection` may still be opening: objects start fetching meanwhile, and the first write waits
   * for it (and for the tables).
   */
  constructor(
    private readonly connection: Promise<pg.Client>,
    readonly spec: ObjectSpec<T>,
    private readonly options: TableSinkOptions
  ) {
    this.qualifiedTable = qualified(options.schema, options.table)
    this.sql = upsertSql(this.qualifiedTable, spec.columns, spec.idColumn)
    this.opened = Promise.all([connection, options.ready]).then(([client]) => {
      this.client = client
    })
    // A failure reaches the first write; until then nobody is waiting for it.
    this.opened.catch(() => {})
  }

  get schema(): string {
    return this.options.schema
  }

  async write(objects: readonly T[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.transaction(() => this.writeInTransaction(objects, options))
  }

  async refresh(objects: readonly T[], keep: (object: T) => boolean, options: WriteOptions = {}): Promise<WriteResult> {
    return this.transaction(async () => {
      const id = quoteIdent(this.spec.idColumn)
      const stored = await this.client.query<{ id: string }>(`SELECT ${id} AS id FROM ${this.qualifiedTable} WHERE ${id} = ANY($1)`, [objects.map((o) => o.id)])
      const existing = new Set(stored.rows.map((r) => r.id))
      const kept = objects.filter((o) => existing.has(o.id) || keep(o))
      const result = await this.writeInTransaction(kept, options)
      // Quarantined earlier and stored now: resolved.
      const quarantined = await this.quarantine()
      const refused = new Set(result.refused.map((r) => r.id))
      const resolved = kept.filter((o) => quarantined.has(o.id) && !refused.has(o.id)).map((o) => o.id)
      if (resolved.length > 0) {
        await resolveRejects(this.client, this.options.schema, this.spec.objectType, resolved)
        for (const id of resolved) quarantined.delete(id)
      }
      return result
    })
  }

  /** Rows of a query on this sink's connection (for steps that read back what was stored). */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    await this.opened
    try {
      return (await this.client.query<R>(sql, params)).rows
    } catch (error) {
      throw describeDatabaseError(error, `read ${this.qualifiedTable}`)
    }
  }

  /** Ids of this object quarantined before `before` and not resolved yet. */
  async openRejects(before: Date): Promise<string[]> {
    await this.opened
    if ((await this.quarantine()).size === 0) return []
    return openRejects(this.client, this.options.schema, this.spec.objectType, before)
  }

  async resolveRejects(ids: readonly string[]): Promise<void> {
    await this.opened
    const quarantined = await this.quarantine()
    const open = ids.filter((id) => quarantined.has(id))
    if (open.length === 0) return
    await resolveRejects(this.client, this.options.schema, this.spec.objectType, open)
    for (const id of open) quarantined.delete(id)
  }

  private quarantine(): Promise<Set<string>> {
    this.quarantined ??= openRejects(this.client, this.options.schema, this.spec.objectType, new Date(8.64e15)).then((ids) => new Set(ids))
    return this.quarantined
  }

  /** Work in one transaction on this connection, after the tables exist; transactions queue up, one at a time. */
  transaction<R>(work: () => Promise<R>): Promise<R> {
    const turn = this.turn.then(() => this.runTransaction(work))
    this.turn = turn.then(
      () => undefined,
      () => undefined
    )
    return turn
  }

  private async runTransaction<R>(work: () => Promise<R>): Promise<R> {
    await this.opened
    try {
      await this.client.query('BEGIN')
      const result = await work()
      await this.client.query('COMMIT')
      return result
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {})
      throw describeDatabaseError(error, `write to ${this.qualifiedTable}`)
    }
  }

  async close(): Promise<void> {
    // After a server restart the connection is already gone; ending it must not hide the real error.
    const client = await this.connection.catch(() => undefined)
    await client?.end().catch(() => {})
  }

  private async writeInTransaction(objects: readonly T[], options: WriteOptions): Promise<WriteResult> {
    const rows: Row[] = []
    const mapped: T[] = []
    const refused: Reject[] = []
    for (const object of objects) {
      try {
        rows.push(this.spec.toRow(object, this.options.context))
        mapped.push(object)
      } catch (error) {
        refused.push(this.reject(object, `could not be read: ${error instanceof Error ? error.message : String(error)}`))
      }
    }
    const counts = await this.upsertSafely(rows, mapped, refused)
    const rejects = [...(options.rejects ?? []), ...refused]
    if (rejects.length > 0) {
      await saveRejects(this.client, this.options.schema, rejects)
      const quarantined = await this.quarantine()
      for (const r of rejects) quarantined.add(r.id)
    }
    let claimed: string[] = []
    if (options.claim && options.claim.length > 0 && this.options.claimColumn) {
      const refusedIds = new Set(refused.map((r) => r.id))
      const ids = options.claim.filter((id) => !refusedIds.has(id))
      const column = quoteIdent(this.options.claimColumn)
      const id = quoteIdent(this.spec.idColumn)
      const result = await this.client.query<{ id: string }>(
        `UPDATE ${this.qualifiedTable} SET ${column} = now() WHERE ${id} = ANY($1) AND ${column} IS NULL RETURNING ${id} AS id`,
        [ids]
      )
      claimed = result.rows.map((r) => r.id)
    }
    for (const statement of options.also ?? []) await this.client.query(statement.text, statement.values)
    if (options.checkpoint) await saveState(this.client, this.options.schema, options.checkpoint)
    return { ...counts, refused, claimed }
  }

  /** The batch in one statement; if Postgres refuses it for its data, row by row, quarantining what it still refuses. */
  private async upsertSafely(rows: Row[], objects: readonly T[], refused: Reject[]): Promise<WriteCounts> {
    const idColumn = this.spec.idColumn
    await this.client.query('SAVEPOINT batch')
    try {
      const counts = await upsertRows(this.client, this.sql, rows, idColumn)
      await this.client.query('RELEASE SAVEPOINT batch')
      return counts
    } catch (error) {
      if (!isDataError(error)) throw error
      await this.client.query('ROLLBACK TO SAVEPOINT batch')
    }
    const total: WriteCounts = { inserted: 0, updated: 0 }
    for (let i = 0; i < rows.length; i++) {
      await this.client.query('SAVEPOINT one')
      try {
        const counts = await upsertRows(this.client, this.sql, [rows[i]!], idColumn)
        total.inserted += counts.inserted
        total.updated += counts.updated
        await this.client.query('RELEASE SAVEPOINT one')
      } catch (error) {
        if (!isDataError(error)) throw error
        await this.client.query('ROLLBACK TO SAVEPOINT one')
        refused.push(this.reject(objects[i]!, `Postgres refused it: ${(error as Error).message}`))
      }
    }
    return total
  }

  private reject(object: T, reason: string): Reject {
    return { objectType: this.spec.objectType, id: String(object?.id ?? '(no id)'), reason, raw: rawText(object) }
  }
}
