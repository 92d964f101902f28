import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

/**
 * Checkout Sessions: what Stripe Checkout apps keep (`cs_…`), or they set `client_reference_id` to
 * their own order id; the session names the PaymentIntent that paid it (payment mode), or the
 * invoice and subscription it made. No customer details are stored beyond the customer's id.
 */
export const checkoutSessions: ObjectSpec<Stripe.Checkout.Session, 'checkout_sessions'> = {
  name: 'checkout_sessions',
  objectType: 'checkout.session',
  noun: 'Checkout Session',
  plural: 'Checkout Sessions',
  table: 'stripe_checkout_sessions',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'mode', type: 'text', fromRow: true },
    { name: 'status', type: 'text', fromRow: true },
    { name: 'payment_status', type: 'text', fromRow: true },
    { name: 'amount_total', type: 'bigint', fromRow: true },
    { name: 'amount_subtotal', type: 'bigint', fromRow: true },
    { name: 'currency', type: 'text', fromRow: true },
    { name: 'client_reference_id', type: 'text', fromRow: true },
    { name: 'payment_intent_id', type: 'text', fromRow: true },
    { name: 'customer_id', type: 'text', fromRow: true },
    { name: 'invoice_id', type: 'text', fromRow: true },
    { name: 'subscription_id', type: 'text', fromRow: true },
    { name: 'expires_at', type: 'timestamptz', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'payment_intent_id', 'client_reference_id'],
  toRow: (s, context) => ({
    id: s.id,
    mode: s.mode ?? null,
    status: s.status ?? null,
    payment_status: s.payment_status ?? null,
    amount_total: s.amount_total ?? null,
    amount_subtotal: s.amount_subtotal ?? null,
    currency: s.currency ?? null,
    client_reference_id: s.client_reference_id ?? null,
    payment_intent_id: idOf(s.payment_intent),
    customer_id: idOf(s.customer),
    invoice_id: idOf(s.invoice),
    subscription_id: idOf(s.subscription),
    expires_at: s.expires_at ?? null,
    created_at: s.created,
    ...commonValues(s, s, context, true)
  }),
  resource: (stripe) => stripe.checkout.sessions,
  permission: 'Checkout Sessions: Read',
  events: ['checkout.session.completed', 'checkout.session.expired', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed'],
  validate: (s) =>
    firstProblem(
      check.id(s.id),
      check.created(s.created),
      s.amount_total == null ? undefined : check.amount('amount_total', s.amount_total),
      s.currency == null ? undefined : check.currency(s.currency)
    ),
  dashboardPath: (s) => (s.payment_intent ? `payments/${encodeURIComponent(idOf(s.payment_intent)!)}` : `checkout/sessions/${encodeURIComponent(s.id)}`)
}
