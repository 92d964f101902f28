import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, referencedIn, type Column, type ObjectSpec } from './spec.js'

type Ref = string | { id: string } | null | undefined

/** One row per refund of an application fee. */
const REFUND_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true, fromRow: true },
  { name: 'fee_id', type: 'text', notNull: true, fromRow: true },
  { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
  { name: 'currency', type: 'text', notNull: true, fromRow: true },
  { name: 'balance_transaction_id', type: 'text', fromRow: true },
  { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
  { name: 'removed_at', type: 'timestamptz', fromRow: false },
  ...commonColumns({ metadata: true })
]

/**
 * Application fees: what a Connect platform earns on its connected accounts' charges, with their
 * refunds (stripe_application_fee_refunds). The platform's own: not synced for connected accounts.
 */
export const applicationFees: ObjectSpec<Stripe.ApplicationFee, 'application_fees'> = {
  name: 'application_fees',
  objectType: 'application_fee',
  noun: 'application fee',
  plural: 'application fees',
  table: 'stripe_application_fees',
  idColumn: 'id',
  platformOnly: true,
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'amount_refunded', type: 'bigint', fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    // The connected account the fee was taken from.
    { name: 'connected_account_id', type: 'text', fromRow: true },
    { name: 'charge_id', type: 'text', fromRow: true },
    { name: 'originating_transaction_id', type: 'text', fromRow: true },
    { name: 'balance_transaction_id', type: 'text', fromRow: true },
    { name: 'refunded', type: 'boolean', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: false })
  ],
  indexes: ['created_at', 'connected_account_id'],
  toRow: (f, context) => ({
    id: f.id,
    amount: f.amount,
    amount_refunded: f.amount_refunded ?? null,
    currency: f.currency,
    connected_account_id: idOf(f.account as Ref),
    charge_id: idOf(f.charge as Ref),
    originating_transaction_id: idOf(f.originating_transaction as Ref),
    balance_transaction_id: idOf(f.balance_transaction as Ref),
    refunded: f.refunded ?? null,
    created_at: f.created,
    ...commonValues(f, f, context, false)
  }),
  resource: (stripe) => stripe.applicationFees,
  permission: 'Application fees: Read',
  events: ['application_fee.created', 'application_fee.refunded', 'application_fee.refund.updated'],
  // A fee refund's event changes its fee.
  referencedBy: (event) => referencedIn(event, 'fee'),
  validate: (f) =>
    firstProblem(
      check.id(f.id),
      check.created(f.created),
      check.amount('amount', f.amount),
      check.amount('amount_refunded', f.amount_refunded, true),
      check.currency(f.currency)
    ),
  children: [
    {
      table: 'stripe_application_fee_refunds',
      idColumn: 'id',
      parentColumn: 'fee_id',
      removedColumn: 'removed_at',
      columns: REFUND_COLUMNS,
      indexes: ['fee_id'],
      rows: (f, context) =>
        (f.refunds?.data ?? []).map((r) => ({
          id: r.id,
          fee_id: f.id,
          amount: r.amount,
          currency: r.currency,
          balance_transaction_id: idOf(r.balance_transaction as Ref),
          created_at: r.created,
          ...commonValues({ livemode: f.livemode, metadata: r.metadata }, r, context, true)
        })),
      async complete(stripe, f) {
        if (!f.refunds?.has_more) return undefined
        const data: Stripe.FeeRefund[] = []
        for await (const r of stripe.applicationFees.listRefunds(f.id, { limit: 100 })) data.push(r)
        return { ...f, refunds: { ...f.refunds, data, has_more: false } }
      }
    }
  ],
  dashboardPath: (f) => `connect/application_fees/${encodeURIComponent(f.id)}`
}
