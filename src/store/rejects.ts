import type pg from 'pg'
import { createIfMissing } from './schema.js'
import { qualified } from './columns.js'

/**
 * The quarantine: objects Stripe returned that could not be stored (a malformed shape, or a value
 * Postgres refuses). Kept with the reason and the object as text; each later run retries them and
 * marks them resolved once stored. The sync itself moves on.
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
    PRIMARY KEY (object_type, object_id)
  `
  )
}

/** Text Postgres accepts: NULs dropped, lone surrogates replaced, kept within 1 MB. */
export function rawText(object: unknown): string {
  let text: string
  try {
    text = JSON.stringify(object) ?? String(object)
  } catch {
    text = String(object)
  }
  text = text.toWellFormed().replaceAll('\u0000', '')
  return text.length > 1_000_000 ? `${text.slice(0, 1_000_000)}…` : text
}

export async function saveRejects(client: pg.Client, schema: string, rejects: readonly Reject[]): Promise<void> {
  if (rejects.length === 0) return
  await client.query(
    `INSERT INTO ${qualified(schema, REJECTS_TABLE)} AS r (object_type, object_id, reason, raw)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
     ON CONFLICT (object_type, object_id) DO UPDATE SET reason = EXCLUDED.reason, raw = EXCLUDED.raw,
       last_seen_at = now(), attempts = r.attempts + 1, resolved_at = NULL`,
    [
      rejects.map((r) => r.objectType),
      rejects.map((r) => r.id.toWellFormed().replaceAll('\u0000', '')),
      rejects.map((r) => r.reason.toWellFormed().replaceAll('\u0000', '')),
      rejects.map((r) => r.raw)
    ]
  )
}

/** Quarantined ids of one object type, last seen before `before`, not yet stored. */
export async function openRejects(client: pg.Client, schema: string, objectType: string, before: Date): Promise<string[]> {
  const result = await client.query<{ object_id: string }>(
    `SELECT object_id FROM ${qualified(schema, REJECTS_TABLE)} WHERE object_type = $1 AND resolved_at IS NULL AND last_seen_at < $2 ORDER BY first_seen_at`,
    [objectType, before]
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
