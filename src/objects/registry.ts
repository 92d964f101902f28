import { applicationFees } from './application-fees.js'
import { balanceTransactions } from './balance-transactions.js'
import { charges } from './charges.js'
import { checkoutSessions } from './checkout-sessions.js'
import { coupons } from './coupons.js'
import { customers } from './customers.js'
import { disputes } from './disputes.js'
import { invoices } from './invoices.js'
import { paymentIntents } from './payment-intents.js'
import { payouts } from './payouts.js'
import { prices } from './prices.js'
import { products } from './products.js'
import { refunds } from './refunds.js'
import type { ObjectSpec, StripeObject } from './spec.js'
import { subscriptions } from './subscriptions.js'
import { transfers } from './transfers.js'

/**
 * Every object the action syncs, once, in the order runs report them; `all` means every one of
 * these. The compiler checks that each key is its spec's name.
 */
const SPECS = {
  charges,
  balance_transactions: balanceTransactions,
  refunds,
  disputes,
  payouts,
  customers,
  subscriptions,
  invoices,
  products,
  prices,
  coupons,
  application_fees: applicationFees,
  transfers,
  payment_intents: paymentIntents,
  checkout_sessions: checkoutSessions
} as const satisfies { [K in string]: ObjectSpec<StripeObject, K> }

export type ObjectName = keyof typeof SPECS
/** The Stripe type an object's spec handles: ObjectOf<'payouts'> is Stripe.Payout. */
export type ObjectOf<N extends ObjectName> = (typeof SPECS)[N] extends ObjectSpec<infer T, N> ? T : never

export const OBJECTS: ReadonlyArray<ObjectSpec<StripeObject, ObjectName>> = Object.values(SPECS)

export function specOf<N extends ObjectName>(name: N): (typeof SPECS)[N] {
  return SPECS[name]
}

export function isObjectName(name: string): name is ObjectName {
  return Object.hasOwn(SPECS, name)
}

/**
 * A batch's objects as Stripe's type for `name`, when the batch is of that object (else undefined).
 * The sync hands features batches of any object; this is where they become charges, payouts, ….
 */
export function objectsOf<N extends ObjectName>(
  batch: { name: ObjectName; objects: readonly StripeObject[] },
  name: N
): ReadonlyArray<ObjectOf<N>> | undefined {
  return batch.name === name ? (batch.objects as ReadonlyArray<ObjectOf<N>>) : undefined
}

/** A batch's charges, when it is a batch of charges. */
export function chargesIn(batch: { name: ObjectName; objects: readonly StripeObject[] }): ReadonlyArray<ObjectOf<'charges'>> | undefined {
  return objectsOf(batch, 'charges')
}
