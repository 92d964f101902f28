import type pg from 'pg'
import { createIfMissing } from './schema.js'
import { qualified } from './columns.js'

/**
 * One row per finished run: when it ran, for which account and objects, and how many Stripe
 * requests it made. The interval between runs gives the month's projection of requests (Stripe
 * counts reads against a monthly allocation); people can read it as the history of runs.
 */
export const RUNS_TABLE = 'stripe_sync_runs'

export async function ensureRunsTable(client: pg.Client, schema: string): Promise<boolean> {
  return createIfMissing(
    client,
    schema,
    RUNS_TABLE,
    `
    account text NOT NULL,
    started_at timestamptz NOT NULL,
    objects text NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    stripe_requests integer NOT NULL,
    ok boolean NOT NULL,
    PRIMARY KEY (account, started_at)
  `
  )
}

export interface RunRecord {
  account: string
  objects: string
  startedAt: Date
  stripeRequests: number
  ok: boolean
}

/** A run recorded before this one: when it started, how many Stripe requests it made. */
export interface PastRun {
  startedAt: Date
  stripeRequests: number
}

/** How many earlier runs the projection looks at. */
const RECENT_RUNS = 8

/** Records a run and returns the account's previous runs, newest first (at most 8; none recorded: empty). */
export async function recordRun(client: pg.Client, schema: string, run: RunRecord): Promise<PastRun[]> {
  const table = qualified(schema, RUNS_TABLE)
  const previous = await client.query<{ started_at: Date; stripe_requests: number }>(
    `SELECT started_at, stripe_requests FROM ${table} WHERE account = $1 AND started_at < $2 ORDER BY started_at DESC LIMIT ${RECENT_RUNS}`,
    [run.account, run.startedAt]
  )
  // No sequence: INSERT and SELECT on the table are the only grants a run needs.
  await client.query(`INSERT INTO ${table} (account, objects, started_at, stripe_requests, ok) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
    run.account,
    run.objects,
    run.startedAt,
    run.stripeRequests,
    run.ok
  ])
  return previous.rows.map((r) => ({ startedAt: r.started_at, stripeRequests: r.stripe_requests }))
}

/** What a run that skips reads of the schema's runs: when the copy was last written, and how often runs write it. */
export interface RecentRuns {
  /** When the last run that finished without failing did (the database's clock); undefined before any. */
  lastWrittenAt?: Date
  /** The database's clock at the read. */
  now: Date
  /** The starts of the recent runs, newest first (each run's own clock). */
  starts: Date[]
}

/** The schema's recent runs, all accounts together (none without the runs table). */
export async function recentRuns(client: pg.Client, schema: string): Promise<RecentRuns> {
  const table = qualified(schema, RUNS_TABLE)
  const exists = await client.query<{ r: string | null; now: Date }>('SELECT to_regclass($1) AS r, now() AS now', [table])
  const now = exists.rows[0]!.now
  if (exists.rows[0]!.r === null) return { now, starts: [] }
  const last = await client.query<{ at: Date | null }>(`SELECT max(finished_at) AS at FROM ${table} WHERE ok`)
  const starts = await client.query<{ started_at: Date }>(`SELECT started_at FROM ${table} ORDER BY started_at DESC LIMIT ${RECENT_RUNS + 1}`)
  return { lastWrittenAt: last.rows[0]?.at ?? undefined, now, starts: starts.rows.map((r) => r.started_at) }
}
