import type Stripe from 'stripe'
import type { Account } from './account.js'
import { makeDispute, makePayout, makeRefund } from './account.js'
import { makeInvoice, makeSubscription } from './billing.js'
import { makeCharge, randomId, seededRandom } from './fixtures.js'

/**
 * An account with a weekly rhythm, for the monitors: busy afternoons, quiet nights, slower weekends,
 * days that swing by ±20 %; normal declines (issuer declines with their codes, a few Radar blocks)
 * with retries by the same card within minutes; refunds a few hours to two days after a sale;
 * disputes a week or two after one; daily payouts; monthly subscription renewals, a few failing.
 * Each incident the monitors exist for can be injected. All times in Unix seconds (UTC).
 */

const HOUR = 3600
const DAY = 86400

/** Sales per hour of the day (UTC), relative to the mean: quiet nights, busy afternoons. */
const HOUR_SHAPE = [0.15, 0.1, 0.08, 0.07, 0.08, 0.15, 0.35, 0.6, 0.9, 1.15, 1.3, 1.45, 1.55, 1.65, 1.7, 1.7, 1.6, 1.5, 1.35, 1.2, 1.0, 0.75, 0.5, 0.3]
const SHAPE_MEAN = HOUR_SHAPE.reduce((a, b) => a + b, 0) / 24

const DECLINE_CODES = ['insufficient_funds', 'do_not_honor', 'generic_decline', 'card_declined', 'expired_card', 'incorrect_cvc'] as const

export interface Incidents {
  /** No sale from `from` on (the checkout broke), until the clock. */
  silenceFrom?: number
  /** Issuers decline this share of attempts in [from, to). */
  declines?: { from: number; to: number; share: number }
  /** Card testing: `attempts` small attempts from `cards` cards within [from, from + minutes), `declined` of them declined. */
  cardTesting?: { from: number; minutes: number; attempts: number; cards: number; declined: number }
  /** This share of the last 30 days' card sales disputed, the disputes created in the last `days` days. */
  disputes?: { share: number; days: number }
  /** `count` extra refunds in [from, to). */
  refunds?: { from: number; to: number; count: number }
  /** The newest payout that has arrived fails (account_closed). */
  failedPayout?: boolean
  /** `count` failed renewals in [from, to). */
  renewals?: { from: number; to: number; count: number }
}

export interface MonitorAccountOptions {
  /** The account's clock: nothing is created at or after it. */
  now: number
  /** Weeks of history before `now`. */
  weeks: number
  /** Mean sales a day on a weekday. */
  salesPerDay: number
  seed?: number
  /** Share of attempts issuers decline in normal times (first tries). */
  declineShare?: number
  /** Share of sales refunded. */
  refundShare?: number
  /** Share of sales disputed. */
  disputeShare?: number
  /** Subscriptions renewing monthly (their renewals spread over the month). */
  subscriptions?: number
  incidents?: Incidents
  livemode?: boolean
}

export interface MonitorAccount extends Account {
  invoices: Stripe.Invoice[]
}

/** A Poisson count with mean `mean` (Knuth's method; a normal approximation past 50). */
export function poisson(mean: number, random: () => number): number {
  if (mean > 50) {
    const u = Math.max(1e-12, random())
    const v = random()
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)))
  }
  const limit = Math.exp(-mean)
  let k = 0
  let p = random()
  while (p > limit) {
    k += 1
    p *= random()
  }
  return k
}

/** The expected sales in the hour starting at `t` (before the day's swing). */
export function hourlyRate(t: number, salesPerDay: number): number {
  const d = new Date(t * 1000)
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6
  return (((salesPerDay / 24) * HOUR_SHAPE[d.getUTCHours()]!) / SHAPE_MEAN) * (weekend ? 0.65 : 1)
}

function card(fingerprint: string): Stripe.Charge.PaymentMethodDetails {
  return {
    type: 'card',
    card: { brand: 'visa', country: 'US', exp_month: 12, exp_year: 2029, fingerprint, funding: 'credit', last4: '4242', network: 'visa' }
  } as Stripe.Charge.PaymentMethodDetails
}

export function generateMonitorAccount(options: MonitorAccountOptions): MonitorAccount {
  const random = seededRandom(options.seed ?? 11)
  const incidents = options.incidents ?? {}
  const start = Math.floor((options.now - options.weeks * 7 * DAY) / HOUR) * HOUR
  const charges: Stripe.Charge[] = []
  const declineShare = options.declineShare ?? 0.06
  const cards = Array.from({ length: 4000 }, () => randomId('fp_', random, 16))
  const charge = (
    created: number,
    status: 'succeeded' | 'failed',
    fingerprint: string,
    fields: { amount?: number; outcome?: Partial<Stripe.Charge.Outcome> } = {}
  ) => {
    const c = makeCharge({
      id: randomId('ch_3', random),
      created,
      amount: fields.amount ?? 1500 + Math.floor(random() * 20000),
      currency: 'usd',
      status,
      customer: null,
      livemode: options.livemode ?? false
    })
    c.payment_method_details = card(fingerprint)
    if (status === 'failed') {
      const reason = fields.outcome?.reason ?? DECLINE_CODES[Math.floor(random() * DECLINE_CODES.length)]!
      c.outcome = { ...c.outcome!, type: 'issuer_declined', reason, ...fields.outcome }
      c.failure_code = c.outcome.type === 'blocked' ? 'card_declined' : reason === 'incorrect_cvc' || reason === 'expired_card' ? reason : 'card_declined'
    }
    if (created < options.now) charges.push(c)
    return c
  }

  // The rhythm: each day swings by ±20 %, each hour is a Poisson count of attempts.
  let swing = 1
  for (let t = start; t < options.now; t += HOUR) {
    if (t % DAY === 0 || t === start) swing = 0.8 + random() * 0.4
    const attempts = poisson(hourlyRate(t, options.salesPerDay) * swing * (1 + declineShare), random)
    const spike = incidents.declines && t >= incidents.declines.from && t < incidents.declines.to ? incidents.declines.share : undefined
    for (let i = 0; i < attempts; i++) {
      const at = t + Math.floor(random() * HOUR)
      if (incidents.silenceFrom !== undefined && at >= incidents.silenceFrom) continue
      const fingerprint = cards[Math.floor(random() * cards.length)]!
      const share = spike ?? declineShare
      if (random() >= share) {
        charge(at, 'succeeded', fingerprint)
        continue
      }
      // A decline (1 in 12 of them Radar's blocks); half the customers retry with the same card within minutes.
      const blocked = spike === undefined && random() < 1 / 12
      charge(at, 'failed', fingerprint, blocked ? { outcome: { type: 'blocked', reason: 'highest_risk_level' } } : {})
      if (random() < 0.5) {
        const retry = at + 30 + Math.floor(random() * 240)
        if (incidents.silenceFrom === undefined || retry < incidents.silenceFrom)
          charge(retry, spike === undefined && random() < 0.6 ? 'succeeded' : 'failed', fingerprint)
      }
    }
  }

  if (incidents.cardTesting) {
    const b = incidents.cardTesting
    const testers = Array.from({ length: b.cards }, () => randomId('fp_', random, 16))
    for (let i = 0; i < b.attempts; i++) {
      const at = b.from + Math.floor((i / b.attempts) * b.minutes * 60)
      const declined = i < b.declined
      charge(at, declined ? 'failed' : 'succeeded', testers[i % testers.length]!, {
        amount: 50 + Math.floor(random() * 250),
        outcome: declined ? { reason: ['incorrect_cvc', 'incorrect_number', 'card_velocity_exceeded', 'do_not_honor'][i % 4]! } : undefined
      })
    }
  }
  charges.sort((a, b) => a.created - b.created)

  // Refunds: a share of sales, a few hours to two days later (so they follow the rhythm too).
  const sales = charges.filter((c) => c.status === 'succeeded')
  const refunds: Stripe.Refund[] = []
  const refund = (c: Stripe.Charge, created: number) => {
    if (created >= options.now) return
    c.amount_refunded = c.amount
    c.refunded = true
    refunds.push(makeRefund({ id: randomId('re_', random), charge: c, amount: c.amount, created, balance_transaction: randomId('txn_', random) }))
  }
  for (const c of sales) if (random() < (options.refundShare ?? 0.02)) refund(c, c.created + 2 * HOUR + Math.floor(random() * 2 * DAY))
  if (incidents.refunds) {
    const r = incidents.refunds
    const recent = sales.filter((c) => c.created < r.from && !c.refunded).slice(-r.count)
    recent.forEach((c, i) => refund(c, r.from + Math.floor(((r.to - r.from) * i) / r.count)))
  }
  refunds.sort((a, b) => a.created - b.created)

  // Disputes: a week or two after the sale.
  const disputes: Stripe.Dispute[] = []
  const dispute = (c: Stripe.Charge, created: number) => {
    if (created >= options.now || c.disputed) return
    c.disputed = true
    disputes.push(makeDispute({ id: randomId('dp_', random), charge: c, created, transactions: [] }))
  }
  for (const c of sales) if (random() < (options.disputeShare ?? 0.002)) dispute(c, c.created + 7 * DAY + Math.floor(random() * 7 * DAY))
  if (incidents.disputes) {
    const d = incidents.disputes
    const month = sales.filter((c) => c.created >= options.now - 30 * DAY && !c.disputed)
    const wanted = Math.ceil(d.share * month.length)
    for (let i = 0; i < wanted; i++) dispute(month[Math.floor(random() * month.length)]!, options.now - Math.floor(random() * d.days * DAY) - 60)
  }
  disputes.sort((a, b) => a.created - b.created)

  // Daily payouts at 01:00, arriving two days later: paid once arrived, in transit before.
  const payouts: Stripe.Payout[] = []
  for (let day = Math.floor(start / DAY) * DAY + DAY; day + HOUR < options.now; day += DAY) {
    const amount = sales.filter((c) => c.created >= day - DAY && c.created < day).reduce((n, c) => n + c.amount, 0)
    if (amount === 0) continue
    const arrival = day + 2 * DAY
    payouts.push(
      makePayout({
        id: randomId('po_', random),
        amount,
        currency: 'usd',
        created: day + HOUR,
        arrival,
        status: arrival <= options.now ? 'paid' : 'in_transit',
        balance_transaction: randomId('txn_', random),
        livemode: options.livemode ?? false
      })
    )
  }
  if (incidents.failedPayout) {
    const arrived = payouts.filter((p) => p.arrival_date <= options.now).at(-1)!
    Object.assign(arrived, { status: 'failed', failure_code: 'account_closed', failure_message: 'The bank account has been closed.' })
  }

  const invoices = renewals(options, start, random)
  return { charges, balanceTransactions: [], refunds, disputes, payouts, payoutTransactions: new Map(), invoices }
}

/** Monthly renewals of `subscriptions` subscriptions, spread over the month; 3 % of first attempts fail (retried the next days). */
function renewals(options: MonitorAccountOptions, start: number, random: () => number): Stripe.Invoice[] {
  const count = options.subscriptions ?? 0
  const invoices: Stripe.Invoice[] = []
  // An active monthly subscription of a new customer, created at `created`.
  const subscription = (created: number): Stripe.Subscription =>
    makeSubscription({
      id: randomId('sub_', random),
      customer: randomId('cus_', random, 14),
      currency: 'usd',
      created,
      status: 'active',
      items: [],
      trialEnd: null,
      canceledAt: null,
      endedAt: null,
      cancelAt: null,
      sendInvoice: false
    })
  const add = (subscription: Stripe.Subscription, created: number, failed: boolean) => {
    if (created >= options.now) return
    const invoice = makeInvoice({
      id: randomId('in_', random),
      subscription,
      created,
      periodEnd: created,
      total: 2900,
      status: failed ? 'open' : 'paid',
      dueDate: null,
      paymentIntent: randomId('pi_', random),
      number: `MON-${invoices.length + 1}`
    })
    if (failed) invoice.attempt_count = 2
    invoices.push(invoice)
  }
  for (let i = 0; i < count; i++) {
    const created = start - 40 * DAY + Math.floor(random() * 30 * DAY)
    const renewing = subscription(created)
    for (let at = created + 30 * DAY; at < options.now; at += 30 * DAY) if (at >= start) add(renewing, at, random() < 0.03)
  }
  const r = options.incidents?.renewals
  if (r) {
    const failing = subscription(start)
    for (let i = 0; i < r.count; i++) add(failing, r.from + Math.floor(((r.to - r.from) * i) / r.count), true)
  }
  return invoices.sort((a, b) => a.created - b.created)
}
