import type Stripe from 'stripe'
import { generateCharges, seededRandom } from './fixtures.js'
import type { StripeStandIn } from './stripe-standin.js'

/**
 * A Connect platform on a stand-in: its own charges and `accounts` connected accounts with 0 to
 * `maxCharges` charges each (every account's charges its own, ids unique across the platform), the
 * last `revoked` of which revoked the platform's access.
 */
export interface Platform {
  /** The platform's own charges. */
  own: Stripe.Charge[]
  /** Each connected account's charges. */
  accounts: Map<string, Stripe.Charge[]>
  revoked: string[]
}

export function addPlatform(
  stripe: StripeStandIn,
  options: { accounts: number; maxCharges: number; ownCharges: number; revoked?: number; seed?: number; from: number; to: number }
): Platform {
  const random = seededRandom(options.seed ?? 31)
  const own = generateCharges({ count: options.ownCharges, seed: (options.seed ?? 31) * 7, from: options.from, to: options.to })
  stripe.addCharges(own)
  const accounts = new Map<string, Stripe.Charge[]>()
  const revoked: string[] = []
  for (let n = 0; n < options.accounts; n++) {
    const id = `acct_1Conn${String(n).padStart(5, '0')}${Math.floor(random() * 1e6)}`
    const child = stripe.connect(id, options.from - 86400 + n)
    const charges = generateCharges({ count: Math.floor(random() * (options.maxCharges + 1)), seed: 1000 + n, from: options.from, to: options.to })
    child.addCharges(charges)
    accounts.set(id, charges)
    if (n >= options.accounts - (options.revoked ?? 0)) {
      stripe.revoke(id)
      revoked.push(id)
    }
  }
  return { own, accounts, revoked }
}
