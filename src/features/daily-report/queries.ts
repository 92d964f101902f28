import type { FeatureDatabase } from '../../report/feature.js'

/**
 * What the daily report reads back from the database after the sync, as typed rows: the SQL of its tables and
 * views lives here; the feature only maps the rows.
 */

/** Net of succeeded charges per currency created in [from, to). */
export async function chargesNet(db: FeatureDatabase, chargesTable: string, from: number, to: number): Promise<Map<string, number>> {
  const rows = await db.query<{ currency: string; net: string }>(
    `SELECT currency, sum(amount - coalesce(amount_refunded, 0)) AS net FROM ${db.table(chargesTable)}
      WHERE status = 'succeeded' AND created_at >= to_timestamp($1) AND created_at < to_timestamp($2) GROUP BY currency`,
    [from, to]
  )
  return new Map(rows.map((r) => [r.currency.toLowerCase(), Number(r.net)]))
}
