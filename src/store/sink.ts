import type pg from 'pg'
import { tablesOf, type ChildHistory, type ChildTable, type ObjectSpec, type Row, type RowContext, type StripeObject } from '../objects/spec.js'
import { qualified, quoteIdent } from './columns.js'
import { describeDatabaseError } from './connect.js'
import { openRejects, rawText, rejectsHaveAccount, resolveRejects, saveRejects, type Reject } from './rejects.js'
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
   * brought up to date whatever they hold now; new ones are added only when `addable` has their id.
   */
  refresh(objects: readonly T[], addable: ReadonlySet<string> | 'all', options?: WriteOptions): Promise<WriteResult>
  /** Objects Stripe deleted: stored from the given copy when there is one, marked with `deleted_at`. */
  markDeleted(entries: ReadonlyArray<{ id: string; object?: T; at: number }>): Promise<WriteResult & { deleted: number }>
  close(): Promise<void>
}

export function dryRunSink<T extends StripeObject>(): ObjectSink<T> {
  const result = (options?: WriteOptions): WriteResult => ({ inserted: 0, updated: 0, refused: [], claimed: [...(options?.claim ?? [])] })
  return {
    write: async (_objects, options) => result(options),
    refresh: async (_objects, _addable, options) => result(options),
    markDeleted: async () => ({ ...result(), deleted: 0 }),
    close: async () => {}
  }
}

/** Data Postgres refuses for what it is (SQLSTATE classes 22 data exception, 23 constraint, 54 too large): worth retrying row by row. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code
  return typeof code === 'string' && /^(22|23|54)/.test(code)
}

/** An object with its row and its children's rows: written together or not at all. */
interface Unit<T> {
  object: T
  row: Row
  /** Rows of each child table, in the order of the spec's children. */
  children: Row[][]
}

/**
 * The two statements that keep a child's versions, for the parents of a batch ($1): close the open
 * version of each child that changed or was removed; open one for each present child without an
 * open version (from its creation time when it has none yet, else from now).
 */
export function historySql(
  schema: string,
  child: Pick<ChildTable<unknown>, 'table' | 'idColumn' | 'parentColumn'> & { removedColumn?: string },
  history: ChildHistory
): string[] {
  const h = qualified(schema, history.table)
  const c = qualified(schema, child.table)
  const q = quoteIdent
  const [childId, parent, start, item] = [q(child.idColumn), q(child.parentColumn), q(history.startColumn), q(history.childColumn)]
  // An object's own history (no removal column): a version closes only when a tracked column changes.
  const removed = child.removedColumn === undefined ? undefined : q(child.removedColumn)
  const wasRemoved = removed ? `c.${removed} IS NOT NULL OR ` : ''
  const present = removed ? ` AND c.${removed} IS NULL` : ''
  const tracked = history.tracked.map(q)
  const copied = history.copied.map(q)
  return [
    `UPDATE ${h} AS h SET valid_to = now() FROM ${c} AS c
      WHERE h.${item} = c.${childId} AND h.valid_to IS NULL AND c.${parent} = ANY($1)
        AND (${wasRemoved}(${tracked.map((t) => `h.${t}`).join(', ')}) IS DISTINCT FROM (${tracked.map((t) => `c.${t}`).join(', ')}))`,
    `INSERT INTO ${h} (id, ${item}, ${copied.join(', ')}, valid_from)
     SELECT c.${childId} || '@' || v.from_epoch::text, c.${childId}, ${copied.map((t) => `c.${t}`).join(', ')}, to_timestamp(v.from_epoch)
       FROM ${c} AS c
      CROSS JOIN LATERAL (SELECT CASE WHEN EXISTS (SELECT 1 FROM ${h} AS o WHERE o.${item} = c.${childId})
                                      THEN extract(epoch FROM now()) ELSE extract(epoch FROM coalesce(c.${start}, now())) END AS from_epoch) AS v
      WHERE c.${parent} = ANY($1)${present}
        AND NOT EXISTS (SELECT 1 FROM ${h} AS o WHERE o.${item} = c.${childId} AND o.valid_to IS NULL)
     ON CONFLICT (id) DO NOTHING`
  ]
}

/** New rows past which a table gets planner statistics (fresh tables have none). */
export const ANALYZE_AFTER_ROWS = 1000

/** Fresh planner statistics for tables of the schema. A role that does not own one gets a notice from Postgres, not an error. */
export async function analyzeTables(client: pg.Client, schema: string, tables: readonly string[]): Promise<void> {
  for (const table of tables) await client.query(`ANALYZE ${qualified(schema, table)}`)
}

export interface TableSinkOptions {
  schema: string
  table: string
  context: RowContext
  /** Resolves when the tables exist; writes wait for it. */
  ready: Promise<unknown>
  /** The column `claim` marks (charges: alerted_at). */
  claimColumn?: string
  /**
   * Several accounts share the table (Connect): what the sync reads back of it (stale rows, payouts
   * to reconcile) is this account's rows only (`account_id` = context.accountId).
   */
  scopeToAccount?: boolean
  /** Called before every commit: throws when the run may no longer write (its lease ran out). */
  beforeCommit?: () => void
}

/** A table as the sync uses it beyond writing: its name, reads, the quarantine, a transaction of its own. */
export interface TableAccess<T extends StripeObject> extends ObjectSink<T> {
  readonly qualifiedTable: string
  /** Rows Stripe changes without an event and now due (`where`, $1 = now in Unix seconds), oldest first. */
  staleRows(where: string, now: number): Promise<Array<{ id: string; created: number }>>
  /** How many rows were created in [from, to) (Unix seconds). */
  countCreated(from: number, to: number): Promise<number>
  /**
   * `AND account_id = $n` when the table is shared by the run's accounts (Connect) and this sink
   * reads back one account's rows; nothing otherwise.
   */
  accountScope(n: number): { sql: string; values: unknown[] }
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>
  openRejects(before: Date): Promise<string[]>
  resolveRejects(ids: readonly string[]): Promise<void>
  transaction<R>(work: () => Promise<R>): Promise<R>
}

/** The ids of objects (the ones a refresh may add). */
export function idsOf(objects: readonly StripeObject[]): Set<string> {
  return new Set(objects.map((o) => o.id))
}

/** One object's table, on its own connection: batches, checkpoints and quarantine in one transaction each. */
export class TableSink<T extends StripeObject> implements ObjectSink<T> {
  readonly qualifiedTable: string
  private readonly sql: string
  /** Per child table: its upsert and its history's statements. */
  private readonly childWrites: ReadonlyArray<{ child: ChildTable<T>; upsert: string; history: string[] }>
  /** The object's own history (a subscription's status). */
  private readonly ownHistorySql: string[]
  /** Ids of this object in quarantine, not resolved: read once, so writes touch the quarantine only when they must. */
  private quarantined: Promise<Set<string>> | undefined
  private rejectsHaveAccount: Promise<boolean> | undefined
  /** The transaction before the next one: one connection runs one transaction at a time. */
  private turn: Promise<void> = Promise.resolve()
  /** Rows the table held when its statistics were last taken (undefined: not read yet), and rows this sink added since. */
  private statsRows: number | undefined
  private addedSinceStats = 0
  /** Whether this run refreshed the tables' statistics as they grew. */
  analyzedDuringRun = false

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
    this.childWrites = (spec.children ?? []).map((child) => ({
      child,
      upsert: upsertSql(qualified(options.schema, child.table), child.columns, child.idColumn),
      history: child.history ? historySql(options.schema, child, child.history) : []
    }))
    this.ownHistorySql = spec.history
      ? historySql(options.schema, { table: options.table, idColumn: spec.idColumn, parentColumn: spec.idColumn }, spec.history)
      : []
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
    const result = await this.transaction(() => this.writeInTransaction(objects, options))
    await this.keepStatistics(result.inserted)
    return result
  }

  /**
   * An object with children or a history joins them on every write (items by subscription, versions
   * by item). A table filled in this run has no statistics: Postgres then guesses that an `= ANY` of
   * 500 parents matches most rows and scans whole tables each batch, so a backfill slows as it grows
   * (0.1 s a batch at 10,000 subscriptions, 0.5 s at 50,000). Its tables are analyzed whenever they
   * have grown fourfold since the statistics were taken: a few times a backfill, cheap while small.
   */
  private async keepStatistics(inserted: number): Promise<void> {
    if (inserted === 0 || (!this.spec.children?.length && !this.spec.history)) return
    this.addedSinceStats += inserted
    this.statsRows ??= await this.transaction(async () => {
      const [row] = (
        await this.client.query<{ n: string }>('SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = to_regclass($1)', [this.qualifiedTable])
      ).rows
      return Number(row?.n ?? 0)
    })
    if (this.addedSinceStats < Math.max(ANALYZE_AFTER_ROWS, 3 * this.statsRows)) return
    await this.transaction(() => analyzeTables(this.client, this.options.schema, tablesOf({ ...this.spec, table: this.options.table })))
    this.statsRows += this.addedSinceStats
    this.addedSinceStats = 0
    this.analyzedDuringRun = true
  }

  async refresh(objects: readonly T[], addable: ReadonlySet<string> | 'all', options: WriteOptions = {}): Promise<WriteResult> {
    return this.transaction(async () => {
      const id = quoteIdent(this.spec.idColumn)
      const stored = await this.client.query<{ id: string }>(`SELECT ${id} AS id FROM ${this.qualifiedTable} WHERE ${id} = ANY($1)`, [objects.map((o) => o.id)])
      const existing = new Set(stored.rows.map((r) => r.id))
      const kept = objects.filter((o) => existing.has(o.id) || addable === 'all' || addable.has(o.id))
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

  accountScope(n: number): { sql: string; values: unknown[] } {
    if (!this.options.scopeToAccount) return { sql: '', values: [] }
    return { sql: ` AND account_id IS NOT DISTINCT FROM $${n}`, values: [this.options.context.accountId ?? null] }
  }

  async staleRows(where: string, now: number): Promise<Array<{ id: string; created: number }>> {
    const scope = this.accountScope(2)
    const rows = await this.query<{ id: string; created: string }>(
      `SELECT ${quoteIdent(this.spec.idColumn)} AS id, extract(epoch FROM created_at)::bigint AS created FROM ${this.qualifiedTable}
        WHERE (${where})${scope.sql} ORDER BY created_at`,
      [now, ...scope.values]
    )
    return rows.map((r) => ({ id: r.id, created: Number(r.created) }))
  }

  async countCreated(from: number, to: number): Promise<number> {
    const scope = this.accountScope(3)
    const [row] = await this.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.qualifiedTable} WHERE created_at >= to_timestamp($1) AND created_at < to_timestamp($2)${scope.sql}`,
      [from, to, ...scope.values]
    )
    return Number(row?.n ?? 0)
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
    return openRejects(this.client, this.options.schema, this.spec.objectType, before, this.accountId)
  }

  async resolveRejects(ids: readonly string[]): Promise<void> {
    await this.opened
    const quarantined = await this.quarantine()
    const open = ids.filter((id) => quarantined.has(id))
    if (open.length === 0) return
    await resolveRejects(this.client, this.options.schema, this.spec.objectType, open)
    for (const id of open) quarantined.delete(id)
  }

  /** The account this sink's objects come from (null: the key's own). */
  private get accountId(): string | null {
    return this.options.context.accountId ?? null
  }

  /** Quarantines objects with their account, once the table is known to record accounts. */
  private async saveRejects(rejects: readonly Reject[]): Promise<void> {
    this.rejectsHaveAccount ??= rejectsHaveAccount(this.client, this.options.schema)
    await saveRejects(this.client, this.options.schema, rejects, (await this.rejectsHaveAccount) ? { id: this.accountId } : undefined)
  }

  private quarantine(): Promise<Set<string>> {
    this.quarantined ??= openRejects(this.client, this.options.schema, this.spec.objectType, new Date(8.64e15), this.accountId).then((ids) => new Set(ids))
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
      this.options.beforeCommit?.()
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

  /** Rows for the objects (and their children); an object that cannot be read is refused. */
  private units(objects: readonly T[], refused: Reject[]): Array<Unit<T>> {
    const units: Array<Unit<T>> = []
    for (const object of objects) {
      try {
        const children = (this.spec.children ?? []).map((child) => child.rows(object, this.options.context))
        units.push({ object, row: this.spec.toRow(object, this.options.context), children })
      } catch (error) {
        refused.push(this.reject(object, `could not be read: ${error instanceof Error ? error.message : String(error)}`))
      }
    }
    return units
  }

  private async writeInTransaction(objects: readonly T[], options: WriteOptions): Promise<WriteResult> {
    const refused: Reject[] = []
    const counts = await this.upsertSafely(this.units(objects, refused), refused)
    const rejects = [...(options.rejects ?? []), ...refused]
    if (rejects.length > 0) {
      await this.saveRejects(rejects)
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

  /**
   * Objects Stripe deleted (a customer, a draft invoice): stored from the deletion event's copy when
   * given, and marked with `deleted_at` — never dropped, never left looking alive.
   */
  async markDeleted(entries: ReadonlyArray<{ id: string; object?: T; at: number }>): Promise<WriteResult & { deleted: number }> {
    return this.transaction(async () => {
      const refused: Reject[] = []
      const counts = await this.upsertSafely(
        this.units(
          entries.flatMap((e) => (e.object ? [e.object] : [])),
          refused
        ),
        refused
      )
      if (refused.length > 0) await this.saveRejects(refused)
      const id = quoteIdent(this.spec.idColumn)
      const marked = await this.client.query(
        `UPDATE ${this.qualifiedTable} AS t SET deleted_at = to_timestamp(d.at), updated_at = now()
           FROM unnest($1::text[], $2::double precision[]) AS d(id, at) WHERE t.${id} = d.id AND t.deleted_at IS NULL`,
        [entries.map((e) => e.id), entries.map((e) => e.at)]
      )
      return { ...counts, refused, claimed: [], deleted: marked.rowCount ?? 0 }
    })
  }

  /** The batch in one statement; if Postgres refuses it for its data, object by object, quarantining what it still refuses. */
  private async upsertSafely(units: ReadonlyArray<Unit<T>>, refused: Reject[]): Promise<WriteCounts> {
    await this.client.query('SAVEPOINT batch')
    try {
      const counts = await this.upsertUnits(units)
      await this.client.query('RELEASE SAVEPOINT batch')
      return counts
    } catch (error) {
      if (!isDataError(error)) throw error
      await this.client.query('ROLLBACK TO SAVEPOINT batch')
    }
    const total: WriteCounts = { inserted: 0, updated: 0 }
    for (const unit of units) {
      await this.client.query('SAVEPOINT one')
      try {
        const counts = await this.upsertUnits([unit])
        total.inserted += counts.inserted
        total.updated += counts.updated
        await this.client.query('RELEASE SAVEPOINT one')
      } catch (error) {
        if (!isDataError(error)) throw error
        await this.client.query('ROLLBACK TO SAVEPOINT one')
        refused.push(this.reject(unit.object, `Postgres refused it: ${(error as Error).message}`))
      }
    }
    return total
  }

  /** Objects and their children; a child its parent no longer lists is marked removed, one that is back is not. */
  private async upsertUnits(units: ReadonlyArray<Unit<T>>): Promise<WriteCounts> {
    const counts = await upsertRows(
      this.client,
      this.sql,
      units.map((u) => u.row),
      this.spec.idColumn
    )
    if (units.length === 0) return counts
    const parents = units.map((u) => u.object.id)
    for (const [n, { child, upsert, history }] of this.childWrites.entries()) {
      const children = units.flatMap((u) => u.children[n] ?? [])
      await upsertRows(this.client, upsert, children, child.idColumn)
      const table = qualified(this.options.schema, child.table)
      const [idc, parent, removed] = [quoteIdent(child.idColumn), quoteIdent(child.parentColumn), quoteIdent(child.removedColumn)]
      const present = children.map((r) => String(r[child.idColumn]))
      await this.client.query(`UPDATE ${table} SET ${removed} = now() WHERE ${parent} = ANY($1) AND ${removed} IS NULL AND NOT (${idc} = ANY($2))`, [
        parents,
        present
      ])
      if (present.length > 0) await this.client.query(`UPDATE ${table} SET ${removed} = NULL WHERE ${idc} = ANY($1) AND ${removed} IS NOT NULL`, [present])
      for (const sql of history) await this.client.query(sql, [parents])
    }
    for (const sql of this.ownHistorySql) await this.client.query(sql, [parents])
    return counts
  }

  private reject(object: T, reason: string): Reject {
    return { objectType: this.spec.objectType, id: String(object?.id ?? '(no id)'), reason, raw: rawText(object) }
  }
}
