import { specOf } from '../../objects/registry.js'
import type { FeatureDatabase } from '../../report/feature.js'
import { MRR_BY_PRODUCT_VIEW, MRR_MONTHLY_VIEW, MRR_VIEW } from './mrr-views.js'
import { RECEIVABLES_VIEW } from './views.js'

/**
 * What recurring revenue reads back from the database after the sync, as typed rows: the SQL of its tables and
 * views lives here; the feature only maps the rows.
 */

export interface MrrRow {
  currency: string
  mrr: string
  active_subscriptions: string
  customers: string
  active_subscribers: string
  trialing_subscriptions: string
  trial_mrr: string
}

/** MRR per currency, largest first. */
export function mrrRows(db: FeatureDatabase): Promise<MrrRow[]> {
  return db.query<MrrRow>(
    `SELECT currency, mrr, active_subscriptions, customers, active_subscribers, trialing_subscriptions, trial_mrr
       FROM ${db.table(MRR_VIEW)} ORDER BY mrr DESC, currency`,
    [],
    { planned: 'heavy' }
  )
}

export interface MrrMonthRow {
  month: string
  currency: string
  mrr: string
  new_mrr: string
  reactivation_mrr: string
  expansion_mrr: string
  contraction_mrr: string
  churned_mrr: string
  active_subscribers: string
  new_subscribers: string
  churned_subscribers: string
  subscriber_churn_rate: string | null
}

/** The last `months` month ends of stripe_mrr_monthly (the current month included), oldest first. */
export function mrrMonthRows(db: FeatureDatabase, months: number): Promise<MrrMonthRow[]> {
  return db.query<MrrMonthRow>(
    `SELECT month::text AS month, currency, mrr, new_mrr, reactivation_mrr, expansion_mrr, contraction_mrr, churned_mrr,
            active_subscribers, new_subscribers, churned_subscribers, subscriber_churn_rate::text AS subscriber_churn_rate
       FROM ${db.table(MRR_MONTHLY_VIEW)}
      WHERE month > (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1))::date
      ORDER BY month, currency`,
    [months],
    { planned: 'heavy' }
  )
}

/** Each currency's products with the most MRR (summed over their prices), at most `perCurrency` each. */
export function topProductRows(
  db: FeatureDatabase,
  perCurrency: number
): Promise<Array<{ currency: string; product_id: string | null; product_name: string | null; mrr: string }>> {
  return db.query(
    `SELECT currency, product_id, product_name, mrr FROM (
       SELECT currency, product_id, max(product_name) AS product_name, sum(mrr)::bigint AS mrr,
              row_number() OVER (PARTITION BY currency ORDER BY sum(mrr) DESC, product_id) AS rank
         FROM ${db.table(MRR_BY_PRODUCT_VIEW)}
        GROUP BY currency, product_id HAVING sum(mrr) > 0) ranked
      WHERE rank <= $1 ORDER BY currency, rank`,
    [perCurrency],
    { planned: 'heavy' }
  )
}

/** Subscriptions started and canceled since a time (Unix seconds). */
export async function subscriptionChanges(db: FeatureDatabase, since: number): Promise<{ started: number; canceled: number }> {
  const [row] = await db.query<{ started: string; canceled: string }>(
    `SELECT count(*) FILTER (WHERE start_date >= to_timestamp($1)) AS started, count(*) FILTER (WHERE canceled_at >= to_timestamp($1)) AS canceled
       FROM ${db.table(specOf('subscriptions').table)}`,
    [since]
  )
  return { started: Number(row?.started ?? 0), canceled: Number(row?.canceled ?? 0) }
}

/** Open invoices by days overdue, per currency, largest total first. */
export function receivablesRows(db: FeatureDatabase): Promise<Array<Record<string, string>>> {
  return db.query(`SELECT * FROM ${db.table(RECEIVABLES_VIEW.name)} ORDER BY total DESC, currency`)
}
