import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

/**
 * Prices: the catalogue subscription items point at. Stripe never deletes a price that was used
 * (it is archived: `active` false); one deleted unused is kept with `deleted_at`.
 */
export const prices: ObjectSpec<Stripe.Price, 'prices'> = {
  name: 'prices',
  objectType: 'price',
  noun: 'price',
  plural: 'prices',
  table: 'stripe_prices',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'product_id', type: 'text', fromRow: true },
    { name: 'active', type: 'boolean', fromRow: true },
    { name: 'nickname', type: 'text', fromRow: true },
    { name: 'lookup_key', type: 'text', fromRow: true },
    { name: 'currency', type: 'text', notNull: true, fromRow: true },
    { name: 'type', type: 'text', fromRow: true },
    { name: 'billing_scheme', type: 'text', fromRow: true },
    { name: 'unit_amount', type: 'bigint', fromRow: true },
    // Exact unit amount (may have decimals of a minor unit); NULL for tiered prices.
    { name: 'unit_amount_decimal', type: 'numeric', fromRow: true },
    { name: 'interval', type: 'text', fromRow: true },
    { name: 'interval_count', type: 'integer', fromRow: true },
    { name: 'usage_type', type: 'text', fromRow: true },
    { name: 'tax_behavior', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    { name: 'deleted_at', type: 'timestamptz', fromRow: false },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'product_id'],
  toRow: (p, context) => ({
    id: p.id,
    product_id: idOf(p.product as string | { id: string } | null),
    active: p.active ?? null,
    nickname: p.nickname ?? null,
    lookup_key: p.lookup_key ?? null,
    currency: p.currency,
    type: p.type ?? null,
    billing_scheme: p.billing_scheme ?? null,
    unit_amount: p.unit_amount ?? null,
    unit_amount_decimal: p.unit_amount_decimal == null ? null : String(p.unit_amount_decimal),
    interval: p.recurring?.interval ?? null,
    interval_count: p.recurring?.interval_count ?? null,
    usage_type: p.recurring?.usage_type ?? null,
    tax_behavior: p.tax_behavior ?? null,
    created_at: p.created,
    ...commonValues(p, p, context, true)
  }),
  resource: (stripe) => stripe.prices,
  permission: 'Prices: Read',
  events: ['price.created', 'price.updated', 'price.deleted'],
  deletionEvents: ['price.deleted'],
  resweepLookbackSeconds: Number.POSITIVE_INFINITY,
  validate: (p) =>
    firstProblem(
      check.id(p.id),
      check.created(p.created),
      check.currency(p.currency),
      check.amount('unit_amount', p.unit_amount, true),
      p.unit_amount_decimal == null || /^-?\d+(\.\d+)?$/.test(String(p.unit_amount_decimal)) ? undefined : 'unit_amount_decimal is not a decimal'
    ),
  dashboardPath: (p) => `prices/${encodeURIComponent(p.id)}`
}
