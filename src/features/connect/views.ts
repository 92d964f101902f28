import { major, tableRef as t, type ViewDefinition } from '../../store/view-kit.js'

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
