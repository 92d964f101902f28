import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, idOf, type ObjectSpec } from './spec.js'

/**
 * Products: what prices are for, and the names MRR by product shows. A deleted product leaves
 * Stripe's lists; its row is kept with `deleted_at` (prices and old subscriptions still name it).
 */
export const products: ObjectSpec<Stripe.Product, 'products'> = {
  name: 'products',
  objectType: 'product',
  noun: 'product',
  plural: 'products',
  table: 'stripe_products',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'name', type: 'text', fromRow: true },
    { name: 'active', type: 'boolean', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'default_price_id', type: 'text', fromRow: true },
    { name: 'type', type: 'text', fromRow: true },
    { name: 'unit_label', type: 'text', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    { name: 'stripe_updated_at', type: 'timestamptz', fromRow: true },
    // When Stripe deleted the product (its product.deleted event); NULL while it exists.
    { name: 'deleted_at', type: 'timestamptz', fromRow: false },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at'],
  toRow: (p, context) => ({
    id: p.id,
    name: p.name ?? null,
    active: p.active ?? null,
    description: p.description ?? null,
    default_price_id: idOf(p.default_price as string | { id: string } | null | undefined),
    type: p.type ?? null,
    unit_label: p.unit_label ?? null,
    created_at: p.created,
    stripe_updated_at: p.updated ?? null,
    ...commonValues(p, p, context, true)
  }),
  resource: (stripe) => stripe.products,
  permission: 'Products: Read',
  events: ['product.created', 'product.updated', 'product.deleted'],
  deletionEvents: ['product.deleted'],
  // A product is renamed or archived at any age.
  resweepLookbackSeconds: Number.POSITIVE_INFINITY,
  validate: (p) => firstProblem(check.id(p.id), check.created(p.created), p.name === undefined || typeof p.name === 'string' ? undefined : 'name is not text'),
  dashboardPath: (p) => `products/${encodeURIComponent(p.id)}`
}
