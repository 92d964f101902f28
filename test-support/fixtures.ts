import type Stripe from 'stripe'
import type { LimiterClock } from '../src/stripe/limiter.js'

/** Deterministic PRNG (mulberry32): the same seed always generates the same account. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function randomId(prefix: string, random: () => number, length = 24): string {
  let id = prefix
  for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return id
}

/** Descriptions that break naive Markdown, HTML and CSV: quotes, emoji, newlines, pipes, tags. */
export const TRICKY_DESCRIPTIONS = [
  'Order #1042 — "Deluxe" plan',
  "Café crème ☕ × 2 🎉 (it's on us)",
  'Line one\nLine two',
  'a | b | c',
  '<script>alert("x")</script>',
  '[click](javascript:alert(1)) *bold* _it_ `code`',
  'Subscription renewal',
  'Invoice 2026-0042',
  null
] as const

export interface ChargeSpec {
  id: string
  created: number
  amount: number
  currency: string
  status: Stripe.Charge.Status
  receipt_email?: string | null
  billing_email?: string | null
  description?: string | null
  livemode?: boolean
  amount_refunded?: number
  captured?: boolean
  customer?: string | null
  payment_intent?: string | null
  metadata?: Stripe.Metadata
}

/** A complete charge object as the API returns it (API version 2026-10-28), from a few facts. */
export function makeCharge(spec: ChargeSpec): Stripe.Charge {
  const succeeded = spec.status === 'succeeded'
  const failed = spec.status === 'failed'
  const captured = spec.captured ?? succeeded
  const amountRefunded = spec.amount_refunded ?? 0
  const email = spec.receipt_email === undefined ? null : spec.receipt_email
  const suffix = spec.id.slice(3)
  return {
    id: spec.id,
    object: 'charge',
    amount: spec.amount,
    amount_captured: captured ? spec.amount : 0,
    amount_refunded: amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: succeeded ? `txn_${suffix}` : null,
    billing_details: {
      address: null,
      email: spec.billing_email ?? null,
      name: null,
      phone: null,
      tax_id: null
    },
    calculated_statement_descriptor: 'MONITOR DEMO',
    captured,
    created: spec.created,
    currency: spec.currency,
    customer: spec.customer ?? null,
    description: spec.description ?? null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failed ? 'card_declined' : null,
    failure_message: failed ? 'Your card was declined.' : null,
    fraud_details: {},
    livemode: spec.livemode ?? false,
    metadata: spec.metadata ?? {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: failed ? 'declined_by_network' : 'approved_by_network',
      reason: failed ? 'generic_decline' : null,
      seller_message: failed ? 'The bank did not return any further details with this decline.' : 'Payment complete.',
      type: failed ? 'issuer_declined' : 'authorized'
    },
    paid: succeeded,
    payment_intent: spec.payment_intent ?? `pi_${suffix}`,
    payment_method: `pm_${suffix}`,
    payment_method_details: { type: 'card' },
    receipt_email: email,
    receipt_number: null,
    receipt_url: succeeded ? `https://pay.stripe.com/receipts/${spec.id}` : null,
    refunded: amountRefunded > 0 && amountRefunded >= spec.amount,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: spec.status,
    transfer_data: null,
    transfer_group: null
  } satisfies Stripe.Charge
}

const CURRENCIES: ReadonlyArray<{ code: string; weight: number; min: number; max: number; step: number }> = [
  { code: 'usd', weight: 55, min: 500, max: 250_000, step: 1 },
  { code: 'eur', weight: 15, min: 500, max: 150_000, step: 1 },
  { code: 'gbp', weight: 10, min: 500, max: 120_000, step: 1 },
  { code: 'jpy', weight: 12, min: 300, max: 300_000, step: 1 }, // zero-decimal
  { code: 'kwd', weight: 8, min: 1_000, max: 500_000, step: 10 } // three-decimal, last digit 0
]

export interface GenerateOptions {
  count: number
  seed?: number
  /** Unix seconds of the oldest and newest charge. */
  from: number
  to: number
  /** Extra charges sharing one second each: [second, how many]. */
  bursts?: ReadonlyArray<readonly [number, number]>
  /** Each charge's creation time, instead of `count` spread evenly over [from, to] (a bursty account). */
  times?: readonly number[]
  livemode?: boolean
}

/**
 * The creation times of an account that sells in bursts: a few charges within seconds of each other
 * (often in the same second), then a gap of 1 s to an hour, over about `days` days up to `to`.
 * Oldest first. Its density changes a thousandfold from one minute to the next, so a page that
 * measures it says little about the next.
 */
export function burstyTimes(count: number, options: { to: number; seed?: number }): number[] {
  const random = seededRandom(options.seed ?? 7)
  const times: number[] = []
  let at = 0
  while (times.length < count) {
    // Most bursts are a lone charge or a handful; three in a hundred are a rush of 10 to 40.
    const roll = random()
    const size = roll < 0.62 ? 1 : roll < 0.97 ? 2 + Math.floor(random() * 5) : 10 + Math.floor(random() * 31)
    for (let i = 0; i < size && times.length < count; i++) {
      times.push(at)
      if (random() < 0.4) at += 1 + Math.floor(random() * 2)
    }
    at += 1 + Math.floor(random() * 3600)
  }
  return times.map((t) => options.to - at + t)
}

/**
 * A realistic account: mostly succeeded USD charges, some pending and failed, JPY and KWD among
 * them, partial and full refunds, null emails, tricky descriptions, and bursts of charges in one
 * second. Returned oldest first.
 */
export function generateCharges(options: GenerateOptions): Stripe.Charge[] {
  const random = seededRandom(options.seed ?? 1)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const totalWeight = CURRENCIES.reduce((n, c) => n + c.weight, 0)
  const ids = new Set<string>()
  const make = (created: number): Stripe.Charge => {
    let id = randomId('ch_3', random)
    while (ids.has(id)) id = randomId('ch_3', random)
    ids.add(id)
    let w = random() * totalWeight
    const currency = CURRENCIES.find((c) => (w -= c.weight) < 0) ?? CURRENCIES[0]!
    const amount = Math.round((currency.min + random() * (currency.max - currency.min)) / currency.step) * currency.step
    const roll = random()
    const status: Stripe.Charge.Status = roll < 0.82 ? 'succeeded' : roll < 0.9 ? 'pending' : 'failed'
    const refundRoll = random()
    const amountRefunded =
      status !== 'succeeded' ? 0 : refundRoll < 0.04 ? amount : refundRoll < 0.08 ? Math.floor(amount / 2 / currency.step) * currency.step : 0
    const emailRoll = random()
    const customer = `customer${Math.floor(random() * 500)}@example.com`
    return makeCharge({
      id,
      created,
      amount,
      currency: currency.code,
      status,
      receipt_email: emailRoll < 0.7 ? customer : null,
      billing_email: emailRoll >= 0.7 && emailRoll < 0.85 ? customer : null,
      description: pick(TRICKY_DESCRIPTIONS),
      amount_refunded: amountRefunded,
      customer: random() < 0.8 ? randomId('cus_', random, 14) : null,
      livemode: options.livemode ?? false,
      metadata: random() < 0.3 ? { order_id: String(Math.floor(random() * 100000)) } : {}
    })
  }

  const charges: Stripe.Charge[] = []
  const span = Math.max(0, options.to - options.from)
  if (options.times) for (const created of options.times) charges.push(make(created))
  else for (let i = 0; i < options.count; i++) charges.push(make(options.from + Math.floor(random() * (span + 1))))
  for (const [second, n] of options.bursts ?? []) for (let i = 0; i < n; i++) charges.push(make(second))
  // Stable sort: charges within a second keep creation order.
  return charges.sort((a, b) => a.created - b.created)
}

/** 429 retries that do not make a test wait: what the integration tests pass as `retry`. */
export const FAST_RETRY = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 }

/**
 * The rate limiter's clock for runs whose pace is not what they test: the limiter still counts and
 * spaces every request, in virtual time that a wait moves at once, so the stand-in, not
 * `max-requests-per-second`, sets how long a test takes. The limiter's own pace has unit tests and
 * the benchmark.
 */
export function unpacedClock(): LimiterClock {
  let now = 0
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms
      // Yield to the event loop, as a real wait would.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
