import type pg from 'pg'
import { exponentSql } from '../currency.js'
import type { ObjectName } from '../objects/registry.js'
import { qualified } from './columns.js'

/**
 * The reporting views, created with the tables they read. Each is created when missing, and
 * replaced when an older version of the action made it (the version is kept in the view's comment).
 */
export interface ViewDefinition {
  name: string
  /** The objects whose tables the view reads. */
  requires: readonly ObjectName[]
  version: number
  /** What it is, for the log. */
  about: string
  sql(schema: string, tables: Readonly<Record<string, string>>): string
}

/** The charges table's view: `<table>_daily`, within Postgres's 63-byte limit. */
export function dailyViewName(table: string): string {
  return `${table}_daily`
}

function t(schema: string, tables: Readonly<Record<string, string>>, name: ObjectName): string {
  return qualified(schema, tables[name]!)
}

/** Minor units of `currency` → exact numeric major units with the currency's decimals (102.50, not 102.5). */
function major(amount: string, currency: string): string {
  const exponent = exponentSql(currency)
  return `round((${amount})::numeric / power(10::numeric, ${exponent}), ${exponent})`
}

const CATEGORY = {
  charges: "bt.reporting_category = 'charge'",
  refunds: "bt.reporting_category IN ('refund', 'refund_failure', 'partial_capture_reversal')",
  disputes: "bt.reporting_category IN ('dispute', 'dispute_reversal')",
  adjustments: "bt.reporting_category IN ('adjustment', 'other_adjustment')",
  stripeFee: "bt.reporting_category = 'fee'"
}

export function chargeDailyView(chargesTable: string): ViewDefinition {
  return {
    name: dailyViewName(chargesTable),
    requires: ['charges'],
    version: 1,
    about: 'daily totals per currency',
    // Daily totals of succeeded charges per currency, in minor units. Refunds are counted on the
    // charge's day, as Stripe reports them per charge.
    sql: (schema, tables) => `SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
         currency,
         count(*) AS count,
         sum(amount) AS gross,
         sum(coalesce(amount_refunded, 0)) AS refunded,
         sum(amount - coalesce(amount_refunded, 0)) AS net
    FROM ${t(schema, tables, 'charges')}
   WHERE status = 'succeeded'
   GROUP BY 1, 2`
  }
}

export const CHARGE_FEES_VIEW: ViewDefinition = {
  name: 'stripe_charge_fees',
  requires: ['charges', 'balance_transactions'],
  version: 1,
  about: 'fee and net per charge',
  sql: (schema, tables) => `SELECT c.charge_id,
         c.created_at,
         c.status,
         c.amount AS charged_amount,
         c.currency AS charged_currency,
         bt.currency AS settlement_currency,
         bt.exchange_rate,
         bt.amount AS settled_amount,
         bt.fee,
         bt.net,
         ${major('bt.fee', 'bt.currency')} AS fee_major,
         ${major('bt.net', 'bt.currency')} AS net_major,
         bt.id AS balance_transaction_id,
         bt.status AS balance_status,
         bt.available_on,
         bt.payout_id
    FROM ${t(schema, tables, 'charges')} c
    JOIN ${t(schema, tables, 'balance_transactions')} bt ON bt.id = c.balance_transaction_id`
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
         'Stripe payout ' || r.payout_id || ' (' || r.transaction_count || ' transactions)' AS memo
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

/**
 * MRR exactly, to the minor unit. An item's recurring amount per month is unit amount × quantity ×
 * k / (12 × interval count), with k = 12 for a month, 1 for a year, 52 for a week, 365 for a day
 * (a year is 12 months, a week 52/12 of a month, a day 365/12). Dividing each item would round
 * each one (2900 × 52 / 12 has no end); instead every item is put over one denominator, 12 × L with
 * L the least common multiple of the interval counts, summed, and divided once.
 */
function scaleCtes(schema: string): string {
  return `counts AS (
         SELECT c, row_number() OVER (ORDER BY c) AS n
           FROM (SELECT greatest(coalesce(interval_count, 1), 1)::numeric AS c FROM ${qualified(schema, 'stripe_subscription_items')}
                 UNION SELECT greatest(coalesce(interval_count, 1), 1)::numeric FROM ${qualified(schema, 'stripe_subscription_item_history')}) d
       ),
       lcms(n, l) AS (SELECT 0::bigint, 1::numeric UNION ALL SELECT c.n, lcm(lcms.l, c.c) FROM lcms JOIN counts c ON c.n = lcms.n + 1),
       scale AS (SELECT max(l) AS l FROM lcms)`
}

/** The numerator of an item's monthly amount over 12 × scale.l; NULL for metered and tiered prices (no fixed amount). */
const MONTHLY_NUMERATOR = `CASE WHEN i.usage_type = 'metered' OR i.unit_amount_decimal IS NULL THEN NULL
         ELSE i.unit_amount_decimal * coalesce(i.quantity, 1)
              * CASE i.interval WHEN 'month' THEN 12 WHEN 'year' THEN 1 WHEN 'week' THEN 52 WHEN 'day' THEN 365 END
              * (scale.l / greatest(coalesce(i.interval_count, 1), 1)) END`

export const MRR_VIEW: ViewDefinition = {
  name: 'stripe_mrr',
  requires: ['subscriptions'],
  version: 1,
  about: 'monthly recurring revenue per currency, now',
  // Active and past-due subscriptions (not trialing, unpaid, paused, canceled or incomplete), their
  // current items at list price, rounded to the minor unit per currency.
  sql: (schema, tables) => `WITH RECURSIVE ${scaleCtes(schema)}
  SELECT i.currency,
         round(sum(${MONTHLY_NUMERATOR}) / (12 * min(scale.l)))::bigint AS mrr,
         ${major(`round(sum(${MONTHLY_NUMERATOR}) / (12 * min(scale.l)))`, 'i.currency')} AS mrr_major,
         count(DISTINCT s.id) AS active_subscriptions,
         count(DISTINCT s.customer_id) AS customers,
         count(*) FILTER (WHERE i.usage_type = 'metered' OR i.unit_amount_decimal IS NULL) AS items_without_fixed_amount
    FROM ${t(schema, tables, 'subscriptions')} s
    JOIN ${qualified(schema, 'stripe_subscription_items')} i ON i.subscription_id = s.id AND i.removed_at IS NULL
   CROSS JOIN scale
   WHERE s.status IN ('active', 'past_due')
   GROUP BY i.currency`
}

export const MRR_MONTHLY_VIEW: ViewDefinition = {
  name: 'stripe_mrr_monthly',
  requires: ['subscriptions'],
  version: 1,
  about: 'MRR at each month end, with new, expansion, contraction and churn',
  // A subscription counts at an instant when it has started, has not ended, and is not in its
  // trial; an item by the version of it (quantity, price) valid then, from
  // stripe_subscription_item_history. Movements compare each customer's MRR with the previous month
  // end: new (from nothing), expansion, contraction, churn (to nothing). The current month is
  // measured now.
  sql: (schema, tables) => `WITH RECURSIVE ${scaleCtes(schema)},
       items AS (
         SELECT s.id AS subscription_id, s.customer_id, i.currency, s.start_date, s.ended_at, s.trial_end,
                i.valid_from AS item_from, i.valid_to AS item_to, ${MONTHLY_NUMERATOR} AS monthly
           FROM ${t(schema, tables, 'subscriptions')} s
           JOIN ${qualified(schema, 'stripe_subscription_item_history')} i ON i.subscription_id = s.id
          CROSS JOIN scale
          WHERE s.status NOT IN ('incomplete', 'incomplete_expired') AND s.start_date IS NOT NULL
       ),
       months AS (
         SELECT m::date AS month, least((m + interval '1 month') AT TIME ZONE 'UTC', now()) AS at
           FROM generate_series(date_trunc('month', (SELECT min(start_date) FROM items) AT TIME ZONE 'UTC'),
                                date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS m
       ),
       per_customer AS (
         SELECT m.month, x.currency, x.customer_id, sum(x.monthly) AS mrr, count(DISTINCT x.subscription_id) AS subscriptions
           FROM months m
           JOIN items x ON x.monthly IS NOT NULL
                       AND x.start_date <= m.at AND (x.ended_at IS NULL OR x.ended_at > m.at)
                       AND (x.trial_end IS NULL OR x.trial_end <= m.at)
                       AND (x.item_from IS NULL OR x.item_from <= m.at) AND (x.item_to IS NULL OR x.item_to > m.at)
          GROUP BY 1, 2, 3
       ),
       moves AS (
         SELECT coalesce(c.month, (p.month + interval '1 month')::date) AS month,
                coalesce(c.currency, p.currency) AS currency,
                coalesce(c.mrr, 0) AS now_mrr, coalesce(p.mrr, 0) AS before_mrr,
                coalesce(c.subscriptions, 0) AS subscriptions, c.customer_id IS NOT NULL AS active
           FROM per_customer c
           FULL JOIN per_customer p ON p.month = (c.month - interval '1 month')::date AND p.currency = c.currency AND p.customer_id = c.customer_id
       )
  SELECT month, currency,
         round(sum(now_mrr) / (12 * min(scale.l)))::bigint AS mrr,
         coalesce(round(sum(now_mrr) FILTER (WHERE before_mrr = 0 AND now_mrr > 0) / (12 * min(scale.l))), 0)::bigint AS new_mrr,
         coalesce(round(sum(now_mrr - before_mrr) FILTER (WHERE before_mrr > 0 AND now_mrr > before_mrr) / (12 * min(scale.l))), 0)::bigint AS expansion_mrr,
         coalesce(round(sum(before_mrr - now_mrr) FILTER (WHERE now_mrr > 0 AND now_mrr < before_mrr) / (12 * min(scale.l))), 0)::bigint AS contraction_mrr,
         coalesce(round(sum(before_mrr) FILTER (WHERE before_mrr > 0 AND now_mrr = 0) / (12 * min(scale.l))), 0)::bigint AS churned_mrr,
         count(*) FILTER (WHERE active) AS customers,
         sum(subscriptions)::bigint AS subscriptions
    FROM moves CROSS JOIN scale
   WHERE month <= date_trunc('month', now() AT TIME ZONE 'UTC')::date
   GROUP BY month, currency`
}

export const RECEIVABLES_VIEW: ViewDefinition = {
  name: 'stripe_receivables',
  requires: ['invoices'],
  version: 1,
  about: 'open invoices by days overdue, per currency',
  // Open invoices (finalized, not paid, voided or written off, not deleted), by how long past their
  // due date they are now; an invoice charged automatically has no due date and is due when finalized.
  sql: (schema, tables) => `WITH open AS (
         SELECT currency, amount_remaining,
                floor(extract(epoch FROM now() - coalesce(due_date, finalized_at, created_at)) / 86400) AS days
           FROM ${t(schema, tables, 'invoices')}
          WHERE status = 'open' AND deleted_at IS NULL AND amount_remaining > 0
       )
  SELECT currency,
         count(*) AS open_invoices,
         sum(amount_remaining)::bigint AS total,
         coalesce(sum(amount_remaining) FILTER (WHERE days <= 0), 0)::bigint AS current,
         coalesce(sum(amount_remaining) FILTER (WHERE days BETWEEN 1 AND 30), 0)::bigint AS overdue_1_30,
         coalesce(sum(amount_remaining) FILTER (WHERE days BETWEEN 31 AND 60), 0)::bigint AS overdue_31_60,
         coalesce(sum(amount_remaining) FILTER (WHERE days BETWEEN 61 AND 90), 0)::bigint AS overdue_61_90,
         coalesce(sum(amount_remaining) FILTER (WHERE days > 90), 0)::bigint AS overdue_90_plus,
         count(*) FILTER (WHERE days > 0) AS overdue_invoices
    FROM open
   GROUP BY currency`
}

/** The views with fixed names, in creation order (a view that reads another comes after it). */
// The itemized view with invoices comes first: when invoices are synced it is made (or replaces the one without).
export const FIXED_VIEWS: readonly ViewDefinition[] = [
  CHARGE_FEES_VIEW,
  PAYOUT_RECONCILIATION_VIEW,
  payoutItemizedView(true),
  payoutItemizedView(false),
  JOURNAL_VIEW,
  MRR_VIEW,
  MRR_MONTHLY_VIEW,
  RECEIVABLES_VIEW
]

/** The views for a run's tables, in creation order. */
export function viewsFor(chargesTable: string): ViewDefinition[] {
  return [chargeDailyView(chargesTable), ...FIXED_VIEWS]
}

const MARK = 'stripe-payment-monitor view v'

/**
 * Creates each view whose tables exist and that is missing or older than this version. Returns the
 * views created or replaced. Runs in the caller's transaction.
 */
export async function ensureViews(
  client: pg.Client,
  schema: string,
  tables: Readonly<Record<string, string>>,
  exists: (name: ObjectName) => Promise<boolean>,
  views: readonly ViewDefinition[]
): Promise<ViewDefinition[]> {
  const made: ViewDefinition[] = []
  for (const view of views) {
    let ready = true
    for (const name of view.requires) if (!tables[name] || !(await exists(name))) ready = false
    if (!ready) continue
    const current = await client.query<{ comment: string | null; kind: string }>(
      `SELECT obj_description(c.oid, 'pg_class') AS comment, c.relkind AS kind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, view.name]
    )
    const row = current.rows[0]
    if (row && row.kind !== 'v') continue
    const version = row?.comment?.startsWith(MARK) ? Number(row.comment.slice(MARK.length)) : row ? 0 : -1
    if (version >= view.version) continue
    const name = qualified(schema, view.name)
    // A view made before versions were marked (v0) had the same columns as v1.
    if (row && version === 0 && view.version === 1) {
      await client.query(`COMMENT ON VIEW ${name} IS '${MARK}${view.version}'`)
      continue
    }
    await client.query(`CREATE OR REPLACE VIEW ${name} AS\n  ${view.sql(schema, tables)}`)
    await client.query(`COMMENT ON VIEW ${name} IS '${MARK}${view.version}'`)
    made.push(view)
  }
  return made
}
