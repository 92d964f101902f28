import { specOf } from '../objects/registry.js'
import type { Database } from './database.js'
import { JOURNAL_VIEW, PAYOUT_RECONCILIATION_VIEW, RECEIVABLES_VIEW } from './views.js'

/**
 * What the report reads back from the database after the sync, as typed rows: the SQL lives here,
 * next to the tables and views it reads; the report only maps the rows.
 */

export interface PayoutRow {
  payout_id: string
  arrival: string | null
  status: string
  currency: string
  amount: string
  balanced: boolean | null
  charges: string
  refunds: string
  disputes: string
  fees: string
  adjustments: string
  other: string
  difference: string
  transaction_count: string
  livemode: boolean | null
}

/** Payouts with their reconciliation, newest first, at most `limit`. */
export function payoutRows(db: Database, ids: readonly string[], limit: number): Promise<PayoutRow[]> {
  return db.query<PayoutRow>(
    `SELECT r.payout_id, extract(epoch FROM r.arrival_date)::bigint AS arrival, r.status, r.currency, r.amount, r.balanced, r.charges, r.refunds,
            r.disputes, r.fees, r.adjustments, r.other, r.difference, r.transaction_count, p.livemode
       FROM ${db.table(PAYOUT_RECONCILIATION_VIEW.name)} r JOIN ${db.table(specOf('payouts').table)} p ON p.id = r.payout_id
      WHERE r.payout_id = ANY($1) ORDER BY p.created_at DESC, r.payout_id DESC LIMIT ${Math.floor(limit)}`,
    [ids]
  )
}

/** Of these payouts, how many balance and how many failed. */
export async function reconciliationCounts(db: Database, ids: readonly string[]): Promise<{ balanced: number; failed: number }> {
  const [row] = await db.query<{ balanced: string; failed: string }>(
    `SELECT count(*) FILTER (WHERE balanced) AS balanced, count(*) FILTER (WHERE status <> 'paid') AS failed
       FROM ${db.table(PAYOUT_RECONCILIATION_VIEW.name)} WHERE payout_id = ANY($1)`,
    [ids]
  )
  return { balanced: Number(row?.balanced ?? 0), failed: Number(row?.failed ?? 0) }
}

export interface JournalRow {
  date: string
  payout_id: string
  account: string
  debit_minor: string | number
  credit_minor: string | number
  currency: string
  memo: string
}

/** The journal lines of these payouts, in order. */
export function journalRows(db: Database, ids: readonly string[]): Promise<JournalRow[]> {
  return db.query<JournalRow>(
    `SELECT date::text AS date, payout_id, account, debit_minor, credit_minor, currency, memo FROM ${db.table(JOURNAL_VIEW.name)}
      WHERE payout_id = ANY($1) ORDER BY date, payout_id, line`,
    [ids]
  )
}

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
export function mrrRows(db: Database): Promise<MrrRow[]> {
  return db.query<MrrRow>(
    `SELECT currency, mrr, active_subscriptions, customers, active_subscribers, trialing_subscriptions, trial_mrr
       FROM ${db.table('stripe_mrr')} ORDER BY mrr DESC, currency`
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
export function mrrMonthRows(db: Database, months: number): Promise<MrrMonthRow[]> {
  return db.query<MrrMonthRow>(
    `SELECT month::text AS month, currency, mrr, new_mrr, reactivation_mrr, expansion_mrr, contraction_mrr, churned_mrr,
            active_subscribers, new_subscribers, churned_subscribers, subscriber_churn_rate::text AS subscriber_churn_rate
       FROM ${db.table('stripe_mrr_monthly')}
      WHERE month > (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1))::date
      ORDER BY month, currency`,
    [months]
  )
}

/** Each currency's products with the most MRR (summed over their prices), at most `perCurrency` each. */
export function topProductRows(
  db: Database,
  perCurrency: number
): Promise<Array<{ currency: string; product_id: string | null; product_name: string | null; mrr: string }>> {
  return db.query(
    `SELECT currency, product_id, product_name, mrr FROM (
       SELECT currency, product_id, max(product_name) AS product_name, sum(mrr)::bigint AS mrr,
              row_number() OVER (PARTITION BY currency ORDER BY sum(mrr) DESC, product_id) AS rank
         FROM ${db.table('stripe_mrr_by_product')}
        GROUP BY currency, product_id HAVING sum(mrr) > 0) ranked
      WHERE rank <= $1 ORDER BY currency, rank`,
    [perCurrency]
  )
}

/** Subscriptions started and canceled since a time (Unix seconds). */
export async function subscriptionChanges(db: Database, since: number): Promise<{ started: number; canceled: number }> {
  const [row] = await db.query<{ started: string; canceled: string }>(
    `SELECT count(*) FILTER (WHERE start_date >= to_timestamp($1)) AS started, count(*) FILTER (WHERE canceled_at >= to_timestamp($1)) AS canceled
       FROM ${db.table(specOf('subscriptions').table)}`,
    [since]
  )
  return { started: Number(row?.started ?? 0), canceled: Number(row?.canceled ?? 0) }
}

/** Open invoices by days overdue, per currency, largest total first. */
export function receivablesRows(db: Database): Promise<Array<Record<string, string>>> {
  return db.query(`SELECT * FROM ${db.table(RECEIVABLES_VIEW.name)} ORDER BY total DESC, currency`)
}

/** Net of succeeded charges per currency created in [from, to). */
export async function chargesNet(db: Database, chargesTable: string, from: number, to: number): Promise<Map<string, number>> {
  const rows = await db.query<{ currency: string; net: string }>(
    `SELECT currency, sum(amount - coalesce(amount_refunded, 0)) AS net FROM ${db.table(chargesTable)}
      WHERE status = 'succeeded' AND created_at >= to_timestamp($1) AND created_at < to_timestamp($2) GROUP BY currency`,
    [from, to]
  )
  return new Map(rows.map((r) => [r.currency.toLowerCase(), Number(r.net)]))
}

/** Net of succeeded charges per account and currency created since a time (Unix seconds), the largest first. */
export function accountNetRows(
  db: Database,
  chargesTable: string,
  since: number,
  limit: number
): Promise<Array<{ account_id: string | null; currency: string; charges: string; net: string }>> {
  return db.query(
    // Currencies by how many charges they have (amounts of different currencies do not compare), then net.
    `SELECT account_id, currency, count(*) AS charges, sum(amount - coalesce(amount_refunded, 0))::bigint AS net
       FROM ${db.table(chargesTable)}
      WHERE status = 'succeeded' AND created_at >= to_timestamp($1)
      GROUP BY account_id, currency
      ORDER BY sum(count(*)) OVER (PARTITION BY currency) DESC, currency, net DESC, account_id LIMIT $2`,
    [since, limit]
  )
}

/** A Connect platform's application fees this month (UTC), per currency. */
export function platformRevenueRows(db: Database): Promise<Array<{ currency: string; fees: string; net: string }>> {
  return db.query(
    `SELECT currency, fees, net FROM ${db.table('stripe_platform_revenue')}
      WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::date ORDER BY fees DESC, currency`
  )
}
