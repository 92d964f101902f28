import { exponentSql } from '../../currency.js'
import { DAY_SECONDS, isoDay } from '../../time.js'
import { dayStart, wallSeconds } from '../../zone.js'
import type { MonitorContext } from './monitor.js'
import { WEEKS, type Window } from './calendar.js'

/**
 * SQL the monitors share. Every query answers for every account at once (`GROUP BY account_id`):
 * a Connect platform's thousand accounts cost one query, not a thousand. Windows are read through
 * the tables' `created_at` index, a range each.
 */

export const WEEK = 7 * 86400
export const HOUR = 3600

export type { Window }

/**
 * How many of the `WEEKS` weeks before a stretch of `seconds` ending now an account's `days` of
 * history cover whole: the weeks a relative monitor compares with (a week before the first sale is
 * not a week without sales). At least 1.
 */
export function weeksCovered(days: number, seconds: number): number {
  return Math.max(1, Math.min(WEEKS, Math.floor((days * DAY_SECONDS - seconds) / WEEK)))
}

/** The account a row belongs to, as the monitors key it ('' for the key's own account in a one-account run). */
export const ACCOUNT = `coalesce(t.account_id, '')`

/**
 * The rows of a table in each window, as one relation (use it `AS t`) with the window's number `i`
 * (from 1): a UNION ALL of `created_at` ranges, so each window is read through the index however
 * many there are (one join over a list of windows lets the planner scan the whole table).
 * Parameters from `$first` on: two per window.
 */
export function inWindows(table: string, windows: readonly Window[], first = 1): { sql: string; params: number[] } {
  const parts = windows.map(
    (_, k) =>
      `SELECT ${k + 1} AS i, x.* FROM ${table} x WHERE x.created_at >= to_timestamp($${first + 2 * k}::float8) AND x.created_at < to_timestamp($${first + 2 * k + 1}::float8)`
  )
  return { sql: `(${parts.join(' UNION ALL ')})`, params: windows.flatMap((w) => [w[0], w[1]]) }
}

/**
 * Aggregates of a table's rows per account and window (`created_at` in it), `where` narrowing the
 * rows (over alias `t`); `select`: named aggregate expressions. Returns, per account, one row per
 * window in order (zeros where it has none).
 */
export async function perWindow<K extends string>(
  ctx: Pick<MonitorContext, 'query'>,
  table: string,
  windows: readonly Window[],
  select: Readonly<Record<K, string>>,
  where = 'true'
): Promise<Map<string, Array<Record<K, number>>>> {
  const names = Object.keys(select) as K[]
  const rows = inWindows(table, windows)
  const found = await ctx.query<Record<string, unknown>>(
    `SELECT ${ACCOUNT} AS account, t.i::int AS i, ${names.map((n) => `(${select[n]})::float8 AS "${n}"`).join(', ')}
       FROM ${rows.sql} t
      WHERE ${where}
      GROUP BY 1, 2`,
    rows.params
  )
  const zero = () => Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>
  const out = new Map<string, Array<Record<K, number>>>()
  for (const r of found) {
    const account = String(r.account)
    let list = out.get(account)
    if (!list) out.set(account, (list = windows.map(zero)))
    const entry = list[Number(r.i) - 1]!
    for (const n of names) entry[n] = Number(r[n] ?? 0)
  }
  return out
}

/**
 * The index the monitors read each account's charges through: the account (as they key it), then
 * `created_at`, with the columns their counts filter on, so a count is answered from the index alone
 * and the accounts are found by a skip scan — a probe an account, not a pass over a million rows.
 * The feature asks the run to make it; without it (a role that may not) the same answers come slower.
 */
export const ACCOUNT_INDEX = {
  suffix: 'monitor',
  keys: [`(coalesce(account_id, ''))`, 'created_at', 'status', 'payment_method_type', 'account_id']
} as const

/** Each account's rows in a `eachAccount` select: over alias `t`, of the account `a.account`. */
const OF_ACCOUNT = `${ACCOUNT} = a.account`

/**
 * One row per account of a table with `ACCOUNT_INDEX` (`account`, then `select`, whose subqueries
 * read that account's rows `WHERE ${OF_ACCOUNT}`): the accounts are found by a recursive skip scan
 * of the index, one probe each.
 */
function eachAccount(table: string, select: string): string {
  return `WITH RECURSIVE a(account) AS (
      (SELECT coalesce(x.account_id, '') FROM ${table} x ORDER BY 1 LIMIT 1)
      UNION ALL
      SELECT (SELECT coalesce(x.account_id, '') FROM ${table} x WHERE coalesce(x.account_id, '') > a.account ORDER BY 1 LIMIT 1) FROM a WHERE a.account IS NOT NULL)
    SELECT a.account, ${select} FROM a WHERE a.account IS NOT NULL`
}

/** History past which nothing changes: the weeks compared, a week's window before them, a day to spare. */
const HISTORY_ENOUGH = ((WEEKS + 1) * 7 + 1) * DAY_SECONDS

/**
 * How many days of history each account has in a table before `at`: the data the sync stored,
 * not the monitor's age (a first run that backfills eight weeks monitors at once).
 */
export function historyDays(ctx: MonitorContext, table: string): Promise<Map<string, number>> {
  return ctx.once(`history ${table}`, async () => {
    const since = `extract(epoch FROM min(t.created_at))::float8`
    const rows = ctx.indexed(table)
      ? // Each account's oldest row: a probe of the monitors' index an account.
        await ctx.query<{ account: string; since: number | null }>(
          eachAccount(table, `(SELECT ${since} FROM ${table} t WHERE ${OF_ACCOUNT} AND t.created_at < to_timestamp($1::float8)) AS since`),
          [ctx.at]
        )
      : ctx.accounts
        ? // Several accounts without it: each one's, in one pass over the weeks the monitors compare with and the longest
          // window a level allows (a week): past them, more history changes nothing.
          await ctx.query<{ account: string; since: number }>(
            `SELECT ${ACCOUNT} AS account, ${since} AS since FROM ${table} t
              WHERE t.created_at >= to_timestamp($1::float8 - $2::float8) AND t.created_at < to_timestamp($1::float8) GROUP BY 1`,
            [ctx.at, HISTORY_ENOUGH]
          )
        : // One account: its oldest row, read from the created_at index.
          await ctx.query<{ account: string; since: number }>(
            `SELECT ${ACCOUNT} AS account, extract(epoch FROM t.created_at)::float8 AS since FROM ${table} t WHERE t.created_at < to_timestamp($1::float8) ORDER BY t.created_at LIMIT 1`,
            [ctx.at]
          )
    return new Map(rows.filter((r) => r.since !== null).map((r) => [String(r.account), (ctx.at - Number(r.since)) / DAY_SECONDS]))
  })
}

/** How far back the last sale is looked for: the weeks compared and the week before them. */
export const LAST_SALE_LOOKBACK = HISTORY_ENOUGH

/**
 * Each account's newest row (`where`, over alias `t`) before `at`, within `LAST_SALE_LOOKBACK`
 * (Unix seconds); an account with none there is left out. With the monitors' index, a probe an
 * account from its newest end; one account, one probe of the created_at index.
 */
export async function lastRows(ctx: MonitorContext, table: string, where: string): Promise<Map<string, number>> {
  const params = [ctx.at - LAST_SALE_LOOKBACK, ctx.at]
  const range = `t.created_at >= to_timestamp($1::float8) AND t.created_at < to_timestamp($2::float8)`
  const last = `extract(epoch FROM max(t.created_at))::float8`
  const rows = ctx.indexed(table)
    ? await ctx.query<{ account: string; last: number | null }>(
        eachAccount(table, `(SELECT ${last} FROM ${table} t WHERE ${OF_ACCOUNT} AND ${where} AND ${range}) AS last`),
        params
      )
    : ctx.accounts
      ? await ctx.query<{ account: string; last: number | null }>(
          `SELECT ${ACCOUNT} AS account, ${last} AS last FROM ${table} t WHERE ${where} AND ${range} GROUP BY 1`,
          params
        )
      : await ctx.query<{ account: string; last: number | null }>(
          `SELECT ${ACCOUNT} AS account, extract(epoch FROM t.created_at)::float8 AS last FROM ${table} t WHERE ${where} AND ${range} ORDER BY t.created_at DESC LIMIT 1`,
          params
        )
  return new Map(rows.filter((r) => r.last !== null).map((r) => [String(r.account), Number(r.last)]))
}

/**
 * Counts of a table's rows (`where`, over alias `t`) per account between consecutive `bounds`
 * (Unix seconds, ascending): one count a segment, accounts with none left out. With the monitors'
 * index each count is an index range of one account; without, one pass over the rows.
 */
export async function countsBetween(ctx: MonitorContext, table: string, where: string, bounds: readonly number[]): Promise<Map<string, number[]>> {
  const segments = bounds.slice(1).map((_, j) => `t.created_at >= to_timestamp($${j + 1}::float8) AND t.created_at < to_timestamp($${j + 2}::float8)`)
  const rows = ctx.indexed(table)
    ? await ctx.query<Record<string, number | string>>(
        eachAccount(
          table,
          segments.map((range, j) => `(SELECT count(*) FROM ${table} t WHERE ${OF_ACCOUNT} AND ${where} AND ${range})::int AS s${j}`).join(', ')
        ),
        [...bounds]
      )
    : await ctx.query<Record<string, number | string>>(
        `SELECT ${ACCOUNT} AS account, ${segments.map((range, j) => `count(*) FILTER (WHERE ${range})::int AS s${j}`).join(', ')}
           FROM ${table} t
          WHERE ${where} AND t.created_at >= to_timestamp($1::float8) AND t.created_at < to_timestamp($${bounds.length}::float8)
          GROUP BY 1`,
        [...bounds]
      )
  const out = new Map<string, number[]>()
  for (const r of rows) {
    const counts = segments.map((_, j) => Number(r[`s${j}`]))
    if (counts.some((n) => n > 0)) out.set(String(r.account), counts)
  }
  return out
}

/** The key's own account ('' in the monitors' keys) as incidents store it: null. */
export function accountOf(key: string): string | null {
  return key === '' ? null : key
}

/** A card sale, as the networks' dispute ratios count it: a succeeded card charge. */
export const SALE = `t.status = 'succeeded' AND coalesce(t.payment_method_type, 'card') = 'card'`

/** Card details of a charge, from its `raw` (the columns keep none): the card's fingerprint, else the charge's own id. */
export const CARD = `coalesce(t.raw->'payment_method_details'->'card'->>'fingerprint', t.charge_id)`
/** Why a charge failed: Stripe's outcome reason (a decline code), else its failure code. */
export const REASON = `coalesce(t.raw->'outcome'->>'reason', t.failure_code, 'unknown')`
/** The outcome type of a charge: authorized, issuer_declined, blocked, invalid, manual_review. */
export const OUTCOME = `coalesce(t.raw->'outcome'->>'type', CASE WHEN t.status = 'failed' THEN 'issuer_declined' ELSE 'authorized' END)`
/** A small amount, "under about 5 dollars" in any currency: 500 in two-decimal currencies, ¥1,000, 5.000 KWD. */
export const SMALL = `t.amount <= CASE ${exponentSql('t.currency')} WHEN 0 THEN 1000 WHEN 3 THEN 5000 ELSE 500 END`

/** Mean of numbers (0 for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}

/** The chart of an incident: the last 7 days in 6-hour blocks of local time, against the lowest and highest of the same blocks over 4 weeks. */
export const BLOCK = 6 * HOUR
const BLOCKS = 28

/**
 * One account's rows (`where`, over alias `t`) in the chart's blocks: the last 7 days in the zone's
 * local time, each block with the lowest and highest count of the same block in the 4 weeks before.
 * One pass over the account's 5 weeks, counted by local block (through the monitors' index when the
 * table has it). `wall`: the block's start as local wall time (seconds, read as UTC) for its label;
 * `partial`: the block in progress.
 */
export async function bandSeries(
  ctx: Pick<MonitorContext, 'query' | 'at'>,
  table: string,
  where: string,
  account: string,
  zone: string
): Promise<Array<{ wall: number; partial: boolean; observed: number; low: number; high: number }>> {
  const now = wallSeconds(ctx.at, zone)
  const end = Math.ceil(now / BLOCK) * BLOCK
  const weeks = WEEKS + 1
  const start = end - weeks * BLOCKS * BLOCK
  const startDay = isoDay(start)
  // date_part, not extract: a float, where extract computes a numeric for every row.
  const rows = await ctx.query<{ b: number; n: number }>(
    `SELECT floor((date_part('epoch', t.created_at AT TIME ZONE $5::text) - $1::float8) / $2::float8)::int AS b, count(*)::int AS n
       FROM ${table} t
      WHERE ${ACCOUNT} = $3 AND ${where} AND t.created_at >= to_timestamp($6::float8) AND t.created_at < to_timestamp($4::float8)
      GROUP BY 1`,
    [start, BLOCK, account, ctx.at, zone, dayStart(startDay, zone)]
  )
  const counts = new Array<number>(weeks * BLOCKS).fill(0)
  for (const r of rows) if (r.b >= 0 && r.b < counts.length) counts[r.b] = r.n
  return Array.from({ length: BLOCKS }, (_, i) => {
    const at = WEEKS * BLOCKS + i
    const before = Array.from({ length: WEEKS }, (_, k) => counts[at - (k + 1) * BLOCKS]!)
    const wall = end - (BLOCKS - i) * BLOCK
    return { wall, partial: wall + BLOCK > now, observed: counts[at]!, low: Math.min(...before), high: Math.max(...before) }
  })
}
