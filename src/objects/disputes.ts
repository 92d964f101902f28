import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

export const disputes: ObjectSpec<Stripe.Dispute, 'disputes'> = {
  name: 'disputes',
  objectType: 'dispute',
  noun: 'dispute',
  plural: 'disputes',
  table: 'stripe_disputes',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'charge_id', type: 'text', fromRow: true },
    { name: 'payment_intent_id', type: 'text', fromRow: true },
    { name: 'status', type: 'text', notNull: true, fromRow: true },
    { name: 'reason', type: 'text', fromRow: true },
    { name: 'is_charge_refundable', type: 'boolean', fromRow: true },
    { name: 'evidence_due_by', type: 'timestamptz', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'charge_id', 'status'],
  toRow: (d, context) => ({
    id: d.id,
    amount: d.amount,
    currency: d.currency,
    charge_id: idOf(d.charge),
    payment_intent_id: idOf(d.payment_intent),
    status: d.status,
    reason: d.reason ?? null,
    is_charge_refundable: d.is_charge_refundable ?? null,
    evidence_due_by: d.evidence_details?.due_by ?? null,
    created_at: d.created,
    ...commonValues(d, d, context, true)
  }),
  resource: (stripe) => stripe.disputes,
  permission: 'Disputes: Read',
  events: ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_reinstated', 'charge.dispute.funds_withdrawn'],
  validate: (d) =>
    firstProblem(
      check.id(d.id),
      check.created(d.created),
      check.amount('amount', d.amount),
      check.currency(d.currency),
      typeof d.status === 'string' ? undefined : 'status is missing'
    ),
  dashboardPath: (d) => `disputes/${encodeURIComponent(d.id)}`
}
