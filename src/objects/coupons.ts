import type Stripe from 'stripe'
import { check, commonColumns, commonValues, firstProblem, type ObjectSpec } from './spec.js'

const DURATIONS = new Set(['forever', 'once', 'repeating'])

/**
 * Coupons: what a discount takes off (a percent, or an amount per invoice in the coupon's currency or
 * one of its `currency_options`) and for how long (`forever`, `once`, `repeating`). MRR reads them
 * through the discounts kept in stripe_discounts. A deleted coupon leaves Stripe's lists, but the
 * discounts made from it go on: its row is kept with `deleted_at`.
 */
export const coupons: ObjectSpec<Stripe.Coupon, 'coupons'> = {
  name: 'coupons',
  objectType: 'coupon',
  noun: 'coupon',
  plural: 'coupons',
  table: 'stripe_coupons',
  idColumn: 'id',
  columns: [
    { name: 'id', type: 'text', notNull: true, fromRow: true },
    { name: 'name', type: 'text', fromRow: true },
    { name: 'percent_off', type: 'numeric', fromRow: true },
    { name: 'amount_off', type: 'bigint', fromRow: true },
    { name: 'currency', type: 'text', fromRow: true },
    // Amounts off in other currencies: {"eur": {"amount_off": 500}}.
    { name: 'currency_options', type: 'jsonb', fromRow: true },
    { name: 'duration', type: 'text', notNull: true, fromRow: true },
    { name: 'duration_in_months', type: 'integer', fromRow: true },
    // Products the coupon is limited to ({"products": [...]}); NULL: every product.
    { name: 'applies_to', type: 'jsonb', fromRow: true },
    { name: 'valid', type: 'boolean', fromRow: true },
    { name: 'max_redemptions', type: 'bigint', fromRow: true },
    { name: 'times_redeemed', type: 'bigint', fromRow: true },
    { name: 'redeem_by', type: 'timestamptz', fromRow: true },
    { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
    { name: 'deleted_at', type: 'timestamptz', fromRow: false },
    ...commonColumns({ metadata: true })
  ],
  indexes: ['created_at'],
  toRow: (c, context) => ({
    id: c.id,
    name: c.name ?? null,
    percent_off: c.percent_off ?? null,
    amount_off: c.amount_off ?? null,
    currency: c.currency ?? null,
    currency_options: c.currency_options ?? null,
    duration: c.duration,
    duration_in_months: c.duration_in_months ?? null,
    applies_to: c.applies_to ?? null,
    valid: c.valid ?? null,
    max_redemptions: c.max_redemptions ?? null,
    times_redeemed: c.times_redeemed ?? null,
    redeem_by: c.redeem_by ?? null,
    created_at: c.created,
    ...commonValues(c, c, context, true)
  }),
  resource: (stripe) => stripe.coupons,
  permission: 'Coupons: Read',
  events: ['coupon.created', 'coupon.updated', 'coupon.deleted'],
  deletionEvents: ['coupon.deleted'],
  resweepLookbackSeconds: Number.POSITIVE_INFINITY,
  validate: (c) =>
    firstProblem(
      check.id(c.id),
      check.created(c.created),
      DURATIONS.has(c.duration) ? undefined : `duration is not forever, once or repeating (${String(c.duration)})`,
      c.percent_off == null || (typeof c.percent_off === 'number' && c.percent_off >= 0 && c.percent_off <= 100)
        ? undefined
        : 'percent_off is not between 0 and 100',
      check.amount('amount_off', c.amount_off, true),
      check.currency(c.currency, true)
    ),
  dashboardPath: (c) => `coupons/${encodeURIComponent(c.id)}`
}
