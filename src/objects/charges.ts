import type Stripe from 'stripe'
import { check, firstProblem, idOf, referencedIn, type Column, type ObjectSpec, type RowContext } from './spec.js'

export const CHARGE_STATUSES = ['succeeded', 'pending', 'failed'] as const

/** The one customer-email rule: the receipt email, else the billing email. */
export function chargeEmail(charge: Pick<Stripe.Charge, 'receipt_email' | 'billing_details'>): string | null {
  return charge.receipt_email ?? charge.billing_details?.email ?? null
}

/**
 * The charges table: the seed job's columns first, with its names (so a table made for it is
 * adopted), then the rest.
 */
export const CHARGE_COLUMNS: readonly Column[] = [
  { name: 'charge_id', type: 'text', notNull: true, fromRow: true },
  { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
  { name: 'currency', type: 'text', notNull: true, fromRow: true },
  { name: 'customer_email', type: 'text', fromRow: true },
  { name: 'description', type: 'text', fromRow: true },
  { name: 'status', type: 'text', notNull: true, fromRow: true },
  { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
  { name: 'processed_at', type: 'timestamptz', notNull: true, default: 'now()', fromRow: false },
  { name: 'updated_at', type: 'timestamptz', fromRow: false },
  { name: 'amount_captured', type: 'bigint', fromRow: true },
  { name: 'amount_refunded', type: 'bigint', fromRow: true },
  { name: 'refunded', type: 'boolean', fromRow: true },
  { name: 'paid', type: 'boolean', fromRow: true },
  { name: 'captured', type: 'boolean', fromRow: true },
  { name: 'disputed', type: 'boolean', fromRow: true },
  { name: 'customer_id', type: 'text', fromRow: true },
  { name: 'payment_intent_id', type: 'text', fromRow: true },
  { name: 'balance_transaction_id', type: 'text', fromRow: true },
  { name: 'payment_method_type', type: 'text', fromRow: true },
  { name: 'failure_code', type: 'text', fromRow: true },
  { name: 'failure_message', type: 'text', fromRow: true },
  { name: 'livemode', type: 'boolean', notNull: true, fromRow: true },
  { name: 'account_id', type: 'text', fromRow: true },
  { name: 'metadata', type: 'jsonb', fromRow: true },
  { name: 'raw', type: 'jsonb', notNull: true, fromRow: true },
  { name: 'stripe_api_version', type: 'text', fromRow: true }
]

export function chargeToRow(charge: Stripe.Charge, context: RowContext) {
  return {
    charge_id: charge.id,
    amount: charge.amount,
    currency: charge.currency,
    customer_email: chargeEmail(charge),
    description: charge.description ?? null,
    status: charge.status,
    created_at: charge.created,
    amount_captured: charge.amount_captured ?? null,
    amount_refunded: charge.amount_refunded ?? null,
    refunded: charge.refunded ?? null,
    paid: charge.paid ?? null,
    captured: charge.captured ?? null,
    disputed: charge.disputed ?? null,
    customer_id: idOf(charge.customer),
    payment_intent_id: idOf(charge.payment_intent),
    balance_transaction_id: idOf(charge.balance_transaction),
    payment_method_type: charge.payment_method_details?.type ?? null,
    failure_code: charge.failure_code ?? null,
    failure_message: charge.failure_message ?? null,
    livemode: charge.livemode,
    account_id: context.accountId ?? null,
    metadata: charge.metadata ?? null,
    raw: charge,
    stripe_api_version: context.apiVersion
  }
}

/**
 * Charge events, explicitly (`types[]` takes at most 20): every change to a charge, including the
 * refund and dispute events whose object names the charge.
 */
export const CHARGE_EVENT_TYPES = [
  'charge.captured',
  'charge.expired',
  'charge.failed',
  'charge.pending',
  'charge.refunded',
  'charge.succeeded',
  'charge.updated',
  'charge.refund.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_reinstated',
  'charge.dispute.funds_withdrawn'
] as const

export const charges: ObjectSpec<Stripe.Charge, 'charges'> = {
  name: 'charges',
  objectType: 'charge',
  noun: 'charge',
  plural: 'charges',
  table: 'processed_charges',
  tableInput: 'table',
  filter: { values: CHARGE_STATUSES, of: (c) => c.status },
  idColumn: 'charge_id',
  columns: CHARGE_COLUMNS,
  indexes: ['created_at', 'status'],
  toRow: chargeToRow,
  resource: (stripe) => stripe.charges,
  permission: 'Charges: Read',
  events: CHARGE_EVENT_TYPES,
  // A refund's or a dispute's event changes its charge.
  referencedBy: (event) => referencedIn(event, 'charge'),
  validate: (c) =>
    firstProblem(
      check.id(c.id),
      check.created(c.created),
      check.amount('amount', c.amount),
      check.amount('amount_refunded', c.amount_refunded, true),
      check.amount('amount_captured', c.amount_captured, true),
      check.currency(c.currency),
      typeof c.status === 'string' ? undefined : 'status is missing'
    ),
  dashboardPath: (c) => `payments/${encodeURIComponent(c.id)}`
}
