import type pg from 'pg'

/**
 * Server settings a provider may set lower than the action's work needs. Hosted poolers and
 * managed roles often cap statements (Supabase's roles, RDS parameter groups), which would cancel a
 * large first write or an index built on a big table part-way through, with a bare "canceling
 * statement" error. Read once a run and said up front, naming the setting and how to raise it.
 */
export interface ServerSettings {
  statementTimeoutMs: number
  idleInTransactionMs: number
}

/** Below this a setting is said: a first backfill's batches, index builds and the views' reads can take longer on a busy server. */
export const SETTING_FLOOR_MS = 60_000

export async function readSettings(client: pg.Client): Promise<ServerSettings> {
  const rows = await client.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout')"
  )
  const ms = (name: string) => Number(rows.rows.find((r) => r.name === name)?.setting ?? 0)
  return { statementTimeoutMs: ms('statement_timeout'), idleInTransactionMs: ms('idle_in_transaction_session_timeout') }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}

/** A warning for each setting shorter than the floor (0 is "no limit"). */
export function settingWarnings(settings: ServerSettings): string[] {
  const warnings: string[] = []
  if (settings.statementTimeoutMs > 0 && settings.statementTimeoutMs < SETTING_FLOOR_MS) {
    warnings.push(
      `Postgres cancels statements after ${seconds(settings.statementTimeoutMs)} (statement_timeout) for this role: a first backfill's writes, ` +
        "an index on a large table or a report's read can take longer, and would fail the run. Raise it for the action's role: " +
        "ALTER ROLE <role> SET statement_timeout = '10min'."
    )
  }
  if (settings.idleInTransactionMs > 0 && settings.idleInTransactionMs < SETTING_FLOOR_MS) {
    warnings.push(
      `Postgres ends a transaction left idle for ${seconds(settings.idleInTransactionMs)} (idle_in_transaction_session_timeout) for this role: ` +
        "shards of a Connect matrix keep an account's queue row locked while they sync it, which takes longer. Raise it for the action's role: " +
        "ALTER ROLE <role> SET idle_in_transaction_session_timeout = '30min'."
    )
  }
  return warnings
}
