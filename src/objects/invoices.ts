import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type Column, type ObjectSpec, type Row, type RowContext } from './spec.js'

/**
 * An invoice's payments, one row each: how an invoice links to the money. Since API version
 * 2025-03-31.basil an invoice names no charge or PaymentIntent; its payments do (`payment_intent_id`,
 * or `charge_id` for a charge without one), and charges join on payment_intent_id.
 */
const PAYMENT_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true, fromRow: true },
  { name: 'invoice_id', type: 'text', notNull: true, fromRow: true },
  { name: 'payment_type', type: 'text', fromRow: true },
  { name: 'payment_intent_id', type: 'text', fromRow: true },
  { name: 'charge_id', type: 'text', fromRow: true },
  { name: 'status', type: 'text', fromRow: true },
  { name: 'amount_paid', type: 'bigint', fromRow: true },
  { name: 'amount_requested', type: 'bigint', fromRow: true },
  { name: 'currency', type: 'text', fromRow: true },
  { name: 'is_default', type: 'boolean', fromRow: true },
  { name: 'paid_at', type: 'timestamptz', fromRow: true },
  { name: 'created_at', type: 'timestamptz', fromRow: true },
  // When the payment no longer appeared on its invoice; NULL while it does.
  { name: 'removed_at', type: 'timestamptz', fromRow: false },
  ...commonColumns({ metadata: false })
]

function paymentRow(p: Stripe.InvoicePayment, invoice: Stripe.Invoice, context: RowContext): Row {
  return {
    id: p.id,
    invoice_id: invoice.id,
    payment_type: p.payment?.type ?? null,
    payment_intent_id: idOf(p.payment?.payment_intent as string | { id: string } | undefined),
    charge_id: idOf(p.payment?.charge as string | { id: string } | undefined),
    status: p.status ?? null,
    amount_paid: p.amount_paid ?? null,
    amount_requested: p.amount_requested ?? null,
    currency: p.currency ?? invoice.currency,
    is_default: p.is_default ?? null,
    paid_at: p.status_transitions?.paid_at ?? null,
    created_at: p.created ?? null,
    ...commonValues({ livemode: p.livemode }, p, context, false)
  }
}

/**
 * Invoices, listed with their payments expanded (no extra requests). A deleted draft disappears from
 * Stripe and exists only as an `invoice.deleted` event: its row is kept with `deleted_at` set.
 */
export const invoices: ObjectSpec<Stripe.Invoice, 'invoices'> = {
  name: 'invoices',
  objectType: 'invoice',
  noun: 'invoice',
  plural: 'invoices',
  table: 'stripe_invoices',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'number', type: 'text', fromRow: true },
    { name: 'customer_id', type: 'text', fromRow: true },
    { name: 'subscription_id', type: 'text', fromRow: true },
    { name: 'status', type: 'text', fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'amount_due', type: 'bigint', fromRow: true },
    { name: 'amount_paid', type: 'bigint', fromRow: true },
    { name: 'amount_remaining', type: 'bigint', fromRow: true },
    { name: 'subtotal', type: 'bigint', fromRow: true },
    { name: 'total', type: 'bigint', fromRow: true },
    { name: 'billing_reason', type: 'text', fromRow: true },
    { name: 'collection_method', type: 'text', fromRow: true },
    { name: 'customer_email', type: 'text', fromRow: true },
    { name: 'due_date', type: 'timestamptz', fromRow: true },
    { name: 'period_start', type: 'timestamptz', fromRow: true },
    { name: 'period_end', type: 'timestamptz', fromRow: true },
    { name: 'finalized_at', type: 'timestamptz', fromRow: true },
    { name: 'paid_at', type: 'timestamptz', fromRow: true },
    { name: 'voided_at', type: 'timestamptz', fromRow: true },
    { name: 'marked_uncollectible_at', type: 'timestamptz', fromRow: true },
    { name: 'attempt_count', type: 'integer', fromRow: true },
    { name: 'hosted_invoice_url', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    // When Stripe deleted the (draft) invoice, from its invoice.deleted event; NULL while it exists.
    { name: 'deleted_at', type: 'timestamptz', fromRow: false },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'customer_id', 'subscription_id', 'status', 'due_date'],
  toRow: (i, context) => ({
    id: i.id,
    number: i.number ?? null,
    customer_id: idOf(i.customer as string | { id: string } | null),
    subscription_id: idOf(i.parent?.subscription_details?.subscription as string | { id: string } | null | undefined),
    status: i.status ?? null,
    currency: i.currency,
    amount_due: i.amount_due ?? null,
    amount_paid: i.amount_paid ?? null,
    amount_remaining: i.amount_remaining ?? null,
    subtotal: i.subtotal ?? null,
    total: i.total ?? null,
    billing_reason: i.billing_reason ?? null,
    collection_method: i.collection_method ?? null,
    customer_email: i.customer_email ?? null,
    due_date: i.due_date ?? null,
    period_start: i.period_start ?? null,
    period_end: i.period_end ?? null,
    finalized_at: i.status_transitions?.finalized_at ?? null,
    paid_at: i.status_transitions?.paid_at ?? null,
    voided_at: i.status_transitions?.voided_at ?? null,
    marked_uncollectible_at: i.status_transitions?.marked_uncollectible_at ?? null,
    attempt_count: i.attempt_count ?? null,
    hosted_invoice_url: i.hosted_invoice_url ?? null,
    created_at: i.created,
    ...commonValues(i, i, context, true)
  }),
  resource: (stripe) => stripe.invoices,
  listParams: { expand: ['data.payments'] },
  retrieveParams: { expand: ['payments'] },
  permission: 'Invoices: Read',
  events: [
    'invoice.created',
    'invoice.deleted',
    'invoice.finalized',
    'invoice.finalization_failed',
    'invoice.marked_uncollectible',
    'invoice.overdue',
    'invoice.overpaid',
    'invoice.paid',
    'invoice.payment_action_required',
    'invoice.payment_failed',
    'invoice.payment_succeeded',
    'invoice.sent',
    'invoice.updated',
    'invoice.voided',
    'invoice.will_be_due'
  ],
  deletionEvents: ['invoice.deleted'],
  // An open invoice can be paid, voided or written off long after it was created.
  resweepLookbackSeconds: Number.POSITIVE_INFINITY,
  validate: (i) =>
    firstProblem(
      check.id(i.id),
      check.created(i.created),
      check.currency(i.currency),
      check.amount('amount_due', i.amount_due, true),
      check.amount('amount_paid', i.amount_paid, true),
      check.amount('amount_remaining', i.amount_remaining, true),
      check.amount('total', i.total, true)
    ),
  children: [
    {
      table: 'stripe_invoice_payments',
      idColumn: 'id',
      parentColumn: 'invoice_id',
      removedColumn: 'removed_at',
      columns: PAYMENT_COLUMNS,
      indexes: ['invoice_id', 'payment_intent_id', 'charge_id'],
      rows: (i, context) => (i.payments?.data ?? []).map((p) => paymentRow(p, i, context)),
      async complete(stripe, i) {
        if (!i.payments?.has_more) return undefined
        const data: Stripe.InvoicePayment[] = []
        for await (const p of stripe.invoicePayments.list({ invoice: i.id, limit: 100 })) data.push(p)
        return { ...i, payments: { ...i.payments, data, has_more: false } }
      }
    }
  ],
  dashboardPath: (i) => `invoices/${encodeURIComponent(i.id)}`
}
