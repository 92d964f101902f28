import type Stripe from 'stripe'
import { discountOwner, discountRow, discountTable } from './discounts.js'
import { check, commonColumns, commonValues, firstProblem, idOf, type Column, type ObjectSpec, type Row, type RowContext } from './spec.js'

/** One row per subscription item: what MRR is made of. */
const ITEM_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true, fromRow: true },
  { name: 'subscription_id', type: 'text', notNull: true, fromRow: true },
  { name: 'price_id', type: 'text', fromRow: true },
  { name: 'product_id', type: 'text', fromRow: true },
  { name: 'unit_amount', type: 'bigint', fromRow: true },
  // Exact unit amount (may have decimals of a minor unit); NULL for tiered prices.
  { name: 'unit_amount_decimal', type: 'numeric', fromRow: true },
  { name: 'currency', type: 'text', fromRow: true },
  { name: 'interval', type: 'text', fromRow: true },
  { name: 'interval_count', type: 'integer', fromRow: true },
  { name: 'usage_type', type: 'text', fromRow: true },
  { name: 'billing_scheme', type: 'text', fromRow: true },
  { name: 'quantity', type: 'bigint', fromRow: true },
  { name: 'created_at', type: 'timestamptz', fromRow: true },
  { name: 'current_period_start', type: 'timestamptz', fromRow: true },
  { name: 'current_period_end', type: 'timestamptz', fromRow: true },
  // When the item was no longer on its subscription (removed or replaced); NULL while it is.
  { name: 'removed_at', type: 'timestamptz', fromRow: false },
  ...commonColumns({ metadata: true })
]

function itemRow(item: Stripe.SubscriptionItem, subscription: Stripe.Subscription, context: RowContext): Row {
  const price = item.price
  return {
    id: item.id,
    subscription_id: subscription.id,
    price_id: price?.id ?? null,
    product_id: idOf(price?.product as string | { id: string } | null),
    unit_amount: price?.unit_amount ?? null,
    unit_amount_decimal: price?.unit_amount_decimal == null ? null : String(price.unit_amount_decimal),
    currency: price?.currency ?? subscription.currency,
    interval: price?.recurring?.interval ?? null,
    interval_count: price?.recurring?.interval_count ?? null,
    usage_type: price?.recurring?.usage_type ?? null,
    billing_scheme: price?.billing_scheme ?? null,
    quantity: item.quantity ?? null,
    created_at: item.created ?? null,
    current_period_start: item.current_period_start ?? null,
    current_period_end: item.current_period_end ?? null,
    ...commonValues({ livemode: subscription.livemode, metadata: item.metadata }, item, context, true)
  }
}

/**
 * Subscriptions, with their items in stripe_subscription_items. Stripe lists only subscriptions
 * that are not canceled unless asked for `status=all`, which the action always asks.
 */
export const subscriptions: ObjectSpec<Stripe.Subscription, 'subscriptions'> = {
  name: 'subscriptions',
  objectType: 'subscription',
  noun: 'subscription',
  plural: 'subscriptions',
  table: 'stripe_subscriptions',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'customer_id', type: 'text', fromRow: true },
    { name: 'status', type: 'text', notNull: true, fromRow: true },
    { name: 'currency', type: 'text', fromRow: true },
    { name: 'collection_method', type: 'text', fromRow: true },
    { name: 'start_date', type: 'timestamptz', fromRow: true },
    { name: 'trial_start', type: 'timestamptz', fromRow: true },
    { name: 'trial_end', type: 'timestamptz', fromRow: true },
    { name: 'cancel_at', type: 'timestamptz', fromRow: true },
    { name: 'cancel_at_period_end', type: 'boolean', fromRow: true },
    { name: 'canceled_at', type: 'timestamptz', fromRow: true },
    { name: 'ended_at', type: 'timestamptz', fromRow: true },
    { name: 'latest_invoice_id', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'customer_id', 'status'],
  toRow: (s, context) => ({
    id: s.id,
    customer_id: idOf(s.customer as string | { id: string }),
    status: s.status,
    currency: s.currency ?? null,
    collection_method: s.collection_method ?? null,
    start_date: s.start_date ?? null,
    trial_start: s.trial_start ?? null,
    trial_end: s.trial_end ?? null,
    cancel_at: s.cancel_at ?? null,
    cancel_at_period_end: s.cancel_at_period_end ?? null,
    canceled_at: s.canceled_at ?? null,
    ended_at: s.ended_at ?? null,
    latest_invoice_id: idOf(s.latest_invoice as string | { id: string } | null),
    description: s.description ?? null,
    created_at: s.created,
    ...commonValues(s, s, context, true)
  }),
  resource: (stripe) => stripe.subscriptions,
  // Discounts come as ids unless expanded; MRR needs their coupons.
  listParams: { status: 'all', expand: ['data.discounts', 'data.items.data.discounts'] },
  retrieveParams: { expand: ['discounts', 'items.data.discounts'] },
  permission: 'Subscriptions: Read',
  events: [
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
    'customer.subscription.paused',
    'customer.subscription.resumed',
    'customer.subscription.trial_will_end',
    'customer.subscription.pending_update_applied',
    'customer.subscription.pending_update_expired',
    'customer.discount.created',
    'customer.discount.updated',
    'customer.discount.deleted'
  ],
  referencedBy: (event) => discountOwner(event, 'subscription'),
  // Its status over time (past_due → unpaid → active): a month counts what was true then.
  history: {
    table: 'stripe_subscription_status_history',
    childColumn: 'subscription_id',
    startColumn: 'start_date',
    copied: ['status'],
    tracked: ['status']
  },
  // A subscription can change at any age (a cancellation, a new quantity).
  resweepLookbackSeconds: Number.POSITIVE_INFINITY,
  validate: (s) =>
    firstProblem(
      check.id(s.id),
      check.created(s.created),
      check.currency(s.currency, true),
      typeof s.status === 'string' ? undefined : 'status is missing',
      Array.isArray(s.items?.data) ? undefined : 'items is missing'
    ),
  children: [
    {
      table: 'stripe_subscription_items',
      idColumn: 'id',
      parentColumn: 'subscription_id',
      removedColumn: 'removed_at',
      columns: ITEM_COLUMNS,
      indexes: ['subscription_id', 'price_id'],
      rows: (s, context) => (s.items?.data ?? []).map((item) => itemRow(item, s, context)),
      // Quantities and prices change: each version is kept, so MRR history sees expansion and contraction.
      history: {
        table: 'stripe_subscription_item_history',
        childColumn: 'item_id',
        startColumn: 'created_at',
        copied: ['subscription_id', 'price_id', 'currency', 'unit_amount_decimal', 'interval', 'interval_count', 'usage_type', 'quantity'],
        tracked: ['price_id', 'unit_amount_decimal', 'interval', 'interval_count', 'usage_type', 'quantity']
      },
      async complete(stripe, s) {
        if (!s.items?.has_more) return undefined
        const data: Stripe.SubscriptionItem[] = []
        for await (const item of stripe.subscriptionItems.list({ subscription: s.id, limit: 100, expand: ['data.discounts'] })) data.push(item)
        return { ...s, items: { ...s.items, data, has_more: false } }
      }
    },
    // The subscription's discounts and its items': item discounts apply first, then the subscription's.
    discountTable<Stripe.Subscription>((s, context) => [
      ...(s.discounts ?? []).map((d) => discountRow(d, s.id, s.livemode, context)),
      ...(s.items?.data ?? []).flatMap((item) => (item.discounts ?? []).map((d) => discountRow(d, s.id, s.livemode, context)))
    ])
  ],
  dashboardPath: (s) => `subscriptions/${encodeURIComponent(s.id)}`
}
