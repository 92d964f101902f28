import type Stripe from 'stripe'
import { discountOwner, discountRow, discountTable } from './discounts.js'
import { check, commonColumns, commonValues, firstProblem, type ObjectSpec } from './spec.js'

/**
 * Customers. A deleted customer disappears from Stripe's lists and exists only as a
 * `customer.deleted` event: its row is kept, with `deleted_at` set.
 */
export const customers: ObjectSpec<Stripe.Customer, 'customers'> = {
  name: 'customers',
  objectType: 'customer',
  noun: 'customer',
  plural: 'customers',
  table: 'stripe_customers',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'email', type: 'text', fromRow: true },
    { name: 'name', type: 'text', fromRow: true },
    { name: 'description', type: 'text', fromRow: true },
    { name: 'phone', type: 'text', fromRow: true },
    { name: 'currency', type: 'text', fromRow: true },
    { name: 'balance', type: 'bigint', fromRow: true },
    { name: 'delinquent', type: 'boolean', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    // When Stripe deleted the customer (from its customer.deleted event); NULL while it exists.
    { name: 'deleted_at', type: 'timestamptz', fromRow: false },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at', 'email'],
  toRow: (c, context) => ({
    id: c.id,
    email: c.email ?? null,
    name: c.name ?? null,
    description: c.description ?? null,
    phone: c.phone ?? null,
    currency: c.currency ?? null,
    balance: c.balance ?? null,
    delinquent: c.delinquent ?? null,
    created_at: c.created,
    ...commonValues(c, c, context, true)
  }),
  // Retrieving a deleted customer answers { id, deleted: true }: handled where objects are re-fetched.
  resource: (stripe) => stripe.customers,
  permission: 'Customers: Read',
  events: ['customer.created', 'customer.updated', 'customer.deleted', 'customer.discount.created', 'customer.discount.updated', 'customer.discount.deleted'],
  referencedBy: (event) => discountOwner(event, 'customer'),
  // The customer's own discount (applied to subscriptions that have none of their own).
  children: [discountTable<Stripe.Customer>((c, context) => (c.discount ? [discountRow(c.discount, c.id, c.livemode, context)] : []))],
  deletionEvents: ['customer.deleted'],
  resweepLookbackSeconds: Number.POSITIVE_INFINITY,
  validate: (c) => firstProblem(check.id(c.id), check.created(c.created), check.amount('balance', c.balance, true), check.currency(c.currency, true)),
  dashboardPath: (c) => `customers/${encodeURIComponent(c.id)}`
}
