import type Stripe from 'stripe'
import { generateCharges, randomId, seededRandom } from './fixtures.js'
import type { StripeStandIn } from './stripe-standin.js'

/**
 * A Connect platform on a stand-in: its own charges and `accounts` connected accounts with 0 to
 * `maxCharges` charges each (every account's charges its own, ids unique across the platform), the
 * last `revoked` of which revoked the platform's access.
 */
export interface Platform {
  /** The platform's own charges. */
  own: Stripe.Charge[]
  /** The platform's application fees on its accounts' charges (some refunded) and its transfers (some reversed). */
  fees: Stripe.ApplicationFee[]
  transfers: Stripe.Transfer[]
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
  const fees: Stripe.ApplicationFee[] = []
  const transfers: Stripe.Transfer[] = []
  for (let n = 0; n < options.accounts; n++) {
    const id = `acct_1Conn${String(n).padStart(5, '0')}${Math.floor(random() * 1e6)}`
    const child = stripe.connect(id, options.from - 86400 + n)
    const charges = generateCharges({ count: Math.floor(random() * (options.maxCharges + 1)), seed: 1000 + n, from: options.from, to: options.to })
    child.addCharges(charges)
    accounts.set(id, charges)
    // A 10 % fee on each succeeded charge; one in ten refunded, in full or half. A transfer of the rest for some.
    for (const charge of charges.filter((c) => c.status === 'succeeded')) {
      const roll = random()
      fees.push(makeApplicationFee(randomId('fee_', random), id, charge, roll < 0.05 ? 'full' : roll < 0.1 ? 'half' : 'none'))
      if (random() < 0.3) transfers.push(makeTransfer(randomId('tr_', random), id, charge, random() < 0.1))
    }
    if (n >= options.accounts - (options.revoked ?? 0)) {
      stripe.revoke(id)
      revoked.push(id)
    }
  }
  stripe.applicationFees.add(fees)
  stripe.transfers.add(transfers)
  return { own, accounts, revoked, fees, transfers }
}

export function makeApplicationFee(id: string, account: string, charge: Stripe.Charge, refund: 'none' | 'half' | 'full'): Stripe.ApplicationFee {
  const amount = Math.max(1, Math.round(charge.amount / 10))
  const refunded = refund === 'full' ? amount : refund === 'half' ? Math.floor(amount / 2) : 0
  const refunds: Stripe.FeeRefund[] =
    refunded > 0
      ? [
          {
            id: `fr_${id.slice(4)}`,
            object: 'fee_refund',
            amount: refunded,
            balance_transaction: null,
            created: charge.created + 3600,
            currency: charge.currency,
            fee: id,
            metadata: {}
          }
        ]
      : []
  return {
    id,
    object: 'application_fee',
    account,
    amount,
    amount_refunded: refunded,
    application: 'ca_StandInPlatform',
    balance_transaction: null,
    charge: charge.id,
    created: charge.created + 1,
    currency: charge.currency,
    fee_source: null,
    livemode: false,
    originating_transaction: null,
    refunded: refunded === amount,
    refunds: { object: 'list', data: refunds, has_more: false, url: `/v1/application_fees/${id}/refunds` }
  } satisfies Stripe.ApplicationFee
}

export function makeTransfer(id: string, destination: string, charge: Stripe.Charge, reversed: boolean): Stripe.Transfer {
  const amount = charge.amount - Math.max(1, Math.round(charge.amount / 10))
  const reversals: Stripe.TransferReversal[] = reversed
    ? [
        {
          id: `trr_${id.slice(3)}`,
          object: 'transfer_reversal',
          amount,
          balance_transaction: null,
          created: charge.created + 7200,
          currency: charge.currency,
          destination_payment_refund: null,
          metadata: {},
          source_refund: null,
          transfer: id
        }
      ]
    : []
  return {
    id,
    object: 'transfer',
    amount,
    amount_reversed: reversed ? amount : 0,
    balance_transaction: null,
    created: charge.created + 2,
    currency: charge.currency,
    description: null,
    destination,
    destination_payment: `py_${id.slice(3)}`,
    livemode: false,
    metadata: {},
    reversals: { object: 'list', data: reversals, has_more: false, url: `/v1/transfers/${id}/reversals` },
    reversed,
    source_transaction: null,
    transfer_group: null
  } satisfies Stripe.Transfer
}
