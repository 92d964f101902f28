import type pg from 'pg'
import type { ObjectName } from '../objects/registry.js'
import { qualified } from './columns.js'
import type { ViewDefinition } from './view-kit.js'

export type { ViewDefinition } from './view-kit.js'

/**
 * The reporting views (each feature declares its own), created with the tables they read. Each is
 * created when missing, and replaced when an older version of the action made it, or the same version
 * with other settings (the version and settings are kept in the view's comment).
 */

const MARK = 'stripe-payment-monitor view v'

/** The view's comment: its version, its settings, and the `uses` tables it could read (`v2 mrr-discounts=forever coupons`). */
function markOf(view: ViewDefinition, available: ReadonlySet<ObjectName>): string {
  const parts = [`${MARK}${view.version}`, ...(view.settings ? [view.settings] : []), ...(view.uses ?? []).filter((name) => available.has(name))]
  return parts.join(' ')
}

/**
 * Creates each view whose tables exist and that is missing, older than this version, or made with
 * other settings. Returns the views created or replaced. Runs in the caller's transaction.
 */
export async function ensureViews(
  client: pg.Client,
  schema: string,
  tables: Readonly<Record<string, string>>,
  exists: (name: ObjectName) => Promise<boolean>,
  views: readonly ViewDefinition[]
): Promise<ViewDefinition[]> {
  const made: ViewDefinition[] = []
  const known = new Map<ObjectName, boolean>()
  const has = async (name: ObjectName) => {
    if (!known.has(name)) known.set(name, Boolean(tables[name]) && (await exists(name)))
    return known.get(name)!
  }
  for (const view of views) {
    let ready = true
    for (const name of view.requires) if (!(await has(name))) ready = false
    if (!ready) continue
    const available = new Set<ObjectName>(view.requires)
    for (const name of view.uses ?? []) if (await has(name)) available.add(name)
    const current = await client.query<{ comment: string | null; kind: string }>(
      `SELECT obj_description(c.oid, 'pg_class') AS comment, c.relkind AS kind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, view.name]
    )
    const row = current.rows[0]
    if (row && row.kind !== 'v') continue
    const mark = markOf(view, available)
    const version = row?.comment?.startsWith(MARK) ? Number.parseInt(row.comment.slice(MARK.length), 10) : row ? 0 : -1
    // A newer action made it: leave it. The same version with the same settings: nothing to do.
    if (version > view.version || row?.comment === mark) continue
    const name = qualified(schema, view.name)
    // A view made before versions were marked (v0) had the same columns as v1.
    if (row && version === 0 && view.version === 1) {
      await client.query(`COMMENT ON VIEW ${name} IS '${mark}'`)
      continue
    }
    await client.query(`CREATE OR REPLACE VIEW ${name} AS\n  ${view.sql(schema, tables, available)}`)
    await client.query(`COMMENT ON VIEW ${name} IS '${mark}'`)
    made.push(view)
  }
  return made
}
