import type pg from 'pg'
import type { ObjectName } from '../objects/registry.js'
import { qualified } from './columns.js'
import { mrrByProductView, mrrMonthlyView, mrrView, type MrrDiscounts } from './mrr-views.js'
import { major, tableRef as t, type ViewDefinition } from './view-kit.js'

export type { ViewDefinition } from './view-kit.js'

/**
 * The reporting views, created with the tables they read. Each is created when missing, and
 * replaced when an older version of the action made it, or the same version with other settings
 * (the version and settings are kept in the view's comment).
 */

/** The charges table's view: `<table>_daily`, within Postgres's 63-byte limit. */
export function dailyViewName(table: string): string {
  return `${table}_daily`
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

export const PLATFORM_REVENUE_VIEW: ViewDefinition = {
  name: 'stripe_platform_revenue',
  requires: ['application_fees'],
  version: 1,
  about: "a Connect platform's application fees per month and currency",
  // By the month (UTC) each fee was taken; its refunds count against that month.
  sql: (schema, tables) => `SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month,
         currency,
         count(*) AS fees,
         count(DISTINCT connected_account_id) AS accounts,
         sum(amount)::bigint AS application_fees,
         sum(coalesce(amount_refunded, 0))::bigint AS refunded,
         sum(amount - coalesce(amount_refunded, 0))::bigint AS net,
         ${major('sum(amount - coalesce(amount_refunded, 0))', 'currency')} AS net_major
    FROM ${t(schema, tables, 'application_fees')}
   GROUP BY 1, 2`
}

/** The views with fixed names, in creation order (a view that reads another comes after it). */
// The itemized view with invoices comes first: when invoices are synced it is made (or replaces the one without).
export function fixedViews(options: { mrrDiscounts: MrrDiscounts }): ViewDefinition[] {
  return [
    CHARGE_FEES_VIEW,
    PAYOUT_RECONCILIATION_VIEW,
    payoutItemizedView(true),
    payoutItemizedView(false),
    JOURNAL_VIEW,
    mrrView(options.mrrDiscounts),
    mrrMonthlyView(options.mrrDiscounts),
    mrrByProductView(options.mrrDiscounts),
    RECEIVABLES_VIEW,
    PLATFORM_REVENUE_VIEW
  ]
}

/** The names of the views with fixed names (whatever their settings). */
export const FIXED_VIEW_NAMES: readonly string[] = fixedViews({ mrrDiscounts: 'forever' }).map((v) => v.name)

/** The views for a run's tables, in creation order. */
export function viewsFor(chargesTable: string, options: { mrrDiscounts: MrrDiscounts }): ViewDefinition[] {
  return [chargeDailyView(chargesTable), ...fixedViews(options)]
}

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
