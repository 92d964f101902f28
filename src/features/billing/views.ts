import { tableRef as t, type ViewDefinition } from '../../store/view-kit.js'

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
