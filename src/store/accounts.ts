import type pg from 'pg'
import { qualified, quoteIdent } from './columns.js'
import { connect, describeDatabaseError } from './connect.js'
import { createIfMissing } from './schema.js'

/**
 * Connect across a matrix of runners: the accounts to sync, one row each, in a table the shards
 * share. A shard takes an account by locking its row (`FOR UPDATE SKIP LOCKED`) for as long as it
 * syncs it, then marks it done for the round (the workflow run): no account is synced by two shards
 * at once, uneven accounts balance (a shard takes the next free one), and a killed shard's row is
 * unlocked by the server with its connection, for the others to take.
 */
export const ACCOUNTS_TABLE = 'stripe_sync_accounts'

export async function ensureAccountsTable(client: pg.Client, schema: string): Promise<boolean> {
  return createIfMissing(
    client,
    schema,
    ACCOUNTS_TABLE,
    `
    account_id text PRIMARY KEY,
    round text,
    synced_at timestamptz,
    shard text,
    ok boolean,
    reason text
  `
  )
}

/** One account taken from the queue: its row stays locked until `done`. */
export interface Claim {
  id: string
  done(outcome: { ok: boolean; reason?: string }): Promise<void>
}

export class AccountQueue {
  private constructor(
    private readonly databaseUrl: string,
    private readonly caCert: string | undefined,
    private readonly schema: string,
    readonly round: string,
    private readonly shard: string
  ) {}

  /** The queue of a round, with `ids` offered (accounts already in it keep their rows). */
  static async open(options: {
    client: pg.Client
    databaseUrl: string
    caCert?: string
    schema: string
    round: string
    shard: string
    ids: readonly string[]
  }): Promise<AccountQueue> {
    const table = qualified(options.schema, ACCOUNTS_TABLE)
    try {
      await options.client.query(`INSERT INTO ${table} (account_id) SELECT unnest($1::text[]) ON CONFLICT (account_id) DO NOTHING`, [options.ids])
    } catch (error) {
      throw describeDatabaseError(error, `offer the accounts to the work queue ${table}`)
    }
    return new AccountQueue(options.databaseUrl, options.caCert, options.schema, options.round, options.shard)
  }

  /**
   * A worker of this shard: its own connection, taking accounts of `ids` not yet synced this round,
   * least recently synced first, one at a time, until none is left.
   */
  async worker(ids: readonly string[]): Promise<{ next(): Promise<Claim | undefined>; close(): Promise<void> }> {
    const client = await connect(this.databaseUrl, this.caCert)
    const table = qualified(this.schema, ACCOUNTS_TABLE)
    return {
      next: async () => {
        try {
          await client.query('BEGIN')
          const row = await client.query<{ account_id: string }>(
            `SELECT account_id FROM ${table}
              WHERE account_id = ANY($1) AND round IS DISTINCT FROM $2
              ORDER BY synced_at NULLS FIRST, account_id
              LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [ids, this.round]
          )
          const id = row.rows[0]?.account_id
          if (id === undefined) {
            await client.query('COMMIT')
            return undefined
          }
          return {
            id,
            done: async ({ ok, reason }) => {
              await client.query(`UPDATE ${table} SET round = $2, synced_at = now(), shard = $3, ok = $4, reason = $5 WHERE account_id = $1`, [
                id,
                this.round,
                this.shard,
                ok,
                reason ?? null
              ])
              await client.query('COMMIT')
            }
          }
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw describeDatabaseError(error, `take an account from the work queue ${table}`)
        }
      },
      close: async () => {
        await client.end().catch(() => {})
      }
    }
  }
}

/**
 * Rows written before the platform's own account had an id (one-account runs leave account_id
 * NULL) get it: every table then says whose each row is. Returns the rows filled.
 */
export async function fillAccountId(client: pg.Client, schema: string, tables: readonly string[], accountId: string): Promise<number> {
  let filled = 0
  for (const table of tables) {
    try {
      const result = await client.query(`UPDATE ${qualified(schema, table)} SET ${quoteIdent('account_id')} = $1 WHERE account_id IS NULL`, [accountId])
      filled += result.rowCount ?? 0
    } catch (error) {
      throw describeDatabaseError(error, `fill account_id of ${qualified(schema, table)}`)
    }
  }
  return filled
}
