import { specOf } from '../../objects/registry.js'
import type { FeatureDatabase } from '../../report/feature.js'
import { JOURNAL_VIEW, PAYOUT_RECONCILIATION_VIEW } from './views.js'

/**
 * What payout reconciliation reads back from the database after the sync, as typed rows: the SQL of its tables and
 * views lives here; the feature only maps the rows.
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
export function payoutRows(db: FeatureDatabase, ids: readonly string[], limit: number): Promise<PayoutRow[]> {
  return db.query<PayoutRow>(
    `SELECT r.payout_id, extract(epoch FROM r.arrival_date)::bigint AS arrival, r.status, r.currency, r.amount, r.balanced, r.charges, r.refunds,
            r.disputes, r.fees, r.adjustments, r.other, r.difference, r.transaction_count, p.livemode
       FROM ${db.table(PAYOUT_RECONCILIATION_VIEW.name)} r JOIN ${db.table(specOf('payouts').table)} p ON p.id = r.payout_id
      WHERE r.payout_id = ANY($1) ORDER BY p.created_at DESC, r.payout_id DESC LIMIT ${Math.floor(limit)}`,
    [ids]
  )
}

/** Of these payouts, how many balance and how many failed. */
export async function reconciliationCounts(db: FeatureDatabase, ids: readonly string[]): Promise<{ balanced: number; failed: number }> {
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
export function journalRows(db: FeatureDatabase, ids: readonly string[]): Promise<JournalRow[]> {
  return db.query<JournalRow>(
    `SELECT date::text AS date, payout_id, account, debit_minor, credit_minor, currency, memo FROM ${db.table(JOURNAL_VIEW.name)}
      WHERE payout_id = ANY($1) ORDER BY date, payout_id, line`,
    [ids]
  )
}
