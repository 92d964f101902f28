import { specOf } from '../objects/registry.js'
import type { Database } from './database.js'
import { JOURNAL_VIEW, MRR_VIEW, PAYOUT_RECONCILIATION_VIEW, RECEIVABLES_VIEW } from './views.js'

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

/** MRR per currency, largest first. */
export function mrrRows(db: Database): Promise<Array<{ currency: string; mrr: string; active_subscriptions: string; customers: string }>> {
  return db.query(`SELECT currency, mrr, active_subscriptions, customers FROM ${db.table(MRR_VIEW.name)} ORDER BY mrr DESC, currency`)
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
