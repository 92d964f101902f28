import type pg from 'pg'
import { createIfMissing } from './schema.js'
import { cleanValue } from './clean.js'
import { qualified } from './columns.js'

/**
 * The quarantine: objects Stripe returned that could not be stored (a malformed shape, or a value
 * Postgres refuses). Kept with the reason, the object as text and the account it came from; each
 * later run of that account retries them and marks them resolved once stored. The sync itself moves on.
 */
export const REJECTS_TABLE = 'stripe_sync_rejects'

export interface Reject {
  /** Stripe's object type: charge, refund, … */
  objectType: string
  id: string
  reason: string
  /** The object as received (text: it may not be valid JSON for Postgres). */
  raw: string
}

export async function ensureRejectsTable(client: pg.Client, schema: string): Promise<boolean> {
  return createIfMissing(
    client,
    schema,
    REJECTS_TABLE,
    `
    object_type text NOT NULL,
    object_id text NOT NULL,
    reason text NOT NULL,
    raw text,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 1,
    resolved_at timestamptz,
    account_id text,
    PRIMARY KEY (object_type, object_id)
  `
  )
}

/** `account_id` came later: added in place to older quarantine tables (NULL: the key's own account). */
export function upgradeRejectsSql(schema: string): string {
  return `ALTER TABLE ${qualified(schema, REJECTS_TABLE)} ADD COLUMN IF NOT EXISTS account_id text`
}

/** Whether the quarantine table records accounts (false when it does not exist). */
export async function rejectsHaveAccount(client: pg.Client, schema: string): Promise<boolean> {
  const result = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'account_id'`, [
    schema,
    REJECTS_TABLE
  ])
  return (result.rowCount ?? 0) > 0
}

/** The quarantine's objects of one-account runs (account NULL) are the platform's own, like their rows. */
export async function fillRejectsAccount(client: pg.Client, schema: string, accountId: string): Promise<void> {
  if (!(await rejectsHaveAccount(client, schema))) return
  await client.query(`UPDATE ${qualified(schema, REJECTS_TABLE)} SET account_id = $1 WHERE account_id IS NULL`, [accountId])
}

/** Text Postgres accepts: NULs dropped, lone surrogates replaced, kept within 1 MB. */
export function rawText(object: unknown): string {
  let text: string
  try {
    text = JSON.stringify(object) ?? String(object)
  } catch {
    // A BigInt JSON cannot write, or a cycle: the cleaned copy writes the one, String the other.
    try {
      text = JSON.stringify(cleanValue(object)) ?? String(object)
    } catch {
      text = String(object)
    }
  }
  text = text.toWellFormed().replaceAll('\u0000', '')
  return text.length > 1_000_000 ? `${text.slice(0, 1_000_000)}…` : text
}

/**
 * Quarantines objects of one account (`account.id`; null: the key's own); `account` undefined when
 * the table has no account column yet (its owner has not upgraded it).
 */
export async function saveRejects(client: pg.Client, schema: string, rejects: readonly Reject[], account: { id: string | null } | undefined): Promise<void> {
  if (rejects.length === 0) return
  const withAccount = account !== undefined
  await client.query(
    `INSERT INTO ${qualified(schema, REJECTS_TABLE)} AS r (object_type, object_id, reason, raw${withAccount ? ', account_id' : ''})
     SELECT *${withAccount ? ', $5::text' : ''} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
     ON CONFLICT (object_type, object_id) DO UPDATE SET reason = EXCLUDED.reason, raw = EXCLUDED.raw,
       last_seen_at = now(), attempts = r.attempts + 1, resolved_at = NULL${withAccount ? ', account_id = EXCLUDED.account_id' : ''}`,
    [
      rejects.map((r) => r.objectType),
      rejects.map((r) => r.id.toWellFormed().replaceAll('\u0000', '')),
      rejects.map((r) => r.reason.toWellFormed().replaceAll('\u0000', '')),
      rejects.map((r) => r.raw),
      ...(withAccount ? [account.id] : [])
    ]
  )
}

/**
 * Quarantined ids of one object type and account (null: the key's own), last seen before `before`,
 * not yet stored: a run retries only what its key and account can fetch. Read through to_jsonb, a
 * table without the account column yet reads as the key's own.
 */
export async function openRejects(client: pg.Client, schema: string, objectType: string, before: Date, accountId: string | null): Promise<string[]> {
  const result = await client.query<{ object_id: string }>(
    `SELECT object_id FROM ${qualified(schema, REJECTS_TABLE)} AS r
      WHERE object_type = $1 AND resolved_at IS NULL AND last_seen_at < $2 AND to_jsonb(r) ->> 'account_id' IS NOT DISTINCT FROM $3
      ORDER BY first_seen_at`,
    [objectType, before, accountId]
  )
  return result.rows.map((r) => r.object_id)
}

export async function resolveRejects(client: pg.Client, schema: string, objectType: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0
  const result = await client.query(
    `UPDATE ${qualified(schema, REJECTS_TABLE)} SET resolved_at = now() WHERE object_type = $1 AND object_id = ANY($2) AND resolved_at IS NULL`,
    [objectType, ids]
  )
  return result.rowCount ?? 0
}
