import { qualified } from '../../store/columns.js'
import { major, tableRef as t, type ViewDefinition } from '../../store/view-kit.js'

const CATEGORY = {
  charges: "bt.reporting_category = 'charge'",
  refunds: "bt.reporting_category IN ('refund', 'refund_failure', 'partial_capture_reversal')",
  disputes: "bt.reporting_category IN ('dispute', 'dispute_reversal')",
  adjustments: "bt.reporting_category IN ('adjustment', 'other_adjustment')",
  stripeFee: "bt.reporting_category = 'fee'"
}

export const PAYOUT_RECONCILIATION_VIEW: ViewDefinition = {
  name: 'stripe_payout_reconciliation',
  requires: ['payouts', 'balance_transactions'],
  version: 1,
  about: 'each payout against its balance transactions',
  // Every amount in the payout's currency, minor units, signed as they move the balance: charges
  // positive, refunds, disputes and fees negative. charges + refunds + disputes + fees +
  // adjustments + other = transactions_net, which equals the payout amount when it is balanced.
  sql: (schema, tables) => `SELECT p.id AS payout_id,
         p.arrival_date,
         p.status,
         p.currency,
         p.amount,
         p.automatic,
         p.reconciled_at,
         count(bt.id) AS transaction_count,
         coalesce(sum(bt.amount) FILTER (WHERE ${CATEGORY.charges}), 0) AS charges,
         coalesce(sum(bt.amount) FILTER (WHERE ${CATEGORY.refunds}), 0) AS refunds,
         coalesce(sum(bt.amount) FILTER (WHERE ${CATEGORY.disputes}), 0) AS disputes,
         coalesce(sum(bt.amount) FILTER (WHERE ${CATEGORY.stripeFee}), 0) - coalesce(sum(bt.fee), 0) AS fees,
         coalesce(sum(bt.amount) FILTER (WHERE ${CATEGORY.adjustments}), 0) AS adjustments,
         coalesce(sum(bt.amount) FILTER (WHERE NOT (${CATEGORY.charges} OR ${CATEGORY.refunds} OR ${CATEGORY.disputes} OR ${CATEGORY.adjustments} OR ${CATEGORY.stripeFee})), 0) AS other,
         coalesce(sum(bt.net), 0) AS transactions_net,
         p.amount - coalesce(sum(bt.net), 0) AS difference,
         CASE WHEN p.automatic IS FALSE THEN NULL
              ELSE p.status = 'paid' AND p.reconciled_at IS NOT NULL AND coalesce(sum(bt.net), 0) = p.amount END AS balanced
    FROM ${t(schema, tables, 'payouts')} p
    LEFT JOIN ${t(schema, tables, 'balance_transactions')} bt
      ON bt.payout_id = p.id
     AND bt.id IS DISTINCT FROM p.balance_transaction_id
     AND NOT (bt.type = 'payout' AND bt.source_id = p.id)
   GROUP BY p.id, p.arrival_date, p.status, p.currency, p.amount, p.automatic, p.reconciled_at`
}

/**
 * Stripe's `payout_reconciliation.itemized` report in SQL: one row per balance transaction each
 * reconciled automatic payout paid out, with the objects it came from. Amounts in major units as the
 * report has them, and `*_minor` beside; per payout `net` sums to the payout's amount when balanced.
 * With invoices synced, the invoice and subscription of a charge (through its invoice payment).
 */
function payoutItemizedView(withInvoices: boolean): ViewDefinition {
  return {
    name: 'stripe_payout_itemized',
    requires: withInvoices
      ? ['payouts', 'balance_transactions', 'charges', 'refunds', 'disputes', 'invoices']
      : ['payouts', 'balance_transactions', 'charges', 'refunds', 'disputes'],
    version: withInvoices ? 2 : 1,
    about: "each payout's balance transactions, as Stripe's itemized payout reconciliation report",
    sql: (schema, tables) => `SELECT p.id AS automatic_payout_id,
         p.arrival_date AS automatic_payout_effective_at,
         bt.id AS balance_transaction_id,
         bt.created_at AS created,
         bt.available_on,
         bt.currency,
         ${major('bt.amount', 'bt.currency')} AS gross,
         ${major('bt.fee', 'bt.currency')} AS fee,
         ${major('bt.net', 'bt.currency')} AS net,
         bt.amount AS gross_minor,
         bt.fee AS fee_minor,
         bt.net AS net_minor,
         bt.reporting_category,
         bt.source_id,
         bt.description,
         c.customer_id,
         c.customer_email,
         c.raw->'billing_details'->>'name' AS customer_name,
         c.charge_id,
         c.payment_intent_id,
         ${withInvoices ? 'ip.invoice_id' : 'NULL::text'} AS invoice_id,
         ${withInvoices ? 'inv.subscription_id' : 'NULL::text'} AS subscription_id,
         r.id AS refund_id,
         d.id AS dispute_id,
         c.raw->'payment_method_details'->'card'->>'brand' AS card_brand,
         c.raw->'payment_method_details'->'card'->>'country' AS card_country,
         coalesce(c.raw->>'calculated_statement_descriptor', c.raw->>'statement_descriptor') AS statement_descriptor
    FROM ${t(schema, tables, 'payouts')} p
    JOIN ${t(schema, tables, 'balance_transactions')} bt
      ON bt.payout_id = p.id
     AND bt.id IS DISTINCT FROM p.balance_transaction_id
     AND NOT (bt.type = 'payout' AND bt.source_id = p.id)
    LEFT JOIN ${t(schema, tables, 'refunds')} r ON r.id = bt.source_id
    LEFT JOIN ${t(schema, tables, 'disputes')} d ON d.id = bt.source_id
    LEFT JOIN ${t(schema, tables, 'charges')} c ON c.charge_id = coalesce(r.charge_id, d.charge_id, bt.source_id)${
      withInvoices
        ? `
    LEFT JOIN LATERAL (SELECT x.invoice_id FROM ${qualified(schema, 'stripe_invoice_payments')} x
                        WHERE x.charge_id = c.charge_id OR (x.payment_intent_id IS NOT NULL AND x.payment_intent_id = c.payment_intent_id)
                        ORDER BY x.invoice_id LIMIT 1) ip ON true
    LEFT JOIN ${t(schema, tables, 'invoices')} inv ON inv.id = ip.invoice_id`
        : ''
    }
   WHERE p.reconciled_at IS NOT NULL AND p.automatic IS NOT FALSE`
  }
}

/** The journal's accounts, in the order lines are listed. */
export const JOURNAL_ACCOUNTS = [
  'Bank',
  'Sales',
  'Refunds',
  'Disputes',
  'Stripe fees',
  'Adjustments',
  'Other Stripe activity',
  'Stripe balance (unreconciled)'
] as const

export const JOURNAL_VIEW: ViewDefinition = {
  name: 'stripe_journal',
  requires: ['payouts', 'balance_transactions'],
  version: 1,
  about: 'double-entry journal lines per paid payout',
  // One line per account with a non-zero amount: money in is a credit, money out a debit, the bank
  // deposit a debit. Anything the transactions do not explain goes to a suspense line, so debits
  // always equal credits per payout.
  sql: (schema) => `SELECT (r.arrival_date AT TIME ZONE 'UTC')::date AS date,
         r.payout_id,
         l.line,
         l.account,
         CASE WHEN l.signed < 0 THEN -l.signed ELSE 0 END AS debit_minor,
         CASE WHEN l.signed > 0 THEN l.signed ELSE 0 END AS credit_minor,
         ${major('CASE WHEN l.signed < 0 THEN -l.signed ELSE 0 END', 'r.currency')} AS debit,
         ${major('CASE WHEN l.signed > 0 THEN l.signed ELSE 0 END', 'r.currency')} AS credit,
         r.currency,
         'Stripe payout ' || r.payout_id || ' (' || r.transaction_count || CASE WHEN r.transaction_count = 1 THEN ' transaction)' ELSE ' transactions)' END AS memo
    FROM ${qualified(schema, 'stripe_payout_reconciliation')} r
   CROSS JOIN LATERAL (VALUES
         (1, '${JOURNAL_ACCOUNTS[0]}', -r.amount),
         (2, '${JOURNAL_ACCOUNTS[1]}', r.charges),
         (3, '${JOURNAL_ACCOUNTS[2]}', r.refunds),
         (4, '${JOURNAL_ACCOUNTS[3]}', r.disputes),
         (5, '${JOURNAL_ACCOUNTS[4]}', r.fees),
         (6, '${JOURNAL_ACCOUNTS[5]}', r.adjustments),
         (7, '${JOURNAL_ACCOUNTS[6]}', r.other),
         (8, '${JOURNAL_ACCOUNTS[7]}', r.difference)
       ) AS l(line, account, signed)
   WHERE r.status = 'paid' AND r.reconciled_at IS NOT NULL AND l.signed <> 0`
}

/** The reconciliation's views, in creation order (a view that reads another comes after it). */
// The itemized view with invoices comes first: when invoices are synced it is made (or replaces the one without).
export const RECONCILIATION_VIEWS: readonly ViewDefinition[] = [PAYOUT_RECONCILIATION_VIEW, payoutItemizedView(true), payoutItemizedView(false), JOURNAL_VIEW]
