import type { FeatureDatabase } from '../../report/feature.js'
import { PLATFORM_REVENUE_VIEW } from './views.js'

/**
 * What Connect reads back from the database after the sync, as typed rows: the SQL of its tables and
 * views lives here; the feature only maps the rows.
 */

/**
 * Net of succeeded charges per account and currency created since a time (Unix seconds), the
 * largest first — by net, or by charges (where amounts are hidden, neither which accounts are
 * listed nor their order may follow the amounts).
 */
export function accountNetRows(
  db: FeatureDatabase,
  chargesTable: string,
  since: number,
  limit: number,
  by: 'net' | 'charges'
): Promise<Array<{ account_id: string | null; currency: string; charges: string; net: string }>> {
  return db.query(
    // Currencies by how many charges they have (amounts of different currencies do not compare), then net or charges.
    `SELECT account_id, currency, count(*) AS charges, sum(amount - coalesce(amount_refunded, 0))::bigint AS net
       FROM ${db.table(chargesTable)}
      WHERE status = 'succeeded' AND created_at >= to_timestamp($1)
      GROUP BY account_id, currency
      ORDER BY sum(count(*)) OVER (PARTITION BY currency) DESC, currency, ${by === 'net' ? 'net DESC' : 'charges DESC'}, account_id LIMIT $2`,
    [since, limit]
  )
}

/** A Connect platform's application fees this month (UTC), per currency. */
export function platformRevenueRows(db: FeatureDatabase): Promise<Array<{ currency: string; fees: string; net: string }>> {
  return db.query(
    `SELECT currency, fees, net FROM ${db.table(PLATFORM_REVENUE_VIEW.name)}
      WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::date ORDER BY fees DESC, currency`
  )
}
