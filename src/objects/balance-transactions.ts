import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

/**
 * Balance transactions: every movement of money through the Stripe balance, with its fee and net.
 * They have no events; the only thing that changes is `status` (pending → available on
 * `available_on`), refreshed without re-listing history (see `stale`).
 */
export const balanceTransactions: ObjectSpec<Stripe.BalanceTransaction, 'balance_transactions'> = {
  name: 'balance_transactions',
  objectType: 'balance_transaction',
  noun: 'balance transaction',
  plural: 'balance transactions',
  table: 'stripe_balance_transactions',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'fee', type: 'bigint', notNull: true, fromRow: true },
    { name: 'net', type: 'bigint', notNull: true, fromRow: true },
    { name: 'exchange_rate', type: 'numeric', fromRow: true },
    { name: 'type', type: 'text', notNull: true, fromRow: true },
    { name: 'reporting_category', type: 'text', fromRow: true },
    { name: 'status', type: 'text', fromRow: true },
    { name: 'source_id', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    { name: 'available_on', type: 'timestamptz', fromRow: true },
    { name: 'balance_type', type: 'text', fromRow: true },
    { name: 'fee_details', type: 'jsonb', fromRow: true },
    // Set when the payout that paid this transaction out is reconciled.
    { name: 'payout_id', type: 'text', fromRow: false },
    ...commonColumns({ metadata: false })
  ],
  indexes: ['created_at', 'source_id', 'payout_id', 'status'],
  toRow: (t, context) => ({
    id: t.id,
    amount: t.amount,
    currency: t.currency,
    fee: t.fee,
    net: t.net,
    exchange_rate: t.exchange_rate ?? null,
    type: t.type,
    reporting_category: t.reporting_category ?? null,
    status: t.status ?? null,
    source_id: idOf(t.source as string | { id: string } | null),
    description: t.description ?? null,
    created_at: t.created,
    available_on: t.available_on ?? null,
    balance_type: t.balance_type ?? null,
    fee_details: t.fee_details ?? null,
    ...commonValues({}, t, context, false)
  }),
  resource: (stripe) => stripe.balanceTransactions,
  permission: 'Balance: Read',
  events: [],
  // Money moved: new balance transactions may exist. What moves money without these is caught by the daily list pass.
  listWhen: [
    'charge.succeeded',
    'charge.captured',
    'charge.refunded',
    'charge.dispute.funds_withdrawn',
    'charge.dispute.funds_reinstated',
    'refund.created',
    'refund.failed',
    'payout.created',
    'payout.paid',
    'payout.failed',
    'payout.canceled'
  ],
  validate: (t) =>
    firstProblem(
      check.id(t.id),
      check.created(t.created),
      check.amount('amount', t.amount),
      check.amount('fee', t.fee),
      check.amount('net', t.net),
      check.currency(t.currency),
      typeof t.type === 'string' ? undefined : 'type is missing',
      t.exchange_rate == null || Number.isFinite(t.exchange_rate) ? undefined : 'exchange_rate is not a number'
    ),
  stale: { where: "status = 'pending' AND available_on <= to_timestamp($1)" },
  dashboardPath: (t) => `balance/${encodeURIComponent(t.id)}`
}
