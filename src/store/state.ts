import type pg from 'pg'
import { createIfMissing } from './schema.js'
import { qualified } from './columns.js'

export const STATE_TABLE = 'stripe_sync_state'

/**
 * Where an incremental sync stands, one row per (account, object table, filter).
 * Every object created before `cursorCreated` is stored, and so are `cursorIds`, the objects
 * created in the second `cursorCreated` itself; the next run resumes there.
 */
export interface SyncState {
  account: string
  tableName: string
  statusFilter: string
  cursorCreated: number
  cursorIds: string[]
  /** The newest change event already replayed; null when none existed yet. */
  lastEventId: string | null
  /** The next run reads events created from this second on (at least; see eventsSince). */
  lastEventCreated: number | null
  /** When events were last replayed up to "now"; null before the first replay point is set. */
  eventsCheckedAt: Date | null
  lastRunFinishedAt: Date | null
  apiVersion: string
  /**
   * Every object created before this second was seen by a list request (the cursor may be ahead
   * of it: the change stream showed that nothing was created in between). A daily list pass brings
   * it up to the cursor, catching any object created without an event. Null: the cursor.
   * Undefined: the state table predates the column (an owner has not upgraded it yet): then every
   * run lists, as before, since nothing could remember what was skipped.
   */
  listedThrough?: number | null
  /**
   * Ids of the events of this object's types read last run with `created` in the window the next
   * run reads again (late events: an event may be listed some time after its `created`): the next
   * run skips them, so the window costs a page, not a re-fetch of every object it names.
   * Undefined: the state table predates the column; then no window is read again.
   */
  recentEventIds?: string[]
  /**
   * Spans of `created` seconds after the cursor already stored completely by a concurrent backfill
   * that has not finished: a resumed run skips them. Empty once the cursor has caught up.
   */
  doneRanges: Array<[number, number]>
}

/** Identifies a cursor row: (account, table, filter). */
export type StateKey = Pick<SyncState, 'account' | 'tableName' | 'statusFilter'>

/** Moves the cursor over done spans that now join it, and forgets spans behind it. */
export function advanceWatermark(state: SyncState): void {
  state.doneRanges.sort((x, y) => x[0] - y[0])
  while (state.doneRanges.length > 0 && state.doneRanges[0]![0] <= state.cursorCreated) {
    const [, end] = state.doneRanges.shift()!
    if (end > state.cursorCreated) {
      state.cursorCreated = end
      state.cursorIds = []
    }
  }
}

export async function ensureStateTable(client: pg.Client, schema: string): Promise<boolean> {
  return createIfMissing(
    client,
    schema,
    STATE_TABLE,
    `
    account text NOT NULL,
    table_name text NOT NULL,
    status_filter text NOT NULL,
    cursor_created bigint NOT NULL,
    cursor_ids text[] NOT NULL DEFAULT '{}',
    last_event_id text,
    last_event_created bigint,
    events_checked_at timestamptz,
    last_run_finished_at timestamptz,
    api_version text NOT NULL,
    done_ranges jsonb NOT NULL DEFAULT '[]',
    listed_through bigint,
    recent_event_ids text[],
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, table_name, status_filter)
  `
  )
}

/** Columns added to the state table after it was first released, with their types: added in place on older tables. */
export const LATER_STATE_COLUMNS = { listed_through: 'bigint', recent_event_ids: 'text[]' } as const
export type LaterStateColumn = keyof typeof LATER_STATE_COLUMNS
const LATER = Object.keys(LATER_STATE_COLUMNS) as LaterStateColumn[]

export function upgradeStateSql(schema: string): string {
  const add = LATER.map((column) => `ADD COLUMN IF NOT EXISTS ${column} ${LATER_STATE_COLUMNS[column]}`)
  return `ALTER TABLE ${qualified(schema, STATE_TABLE)} ${add.join(', ')}`
}

/** Which later columns the state table has: all when it does not exist yet (it will be made with them). */
export async function stateColumns(client: pg.Client, schema: string): Promise<ReadonlySet<LaterStateColumn>> {
  const table = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [qualified(schema, STATE_TABLE)])
  if (!table.rows[0]?.t) return new Set(LATER)
  const has = await client.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = ANY($3)',
    [schema, STATE_TABLE, LATER]
  )
  const present = new Set(has.rows.map((r) => r.column_name))
  return new Set(LATER.filter((c) => present.has(c)))
}

/** Whether the state table has every column of this version. */
export function stateTableCurrent(columns: ReadonlySet<LaterStateColumn>): boolean {
  return LATER.every((c) => columns.has(c))
}

interface StateRow {
  account: string
  table_name: string
  status_filter: string
  cursor_created: string
  cursor_ids: string[]
  last_event_id: string | null
  last_event_created: string | null
  events_checked_at: Date | null
  last_run_finished_at: Date | null
  api_version: string
  done_ranges: Array<[number, number]>
  listed_through?: string | null
  recent_event_ids?: string[] | null
}

export async function loadState(client: pg.Client, schema: string, key: StateKey): Promise<SyncState | undefined> {
  const result = await client.query<StateRow>(`SELECT * FROM ${qualified(schema, STATE_TABLE)} WHERE account = $1 AND table_name = $2 AND status_filter = $3`, [
    key.account,
    key.tableName,
    key.statusFilter
  ])
  const row = result.rows[0]
  if (!row) return undefined
  return {
    account: row.account,
    tableName: row.table_name,
    statusFilter: row.status_filter,
    cursorCreated: Number(row.cursor_created),
    cursorIds: row.cursor_ids,
    lastEventId: row.last_event_id,
    lastEventCreated: row.last_event_created === null ? null : Number(row.last_event_created),
    eventsCheckedAt: row.events_checked_at,
    lastRunFinishedAt: row.last_run_finished_at,
    apiVersion: row.api_version,
    doneRanges: row.done_ranges,
    listedThrough: !('listed_through' in row) ? undefined : row.listed_through === null ? null : Number(row.listed_through),
    recentEventIds: !('recent_event_ids' in row) ? undefined : (row.recent_event_ids ?? [])
  }
}

export async function saveState(client: pg.Client, schema: string, state: SyncState): Promise<void> {
  // A table not upgraded yet lacks the later columns (and such a state has none to save).
  const later: Array<[LaterStateColumn, unknown]> = []
  if (state.listedThrough !== undefined) later.push(['listed_through', state.listedThrough])
  if (state.recentEventIds !== undefined) later.push(['recent_event_ids', state.recentEventIds])
  const columns = later.map(([c]) => `${c}, `).join('')
  const values = later.map((_, i) => `$${12 + i}, `).join('')
  const updates = later.map(([c]) => `${c} = EXCLUDED.${c}, `).join('')
  await client.query(
    `INSERT INTO ${qualified(schema, STATE_TABLE)} AS s
       (account, table_name, status_filter, cursor_created, cursor_ids, last_event_id, last_event_created,
        events_checked_at, last_run_finished_at, api_version, done_ranges, ${columns}updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ${values}now())
     ON CONFLICT (account, table_name, status_filter) DO UPDATE SET
       cursor_created = EXCLUDED.cursor_created, cursor_ids = EXCLUDED.cursor_ids,
       last_event_id = EXCLUDED.last_event_id, last_event_created = EXCLUDED.last_event_created,
       events_checked_at = EXCLUDED.events_checked_at, last_run_finished_at = EXCLUDED.last_run_finished_at,
       api_version = EXCLUDED.api_version, done_ranges = EXCLUDED.done_ranges, ${updates}updated_at = now()`,
    [
      state.account,
      state.tableName,
      state.statusFilter,
      state.cursorCreated,
      state.cursorIds,
      state.lastEventId,
      state.lastEventCreated,
      state.eventsCheckedAt,
      state.lastRunFinishedAt,
      state.apiVersion,
      JSON.stringify(state.doneRanges),
      ...later.map(([, v]) => v)
    ]
  )
}
