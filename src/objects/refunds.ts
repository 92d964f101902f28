import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

export const refunds: ObjectSpec<Stripe.Refund, 'refunds'> = {
  name: 'refunds',
  objectType: 'refund',
  noun: 'refund',
  plural: 'refunds',
  table: 'stripe_refunds',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'charge_id', type: 'text', fromRow: true },
    { name: 'payment_intent_id', type: 'text', fromRow: true },
    { name: 'status', type: 'text', fromRow: true },
    { name: 'reason', type: 'text', fromRow: true },
    { name: 'failure_reason', type: 'text', fromRow: true },
    { name: 'balance_transaction_id', type: 'text', fromRow: true },
    { name: 'failure_balance_transaction_id', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'charge_id'],
  toRow: (r, context) => ({
    id: r.id,
    amount: r.amount,
    currency: r.currency,
    charge_id: idOf(r.charge),
    payment_intent_id: idOf(r.payment_intent),
    status: r.status ?? null,
    reason: r.reason ?? null,
    failure_reason: r.failure_reason ?? null,
    balance_transaction_id: idOf(r.balance_transaction),
    failure_balance_transaction_id: idOf(r.failure_balance_transaction),
    description: r.description ?? null,
    created_at: r.created,
    ...commonValues({ metadata: r.metadata }, r, context, true)
  }),
  resource: (stripe) => stripe.refunds,
  permission: 'Refunds: Read',
  events: ['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated'],
  validate: (r) => firstProblem(check.id(r.id), check.created(r.created), check.amount('amount', r.amount), check.currency(r.currency)),
  dashboardPath: (r) => `refunds/${encodeURIComponent(r.id)}`
}
