import type Stripe from 'stripe'
import { commonColumns, commonValues, idOf, type ChildTable, type Column, type Row, type RowContext } from './spec.js'

/**
 * Discounts, kept where MRR can use them: one table, stripe_discounts, written with the customers
 * (a customer's discount) and with the subscriptions (theirs and their items'). Each row names the
 * object that lists it (`parent_id`: a customer or a subscription) and the coupon it applies; a
 * discount its parent no longer lists keeps its row, with `removed_at` set, so months before it
 * still count it.
 */
const DISCOUNT_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true, fromRow: true },
  // The customer or subscription that lists the discount.
  { name: 'parent_id', type: 'text', notNull: true, fromRow: true },
  { name: 'customer_id', type: 'text', fromRow: true },
  { name: 'subscription_id', type: 'text', fromRow: true },
  // Set when the discount applies to one item of the subscription only.
  { name: 'subscription_item_id', type: 'text', fromRow: true },
  { name: 'coupon_id', type: 'text', fromRow: true },
  { name: 'promotion_code_id', type: 'text', fromRow: true },
  { name: 'start_at', type: 'timestamptz', fromRow: true },
  // When a repeating coupon's discount ends; NULL for forever and once.
  { name: 'end_at', type: 'timestamptz', fromRow: true },
  // When its parent no longer listed it (removed, or a once coupon used up); NULL while it does.
  { name: 'removed_at', type: 'timestamptz', fromRow: false },
  ...commonColumns({ metadata: false })
]

type Ref = string | { id: string } | null | undefined

/** A discount as Stripe sends it; a bare id means it was not expanded and cannot be read. */
export function discountRow(value: string | Stripe.Discount, parent: string, livemode: boolean, context: RowContext): Row {
  if (typeof value === 'string') throw new Error(`discount ${value} was not expanded`)
  const d = value
  // API versions before 2025 named the coupon at `coupon`; newer ones at `source.coupon`.
  const coupon = idOf((d.source?.coupon ?? (d as { coupon?: Ref }).coupon) as Ref)
  return {
    id: d.id,
    parent_id: parent,
    customer_id: idOf(d.customer as Ref),
    subscription_id: d.subscription ?? null,
    subscription_item_id: d.subscription_item ?? null,
    coupon_id: coupon,
    promotion_code_id: idOf(d.promotion_code as Ref),
    start_at: d.start ?? null,
    end_at: d.end ?? null,
    ...commonValues({ livemode }, d, context, false)
  }
}

export function discountTable<T extends { id: string }>(rows: (object: T, context: RowContext) => Row[]): ChildTable<T> {
  return {
    table: 'stripe_discounts',
    idColumn: 'id',
    parentColumn: 'parent_id',
    removedColumn: 'removed_at',
    columns: DISCOUNT_COLUMNS,
    indexes: ['parent_id', 'subscription_item_id', 'coupon_id'],
    rows
  }
}

/** The customer or subscription a `customer.discount.*` event concerns. */
export function discountOwner(event: Stripe.Event, owner: 'customer' | 'subscription'): { id: string } | undefined {
  if (!event.type.startsWith('customer.discount.')) return undefined
  const d = event.data.object as Partial<Stripe.Discount>
  const subscription = typeof d.subscription === 'string' ? d.subscription : undefined
  if (owner === 'subscription') return subscription ? { id: subscription } : undefined
  const customer = idOf(d.customer as Ref)
  return !subscription && customer ? { id: customer } : undefined
}
