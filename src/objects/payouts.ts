import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

/** Payouts: the bank deposits. Paid (and failed) automatic payouts are reconciled: see sync/payout-links.ts. */
export const payouts: ObjectSpec<Stripe.Payout, 'payouts'> = {
  name: 'payouts',
  objectType: 'payout',
  noun: 'payout',
  plural: 'payouts',
  table: 'stripe_payouts',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'arrival_date', type: 'timestamptz', fromRow: true },
    { name: 'status', type: 'text', notNull: true, fromRow: true },
    { name: 'automatic', type: 'boolean', fromRow: true },
    { name: 'method', type: 'text', fromRow: true },
    { name: 'type', type: 'text', fromRow: true },
    { name: 'source_type', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'statement_descriptor', type: 'text', fromRow: true },
    { name: 'balance_transaction_id', type: 'text', fromRow: true },
    { name: 'failure_balance_transaction_id', type: 'text', fromRow: true },
    { name: 'failure_code', type: 'text', fromRow: true },
    { name: 'failure_message', type: 'text', fromRow: true },
    { name: 'reconciliation_status', type: 'text', fromRow: true },
    { name: 'destination_id', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true }),
    // When this payout's balance transactions were listed and linked; cleared when the payout changes.
    { name: 'reconciled_at', type: 'timestamptz', fromRow: false, resetOnChange: true }
  ],
  indexes: ['created_at', 'arrival_date', 'status'],
  toRow: (p, context) => ({
    id: p.id,
    amount: p.amount,
    currency: p.currency,
    arrival_date: p.arrival_date ?? null,
    status: p.status,
    automatic: p.automatic ?? null,
    method: p.method ?? null,
    type: p.type ?? null,
    source_type: p.source_type ?? null,
    description: p.description ?? null,
    statement_descriptor: p.statement_descriptor ?? null,
    balance_transaction_id: idOf(p.balance_transaction),
    failure_balance_transaction_id: idOf(p.failure_balance_transaction),
    failure_code: p.failure_code ?? null,
    failure_message: p.failure_message ?? null,
    reconciliation_status: p.reconciliation_status ?? null,
    destination_id: idOf(p.destination as string | { id: string } | null),
    created_at: p.created,
    ...commonValues(p, p, context, true)
  }),
  resource: (stripe) => stripe.payouts,
  permission: 'Payouts: Read',
  events: ['payout.created', 'payout.updated', 'payout.paid', 'payout.failed', 'payout.canceled', 'payout.reconciliation_completed'],
  validate: (p) =>
    firstProblem(
      check.id(p.id),
      check.created(p.created),
      check.amount('amount', p.amount),
      check.currency(p.currency),
      typeof p.status === 'string' ? undefined : 'status is missing',
      p.arrival_date == null || Number.isSafeInteger(p.arrival_date) ? undefined : 'arrival_date is not a time'
    ),
  needs: ['balance_transactions'],
  dashboardPath: (p) => `payouts/${encodeURIComponent(p.id)}`
}
