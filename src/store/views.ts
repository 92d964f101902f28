import type pg from 'pg'
import { exponentSql } from '../currency.js'
import type { ObjectName } from '../objects/spec.js'
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

/** The journal's accounts, in the order lines are listed. */
export const JOURNAL_ACCOUNTS = ['Bank', 'Sales', 'Refunds', 'Disputes', 'Stripe fees', 'Adjustments', 'Other Stripe activity', 'Stripe balance (unreconciled)'] as const

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

/** The views for a run's tables, in creation order (a view that reads another comes after it). */
export function viewsFor(chargesTable: string): ViewDefinition[] {
  return [chargeDailyView(chargesTable), CHARGE_FEES_VIEW, PAYOUT_RECONCILIATION_VIEW, JOURNAL_VIEW]
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
