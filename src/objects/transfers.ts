import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type Column, type ObjectSpec } from './spec.js'

type Ref = string | { id: string } | null | undefined

/** One row per reversal of a transfer. */
const REVERSAL_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true, fromRow: true },
  { name: 'transfer_id', type: 'text', notNull: true, fromRow: true },
  { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
  { name: 'currency', type: 'text', notNull: true, fromRow: true },
  { name: 'balance_transaction_id', type: 'text', fromRow: true },
  { name: 'destination_payment_refund_id', type: 'text', fromRow: true },
  { name: 'source_refund_id', type: 'text', fromRow: true },
  { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
  { name: 'removed_at', type: 'timestamptz', fromRow: false },
  ...commonColumns({ metadata: true })
]

/**
 * Transfers: money the platform sends to its connected accounts, with their reversals
 * (stripe_transfer_reversals). The platform's own: not synced for connected accounts.
 */
export const transfers: ObjectSpec<Stripe.Transfer, 'transfers'> = {
  name: 'transfers',
  objectType: 'transfer',
  noun: 'transfer',
  plural: 'transfers',
  table: 'stripe_transfers',
  idColumn: 'id',
  platformOnly: true,
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
    { name: 'amount_reversed', type: 'bigint', fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    // The connected account the money went to.
    { name: 'destination_account_id', type: 'text', fromRow: true },
    { name: 'destination_payment_id', type: 'text', fromRow: true },
    { name: 'source_transaction_id', type: 'text', fromRow: true },
    { name: 'balance_transaction_id', type: 'text', fromRow: true },
    { name: 'transfer_group', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'reversed', type: 'boolean', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'destination_account_id'],
  toRow: (t, context) => ({
    id: t.id,
    amount: t.amount,
    amount_reversed: t.amount_reversed ?? null,
    currency: t.currency,
    destination_account_id: idOf(t.destination as Ref),
    destination_payment_id: idOf(t.destination_payment as Ref),
    source_transaction_id: idOf(t.source_transaction as Ref),
    balance_transaction_id: idOf(t.balance_transaction as Ref),
    transfer_group: t.transfer_group ?? null,
    description: t.description ?? null,
    reversed: t.reversed ?? null,
    created_at: t.created,
    ...commonValues(t, t, context, true)
  }),
  resource: (stripe) => stripe.transfers,
  permission: 'Transfers: Read',
  events: ['transfer.created', 'transfer.updated', 'transfer.reversed'],
  validate: (t) =>
    firstProblem(
      check.id(t.id),
      check.created(t.created),
      check.amount('amount', t.amount),
      check.amount('amount_reversed', t.amount_reversed, true),
      check.currency(t.currency)
    ),
  children: [
    {
      table: 'stripe_transfer_reversals',
      idColumn: 'id',
      parentColumn: 'transfer_id',
      removedColumn: 'removed_at',
      columns: REVERSAL_COLUMNS,
      indexes: ['transfer_id'],
      rows: (t, context) =>
        (t.reversals?.data ?? []).map((r) => ({
          id: r.id,
          transfer_id: t.id,
          amount: r.amount,
          currency: r.currency,
          balance_transaction_id: idOf(r.balance_transaction as Ref),
          destination_payment_refund_id: idOf(r.destination_payment_refund as Ref),
          source_refund_id: idOf(r.source_refund as Ref),
          created_at: r.created,
          ...commonValues({ livemode: t.livemode, metadata: r.metadata }, r, context, true)
        })),
      async complete(stripe, t) {
        if (!t.reversals?.has_more) return undefined
        const data: Stripe.TransferReversal[] = []
        for await (const r of stripe.transfers.listReversals(t.id, { limit: 100 })) data.push(r)
        return { ...t, reversals: { ...t.reversals, data, has_more: false } }
      }
    }
  ],
  dashboardPath: (t) => `connect/transfers/${encodeURIComponent(t.id)}`
}
