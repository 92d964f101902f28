import { major, tableRef as t, type ViewDefinition } from '../../store/view-kit.js'

/** The charges table's view: `<table>_daily`, within Postgres's 63-byte limit. */
export function dailyViewName(table: string): string {
  return `${table}_daily`
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
