import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

/**
 * PaymentIntents: what apps built on Stripe's Payment Element keep (`pi_…`), and what leads from a
 * Checkout Session or an app's own record to the charges that paid it (`latest_charge`; every
 * charge names its `payment_intent`). `metadata` is where many apps put their order id.
 */
export const paymentIntents: ObjectSpec<Stripe.PaymentIntent, 'payment_intents'> = {
  name: 'payment_intents',
  objectType: 'payment_intent',
  noun: 'payment intent',
  plural: 'payment intents',
  table: 'stripe_payment_intents',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'amount_received', type: 'bigint', fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'status', type: 'text', notNull: true, fromRow: true },
    { name: 'customer_id', type: 'text', fromRow: true },
    { name: 'latest_charge_id', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'canceled_at', type: 'timestamptz', fromRow: true },
    { name: 'cancellation_reason', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'latest_charge_id'],
  toRow: (p, context) => ({
    id: p.id,
    amount: p.amount,
    amount_received: p.amount_received ?? null,
    currency: p.currency,
    status: p.status,
    customer_id: idOf(p.customer),
    latest_charge_id: idOf(p.latest_charge),
    description: p.description ?? null,
    canceled_at: p.canceled_at ?? null,
    cancellation_reason: p.cancellation_reason ?? null,
    created_at: p.created,
    ...commonValues(p, p, context, true)
  }),
  resource: (stripe) => stripe.paymentIntents,
  permission: 'PaymentIntents: Read',
  events: [
    'payment_intent.created',
    'payment_intent.succeeded',
    'payment_intent.payment_failed',
    'payment_intent.canceled',
    'payment_intent.processing',
    'payment_intent.requires_action',
    'payment_intent.amount_capturable_updated',
    'payment_intent.partially_funded'
  ],
  validate: (p) =>
    firstProblem(
      check.id(p.id),
      check.created(p.created),
      check.amount('amount', p.amount),
      check.currency(p.currency),
      typeof p.status === 'string' ? undefined : 'status is missing'
    ),
  dashboardPath: (p) => `payments/${encodeURIComponent(p.id)}`
}
