import type Stripe from 'stripe'
import { generateCharges, randomId, seededRandom, type GenerateOptions } from './fixtures.js'

/**
 * A linked Stripe account, shaped as the API returns it (API version 2026-10-28): charges with
 * their balance transactions (fee ≈ 2.9 % + 30 minor units; EUR, JPY and KWD settled in USD at an
 * exchange rate, GBP settled in GBP), refunds and disputes with theirs, a monthly Stripe fee, and
 * daily automatic payouts that pay out the transactions that became available that day.
 */
export interface Account {
  charges: Stripe.Charge[]
  balanceTransactions: Stripe.BalanceTransaction[]
  refunds: Stripe.Refund[]
  disputes: Stripe.Dispute[]
  payouts: Stripe.Payout[]
  /** Payout id → the ids of the transactions it paid out (its own transaction not included). */
  payoutTransactions: Map<string, string[]>
}

const DAY = 86400
/** Per unit of the charge currency, in the settlement currency. */
export const FX: Readonly<Record<string, { settle: string; rate: number | null }>> = {
  usd: { settle: 'usd', rate: null },
  gbp: { settle: 'gbp', rate: null },
  eur: { settle: 'usd', rate: 1.08 },
  jpy: { settle: 'usd', rate: 0.0067 },
  kwd: { settle: 'usd', rate: 3.25 }
}
const EXPONENT: Readonly<Record<string, number>> = { usd: 2, gbp: 2, eur: 2, jpy: 0, kwd: 3 }
/** Stripe's dispute fee, settlement minor units. */
export const DISPUTE_FEE = 1500

/** Minor units of `currency` as minor units of its settlement currency. */
export function settle(minor: number, currency: string): { amount: number; currency: string; rate: number | null } {
  const fx = FX[currency] ?? { settle: currency, rate: null }
  if (fx.rate === null) return { amount: minor, currency: fx.settle, rate: null }
  const major = minor / 10 ** EXPONENT[currency]!
  return { amount: Math.round(major * fx.rate * 10 ** EXPONENT[fx.settle]!), currency: fx.settle, rate: fx.rate }
}

/** 2.9 % + 30, and 1 % more when the charge was converted. */
export function processingFee(settled: number, converted: boolean): number {
  return Math.round(settled * 0.029) + 30 + (converted ? Math.round(settled * 0.01) : 0)
}

function startOfDay(seconds: number): number {
  return Math.floor(seconds / DAY) * DAY
}

/** The balance transaction of a dispute: the disputed amount (in settlement currency) and the fee withdrawn. */
export function disputeWithdrawal(
  id: string,
  disputeId: string,
  chargeId: string,
  settled: { amount: number; currency: string; rate: number | null },
  created: number
): Stripe.BalanceTransaction {
  return balanceTransaction({
    id,
    amount: -settled.amount,
    currency: settled.currency,
    fee: DISPUTE_FEE,
    created,
    available_on: created,
    type: 'adjustment',
    reporting_category: 'dispute',
    source: disputeId,
    exchange_rate: settled.rate,
    description: `Chargeback withdrawal for ${chargeId}`
  })
}

export function balanceTransaction(fields: {
  id: string
  amount: number
  currency: string
  fee: number
  created: number
  available_on: number
  type: Stripe.BalanceTransaction.Type
  reporting_category: string
  source: string | null
  exchange_rate?: number | null
  description?: string | null
}): Stripe.BalanceTransaction {
  return {
    id: fields.id,
    object: 'balance_transaction',
    amount: fields.amount,
    available_on: fields.available_on,
    balance_type: 'payments',
    created: fields.created,
    currency: fields.currency,
    description: fields.description ?? null,
    exchange_rate: fields.exchange_rate ?? null,
    fee: fields.fee,
    fee_details:
      fields.fee === 0 ? [] : [{ amount: fields.fee, application: null, currency: fields.currency, description: 'Stripe processing fees', type: 'stripe_fee' }],
    net: fields.amount - fields.fee,
    reporting_category: fields.reporting_category,
    source: fields.source,
    // The stand-in renders `status` from `available_on` and its clock when it serves the object.
    status: 'available',
    type: fields.type
  } satisfies Stripe.BalanceTransaction
}

export function makeRefund(fields: { id: string; charge: Stripe.Charge; amount: number; created: number; balance_transaction: string }): Stripe.Refund {
  return {
    id: fields.id,
    object: 'refund',
    amount: fields.amount,
    balance_transaction: fields.balance_transaction,
    charge: fields.charge.id,
    created: fields.created,
    currency: fields.charge.currency,
    customer: fields.charge.customer,
    customer_account: null,
    destination_details: {
      card: { reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card'
    } as Stripe.Refund.DestinationDetails,
    metadata: {},
    payment_intent: fields.charge.payment_intent,
    payment_method: null,
    reason: 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null
  } satisfies Stripe.Refund
}

export function makeDispute(fields: { id: string; charge: Stripe.Charge; created: number; transactions: Stripe.BalanceTransaction[] }): Stripe.Dispute {
  return {
    id: fields.id,
    object: 'dispute',
    amount: fields.charge.amount,
    balance_transactions: fields.transactions,
    charge: fields.charge.id,
    created: fields.created,
    currency: fields.charge.currency,
    enhanced_eligibility_types: [],
    evidence: {} as Stripe.Dispute.Evidence,
    evidence_details: {
      due_by: fields.created + 7 * DAY,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0
    } as Stripe.Dispute.EvidenceDetails,
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: fields.charge.livemode,
    metadata: {},
    payment_intent: fields.charge.payment_intent,
    payment_method_details: {
      card: { brand: 'visa', case_type: 'chargeback', network_reason_code: '10.4' },
      type: 'card'
    } as Stripe.Dispute.PaymentMethodDetails,
    reason: 'fraudulent',
    status: 'needs_response'
  } satisfies Stripe.Dispute
}

export function makePayout(fields: {
  id: string
  amount: number
  currency: string
  created: number
  arrival: number
  status: string
  balance_transaction: string
  livemode: boolean
}): Stripe.Payout {
  return {
    id: fields.id,
    object: 'payout',
    amount: fields.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: fields.arrival,
    automatic: true,
    balance_transaction: fields.balance_transaction,
    created: fields.created,
    currency: fields.currency,
    description: 'STRIPE PAYOUT',
    destination: 'ba_1StandInBankAccount',
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: fields.livemode,
    metadata: {},
    method: 'standard',
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'completed',
    reversed_by: null,
    source_type: 'card',
    statement_descriptor: null,
    status: fields.status,
    trace_id: { status: 'supported', value: null },
    type: 'bank_account'
  } satisfies Stripe.Payout
}

export interface AccountOptions extends GenerateOptions {
  /** The account's clock: nothing is created after it; payouts arriving by then are paid. */
  now: number
  /** Share of succeeded, unrefunded charges disputed. */
  disputeRate?: number
}

/** Generates a whole linked account; charges as `generateCharges` makes them. */
export function generateAccount(options: AccountOptions): Account {
  const random = seededRandom((options.seed ?? 1) + 7919)
  const charges = generateCharges(options)
  const bts: Stripe.BalanceTransaction[] = []
  const refunds: Stripe.Refund[] = []
  const disputes: Stripe.Dispute[] = []
  const end = Math.min(options.now, options.to + DAY)

  for (const charge of charges) {
    if (charge.status !== 'succeeded') continue
    const s = settle(charge.amount, charge.currency)
    const fee = processingFee(s.amount, s.rate !== null)
    bts.push(
      balanceTransaction({
        id: charge.balance_transaction as string,
        amount: s.amount,
        currency: s.currency,
        fee,
        created: charge.created,
        available_on: startOfDay(charge.created) + 2 * DAY,
        type: 'charge',
        reporting_category: 'charge',
        source: charge.id,
        exchange_rate: s.rate,
        description: charge.description
      })
    )
    if (charge.amount_refunded > 0) {
      const created = Math.min(end - 1, charge.created + 3600 + Math.floor(random() * DAY))
      const txn = randomId('txn_', random)
      const refundSettled = settle(charge.amount_refunded, charge.currency)
      bts.push(
        balanceTransaction({
          id: txn,
          amount: -refundSettled.amount,
          currency: refundSettled.currency,
          fee: 0,
          created,
          available_on: created,
          type: 'refund',
          reporting_category: 'refund',
          source: '',
          exchange_rate: refundSettled.rate
        })
      )
      const refund = makeRefund({ id: randomId('re_', random), charge, amount: charge.amount_refunded, created, balance_transaction: txn })
      bts.at(-1)!.source = refund.id
      refunds.push(refund)
    } else if (random() < (options.disputeRate ?? 0.01)) {
      const created = Math.min(end - 1, charge.created + 5 * DAY)
      const id = randomId('dp_', random)
      const txn = disputeWithdrawal(randomId('txn_', random), id, charge.id, s, created)
      bts.push(txn)
      disputes.push(makeDispute({ id, charge, created, transactions: [txn] }))
      charge.disputed = true
    }
  }
  // Stripe's own monthly fee, on the first of each month.
  for (
    let month = new Date(options.from * 1000);
    month.getTime() / 1000 < end;
    month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1))
  ) {
    const first = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1) / 1000
    if (first >= end || first < options.from) continue
    bts.push(
      balanceTransaction({
        id: randomId('txn_', random),
        amount: -2500,
        currency: 'usd',
        fee: 0,
        created: first + 60,
        available_on: first + 60,
        type: 'stripe_fee',
        reporting_category: 'fee',
        source: null,
        description: 'Billing: Radar'
      })
    )
  }

  // Daily automatic payouts per settlement currency: what became available that day.
  const payouts: Stripe.Payout[] = []
  const payoutTransactions = new Map<string, string[]>()
  const byDay = new Map<string, Stripe.BalanceTransaction[]>()
  for (const t of bts) {
    const day = startOfDay(t.available_on)
    const key = `${t.currency}:${day}`
    const list = byDay.get(key) ?? []
    list.push(t)
    byDay.set(key, list)
  }
  for (const [key, list] of [...byDay].sort(([a], [b]) => Number(a.split(':')[1]) - Number(b.split(':')[1]) || a.localeCompare(b))) {
    const [currency, dayText] = key.split(':')
    const day = Number(dayText)
    // Paid out the next morning, arriving a day later.
    const created = day + DAY + 3600
    if (created >= end) continue
    const amount = list.reduce((n, t) => n + t.net, 0)
    if (amount <= 0) continue
    const id = randomId('po_', random)
    const own = balanceTransaction({
      id: randomId('txn_', random),
      amount: -amount,
      currency: currency!,
      fee: 0,
      created,
      available_on: created,
      type: 'payout',
      reporting_category: 'payout',
      source: id,
      description: 'STRIPE PAYOUT'
    })
    bts.push(own)
    const arrival = day + 2 * DAY
    payouts.push(
      makePayout({
        id,
        amount,
        currency: currency!,
        created,
        arrival,
        status: arrival <= options.now ? 'paid' : 'in_transit',
        balance_transaction: own.id,
        livemode: options.livemode ?? false
      })
    )
    payoutTransactions.set(
      id,
      list.map((t) => t.id)
    )
  }
  bts.sort((a, b) => a.created - b.created)
  return { charges, balanceTransactions: bts, refunds, disputes, payouts, payoutTransactions }
}
