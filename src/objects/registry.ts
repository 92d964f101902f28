import { balanceTransactions } from './balance-transactions.js'
import { charges } from './charges.js'
import { customers } from './customers.js'
import { disputes } from './disputes.js'
import { invoices } from './invoices.js'
import { payouts } from './payouts.js'
import { refunds } from './refunds.js'
import type { ObjectName, ObjectSpec, StripeObject } from './spec.js'
import { subscriptions } from './subscriptions.js'

/** Every object the action syncs, in the order runs report them. `all` means every one of these. */
export const OBJECTS: readonly ObjectSpec[] = [charges, balanceTransactions, refunds, disputes, payouts, customers, subscriptions, invoices]

export function specOf(name: ObjectName): ObjectSpec<StripeObject> {
  const spec = OBJECTS.find((o) => o.name === name)
  if (!spec) throw new Error(`unknown object ${name}`)
  return spec
}

/** The names `objects` accepts. */
export function objectNames(): string[] {
  return OBJECTS.map((o) => o.name)
}
