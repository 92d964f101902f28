import type Stripe from 'stripe'
import { makeCharge, randomId, seededRandom } from './fixtures.js'

/**
 * A Stripe Billing account, shaped as the API returns it (API version 2026-10-28): prices monthly,
 * yearly, quarterly, weekly and daily, metered and tiered ones; customers (some deleted);
 * subscriptions with one to three items and quantities, in trial, active, past due, unpaid,
 * canceled (immediately and at period end) and incomplete; an invoice per billing period — paid,
 * open (some overdue), void, uncollectible, draft — with the payment (and its charge) of each paid
 * one; and deleted drafts, which exist only as events.
 */
export interface Billing {
  products: Stripe.Product[]
  prices: Stripe.Price[]
  coupons: Stripe.Coupon[]
  /** Coupons deleted (their discounts go on): not listed; their deletion is an event. */
  deletedCoupons: Array<{ coupon: Stripe.Coupon; at: number }>
  customers: Stripe.Customer[]
  /** Deleted customers, and when: they are not listed; their deletion is an event. */
  deletedCustomers: Array<{ customer: Stripe.Customer; at: number }>
  subscriptions: Stripe.Subscription[]
  invoices: Stripe.Invoice[]
  /** Draft invoices deleted, and when: gone from Stripe but for their events. */
  deletedInvoices: Array<{ invoice: Stripe.Invoice; at: number }>
  /** The charges that paid invoices (their PaymentIntents link them to the invoice payments). */
  charges: Stripe.Charge[]
}

const DAY = 86400

interface PriceSpec {
  id: string
  product: string
  currency: string
  unit: number | null
  decimal?: string
  interval: Stripe.Price.Recurring.Interval
  count: number
  usage?: 'metered'
  tiered?: boolean
}

export const PRICE_SPECS: readonly PriceSpec[] = [
  { id: 'price_basic_monthly', product: 'prod_basic', currency: 'usd', unit: 2900, interval: 'month', count: 1 },
  { id: 'price_pro_monthly', product: 'prod_pro', currency: 'usd', unit: 9900, interval: 'month', count: 1 },
  { id: 'price_pro_yearly', product: 'prod_pro', currency: 'usd', unit: 99006, interval: 'year', count: 1 },
  { id: 'price_seat_weekly', product: 'prod_seats', currency: 'usd', unit: 2900, interval: 'week', count: 1 },
  { id: 'price_api_metered', product: 'prod_api', currency: 'usd', unit: 5, interval: 'month', count: 1, usage: 'metered' },
  { id: 'price_storage_decimal', product: 'prod_storage', currency: 'usd', unit: null, decimal: '1.5', interval: 'month', count: 1 },
  { id: 'price_volume_tiered', product: 'prod_volume', currency: 'usd', unit: null, interval: 'month', count: 1, tiered: true },
  { id: 'price_free_monthly', product: 'prod_free', currency: 'usd', unit: 0, interval: 'month', count: 1 },
  { id: 'price_team_quarterly', product: 'prod_team', currency: 'gbp', unit: 15000, interval: 'month', count: 3 },
  { id: 'price_team_biweekly', product: 'prod_team', currency: 'gbp', unit: 1250, interval: 'week', count: 2 },
  { id: 'price_daily_jpy', product: 'prod_daily', currency: 'jpy', unit: 500, interval: 'day', count: 1 },
  { id: 'price_studio_yearly_jpy', product: 'prod_studio', currency: 'jpy', unit: 120000, interval: 'year', count: 1 }
]

/** Product names are the account's own text: one has Markdown and HTML in it. */
export const PRODUCT_NAMES: Readonly<Record<string, string>> = {
  prod_basic: 'Basic',
  prod_pro: 'Pro | *Plus*',
  prod_seats: 'Seats',
  prod_api: 'API calls',
  prod_storage: 'Storage',
  prod_volume: 'Volume',
  prod_free: 'Free',
  prod_team: 'Team <b>UK</b>',
  prod_daily: 'Daily pass',
  prod_studio: 'Studio'
}

export function makeProduct(id: string, created: number): Stripe.Product {
  return {
    id,
    object: 'product',
    active: true,
    created,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: PRODUCT_NAMES[id] ?? id,
    package_dimensions: null,
    shippable: null,
    tax_details: null,
    type: 'service',
    updated: created,
    url: null
  } as Stripe.Product
}

interface CouponSpec {
  id: string
  percent?: number
  amount?: number
  currency?: string
  options?: Record<string, number>
  duration: Stripe.Coupon.Duration
  months?: number
}

/** Percent and amount coupons of each duration; two are extreme (100 % off, more off than a plan costs). */
export const COUPON_SPECS: readonly CouponSpec[] = [
  { id: 'HALF_FOREVER', percent: 50, duration: 'forever' },
  { id: 'TWENTY_FOREVER', percent: 20, duration: 'forever' },
  { id: 'EIGHTH_FOREVER', percent: 12.5, duration: 'forever' },
  { id: 'TEN_OFF_FOREVER', amount: 1000, currency: 'usd', options: { gbp: 800 }, duration: 'forever' },
  { id: 'FREE_FOREVER', percent: 100, duration: 'forever' },
  { id: 'HUGE_OFF_FOREVER', amount: 1_000_000, currency: 'usd', duration: 'forever' },
  { id: 'YEN_OFF_FOREVER', amount: 3000, currency: 'jpy', duration: 'forever' },
  { id: 'QUARTER_ONCE', percent: 25, duration: 'once' },
  { id: 'THIRTY_3_MONTHS', percent: 30, duration: 'repeating', months: 3 },
  { id: 'FIVE_OFF_6_MONTHS', amount: 500, currency: 'usd', options: { gbp: 400 }, duration: 'repeating', months: 6 },
  { id: 'RETIRED_FOREVER', percent: 15, duration: 'forever' }
]

export function makeCoupon(spec: CouponSpec, created: number): Stripe.Coupon {
  return {
    id: spec.id,
    object: 'coupon',
    amount_off: spec.amount ?? null,
    created,
    currency: spec.currency ?? null,
    ...(spec.options ? { currency_options: Object.fromEntries(Object.entries(spec.options).map(([c, a]) => [c, { amount_off: a }])) } : {}),
    duration: spec.duration,
    duration_in_months: spec.months ?? null,
    livemode: false,
    max_redemptions: null,
    metadata: {},
    name: spec.id.toLowerCase().replace(/_/g, ' '),
    percent_off: spec.percent ?? null,
    redeem_by: null,
    times_redeemed: 0,
    valid: true
  } satisfies Stripe.Coupon
}

export function makeDiscount(fields: {
  id: string
  coupon: Stripe.Coupon
  customer: string
  subscription: string | null
  item: string | null
  start: number
}): Stripe.Discount {
  const months = fields.coupon.duration === 'repeating' ? (fields.coupon.duration_in_months ?? 1) : 0
  return {
    id: fields.id,
    object: 'discount',
    checkout_session: null,
    customer: fields.customer,
    customer_account: null,
    end: months > 0 ? fields.start + months * 30 * DAY : null,
    invoice: null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: fields.coupon.id, type: 'coupon' },
    start: fields.start,
    subscription: fields.subscription,
    subscription_item: fields.item
  } satisfies Stripe.Discount
}

export function makePrice(spec: PriceSpec, created: number): Stripe.Price {
  return {
    id: spec.id,
    object: 'price',
    active: true,
    billing_scheme: spec.tiered ? 'tiered' : 'per_unit',
    created,
    currency: spec.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: spec.id.replace(/^price_/, '').replace(/_/g, ' '),
    product: spec.product,
    recurring: { interval: spec.interval, interval_count: spec.count, meter: null, trial_period_days: null, usage_type: spec.usage ?? 'licensed' },
    tax_behavior: 'unspecified',
    tiers_mode: spec.tiered ? 'volume' : null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: spec.unit,
    unit_amount_decimal: (spec.decimal ?? (spec.unit === null ? null : String(spec.unit))) as unknown as Stripe.Price['unit_amount_decimal']
  } satisfies Stripe.Price
}

/** Seconds in one billing period of a price (months and years by the calendar are approximated by days here). */
export function periodSeconds(price: Stripe.Price): number {
  const r = price.recurring!
  const unit = r.interval === 'day' ? DAY : r.interval === 'week' ? 7 * DAY : r.interval === 'month' ? 30 * DAY : 365 * DAY
  return unit * r.interval_count
}

export function makeCustomer(id: string, created: number, random: () => number): Stripe.Customer {
  const n = Math.floor(random() * 100000)
  return {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: `buyer${n}@example.com`,
    invoice_prefix: id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: `Buyer ${n}`,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null
  } satisfies Stripe.Customer
}

export function makeItem(
  id: string,
  subscription: string,
  price: Stripe.Price,
  quantity: number,
  created: number,
  periodStart: number
): Stripe.SubscriptionItem {
  return {
    id,
    object: 'subscription_item',
    billing_thresholds: null,
    created,
    current_period_end: periodStart + periodSeconds(price),
    current_period_start: periodStart,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: {} as Stripe.Plan,
    price,
    quantity,
    subscription,
    tax_rates: []
  } satisfies Stripe.SubscriptionItem
}

export function makeSubscription(fields: {
  id: string
  customer: string
  currency: string
  created: number
  status: Stripe.Subscription.Status
  items: Stripe.SubscriptionItem[]
  trialEnd: number | null
  canceledAt: number | null
  endedAt: number | null
  cancelAt: number | null
  sendInvoice: boolean
}): Stripe.Subscription {
  return {
    id: fields.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: fields.trialEnd ?? fields.created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' } as Stripe.Subscription.BillingMode,
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: fields.cancelAt,
    cancel_at_period_end: fields.cancelAt !== null && fields.status !== 'canceled',
    canceled_at: fields.canceledAt,
    cancellation_details: {
      comment: null,
      feedback: null,
      feedback_option: null,
      reason: fields.canceledAt ? 'cancellation_requested' : null
    } as Stripe.Subscription.CancellationDetails,
    collection_method: fields.sendInvoice ? 'send_invoice' : 'charge_automatically',
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    days_until_due: fields.sendInvoice ? 14 : null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: fields.endedAt,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } } as Stripe.Subscription.InvoiceSettings,
    items: { object: 'list', data: fields.items, has_more: false, url: `/v1/subscription_items?subscription=${fields.id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: null,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: fields.created,
    status: fields.status,
    test_clock: null,
    transfer_data: null,
    trial_end: fields.trialEnd,
    trial_settings: null,
    trial_start: fields.trialEnd ? fields.created : null
  } satisfies Stripe.Subscription
}

export function makeInvoice(fields: {
  id: string
  subscription: Stripe.Subscription
  created: number
  periodEnd: number
  total: number
  status: Stripe.Invoice.Status
  dueDate: number | null
  paymentIntent: string | null
  number: string
}): Stripe.Invoice {
  const paid = fields.status === 'paid'
  const finalized = fields.status === 'draft' ? null : fields.created + 3600
  const payments: Stripe.InvoicePayment[] = paid
    ? [
        {
          id: `inpay_${fields.id.slice(3)}`,
          object: 'invoice_payment',
          amount_paid: fields.total,
          amount_requested: fields.total,
          created: finalized!,
          currency: fields.subscription.currency,
          invoice: fields.id,
          is_default: true,
          livemode: false,
          payment: { payment_intent: fields.paymentIntent!, type: 'payment_intent' } as Stripe.InvoicePayment.Payment,
          status: 'paid',
          status_transitions: { canceled_at: null, paid_at: finalized! + 60 }
        }
      ]
    : []
  const customer = fields.subscription.customer as string
  return {
    id: fields.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stand-in Inc.',
    account_tax_ids: null,
    amount_due: fields.total,
    amount_overpaid: 0,
    amount_paid: paid ? fields.total : 0,
    amount_remaining: paid || fields.status === 'void' ? 0 : fields.total,
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? 1 : 0,
    attempted: paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null } as Stripe.Invoice.AutomaticTax,
    automatically_finalizes_at: null,
    billing_reason: 'subscription_cycle',
    collection_method: fields.subscription.collection_method,
    created: fields.created,
    currency: fields.subscription.currency,
    custom_fields: null,
    customer,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: fields.dueDate,
    effective_at: finalized,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    issuer: { type: 'self' } as Stripe.Invoice.Issuer,
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${fields.id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: fields.status === 'draft' ? null : fields.number,
    on_behalf_of: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: null, subscription: fields.subscription.id } as Stripe.Invoice.Parent.SubscriptionDetails,
      type: 'subscription_details'
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list', data: payments, has_more: false, url: `/v1/invoice_payments?invoice=${fields.id}` },
    period_end: fields.periodEnd,
    period_start: fields.created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: fields.status,
    status_transitions: {
      finalized_at: finalized,
      marked_uncollectible_at: fields.status === 'uncollectible' ? fields.created + 30 * DAY : null,
      paid_at: paid ? finalized! + 60 : null,
      voided_at: fields.status === 'void' ? fields.created + 7 * DAY : null
    },
    subtotal: fields.total,
    subtotal_excluding_tax: fields.total,
    test_clock: null,
    total: fields.total,
    total_discount_amounts: [],
    total_excluding_tax: fields.total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: finalized
  } satisfies Stripe.Invoice
}

/** What one period of a subscription's items costs (metered and tiered items bill nothing fixed). */
export function periodTotal(items: readonly Stripe.SubscriptionItem[]): number {
  let total = 0
  for (const item of items) {
    if (item.price.recurring?.usage_type === 'metered' || item.price.unit_amount_decimal == null) continue
    total += Math.round(Number(item.price.unit_amount_decimal) * (item.quantity ?? 1))
  }
  return total
}

export interface BillingOptions {
  customers: number
  seed?: number
  /** The account's history: customers from `from`, everything up to `now`. */
  from: number
  now: number
  /** At most this many invoices per subscription (a daily price makes one a day). */
  maxInvoicesPerSubscription?: number
}

export function generateBilling(options: BillingOptions): Billing {
  const random = seededRandom(options.seed ?? 11)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const { from, now } = options
  const span = now - from
  const prices = PRICE_SPECS.map((p) => makePrice(p, from - 30 * DAY))
  const products = [...new Set(PRICE_SPECS.map((p) => p.product))].map((id, n) => makeProduct(id, from - 40 * DAY + n))
  const byCurrency = new Map<string, Stripe.Price[]>()
  for (const p of prices) byCurrency.set(p.currency, [...(byCurrency.get(p.currency) ?? []), p])
  const billing: Billing = {
    products,
    prices,
    coupons: [],
    deletedCoupons: [],
    customers: [],
    deletedCustomers: [],
    subscriptions: [],
    invoices: [],
    deletedInvoices: [],
    charges: []
  }
  let invoiceNumber = 1

  for (let c = 0; c < options.customers; c++) {
    const customerCreated = from + Math.floor(random() * span * 0.9)
    const customer = makeCustomer(randomId('cus_', random, 14), customerCreated, random)
    const deleted = random() < 0.04 ? customerCreated + Math.floor(random() * (now - customerCreated)) : undefined
    if (deleted === undefined) billing.customers.push(customer)
    else billing.deletedCustomers.push({ customer, at: deleted })

    const subscriptionCount = random() < 0.15 ? 0 : random() < 0.2 ? 2 : 1
    for (let k = 0; k < subscriptionCount; k++) {
      const currency = pick(['usd', 'usd', 'usd', 'gbp', 'jpy'])
      const created = customerCreated + Math.floor(random() * Math.max(1, (deleted ?? now) - customerCreated) * 0.8)
      const id = randomId('sub_', random, 14)
      const roll = random()
      let status: Stripe.Subscription.Status = 'active'
      let trialEnd: number | null = random() < 0.3 ? created + 14 * DAY : null
      let canceledAt: number | null = null
      let endedAt: number | null = null
      let cancelAt: number | null = null
      if (trialEnd !== null && trialEnd > now) status = 'trialing'
      else if (roll < 0.08) status = 'past_due'
      else if (roll < 0.1) status = 'unpaid'
      else if (roll < 0.13) {
        status = 'incomplete_expired'
        trialEnd = null
      } else if (roll < 0.28) {
        status = 'canceled'
        canceledAt = created + Math.floor(random() * (now - created))
        endedAt = random() < 0.5 ? canceledAt : Math.min(now - 1, canceledAt + 20 * DAY)
      } else if (roll < 0.33) cancelAt = now + Math.floor(random() * 30 * DAY)
      if (deleted !== undefined && status !== 'canceled') {
        // Deleting a customer cancels its subscriptions.
        status = 'canceled'
        canceledAt = endedAt = deleted
        cancelAt = null
        if (trialEnd !== null && trialEnd > deleted) trialEnd = deleted
      }
      const candidates = byCurrency.get(currency)!
      const itemCount = 1 + Math.floor(random() * Math.min(3, candidates.length))
      const chosen = [...candidates].sort(() => random() - 0.5).slice(0, itemCount)
      const items = chosen.map((price, n) => {
        // Some items were added later than the subscription began: expansion in the history.
        const added = n > 0 && random() < 0.3 ? created + Math.floor(random() * Math.max(1, (endedAt ?? now) - created) * 0.5) : created
        const quantity = price.id.includes('seat') || price.id.includes('storage') ? 1 + Math.floor(random() * 40) : 1 + Math.floor(random() * 3)
        return makeItem(randomId('si_', random, 14), id, price, quantity, added, added)
      })
      const subscription = makeSubscription({
        id,
        customer: customer.id,
        currency,
        created,
        status,
        items,
        trialEnd,
        canceledAt,
        endedAt,
        cancelAt,
        sendInvoice: random() < 0.25
      })
      billing.subscriptions.push(subscription)

      if (status === 'incomplete_expired') continue
      // An invoice per period of the shortest price, from the end of the trial to the end (or now).
      const period = Math.min(...items.map((i) => periodSeconds(i.price)))
      const start = trialEnd ?? created
      const stop = Math.min(endedAt ?? now, now)
      const periods = Math.min(options.maxInvoicesPerSubscription ?? 24, Math.floor((stop - start) / period) + 1)
      let latest: string | null = null
      for (let p = 0; p < periods; p++) {
        const at = start + p * period
        if (at >= stop) break
        const total = periodTotal(items.filter((i) => i.created <= at))
        const last = p === periods - 1
        const age = now - at
        let invoiceStatus: Stripe.Invoice.Status = 'paid'
        if (status === 'unpaid' && last) invoiceStatus = 'uncollectible'
        else if (status === 'past_due' && last) invoiceStatus = 'open'
        else if (subscription.collection_method === 'send_invoice' && age < 120 * DAY && random() < 0.35) invoiceStatus = 'open'
        else if (random() < 0.03) invoiceStatus = 'void'
        else if (last && age < 3 * DAY && random() < 0.3) invoiceStatus = 'draft'
        const invoiceId = randomId('in_', random, 24)
        const paymentIntent = invoiceStatus === 'paid' ? randomId('pi_', random, 24) : null
        const invoice = makeInvoice({
          id: invoiceId,
          subscription,
          created: at,
          periodEnd: at + period,
          total,
          status: invoiceStatus,
          dueDate: subscription.collection_method === 'send_invoice' ? at + 14 * DAY : null,
          paymentIntent,
          number: `${customer.invoice_prefix}-${String(invoiceNumber++).padStart(4, '0')}`
        })
        if (invoiceStatus === 'draft' && random() < 0.4) {
          billing.deletedInvoices.push({ invoice, at: Math.min(now - 60, at + 3600) })
          continue
        }
        billing.invoices.push(invoice)
        latest = invoice.id
        if (paymentIntent && total > 0) {
          billing.charges.push(
            makeCharge({
              id: randomId('ch_3', random),
              created: Math.min(now - 1, at + 3660),
              amount: total,
              currency,
              status: 'succeeded',
              customer: customer.id,
              payment_intent: paymentIntent,
              description: 'Subscription update',
              receipt_email: customer.email
            })
          )
        }
      }
      subscription.latest_invoice = latest
    }
  }
  addDiscounts(billing, seededRandom((options.seed ?? 11) + 1000), from, now)
  return billing
}

/**
 * What real accounts have besides list prices, drawn from a second stream (the account above is
 * the same with or without it): coupons; discounts on customers, subscriptions and single items,
 * some stacked; a coupon deleted while its discounts go on; and a few subscriptions incomplete or
 * paused.
 */
function addDiscounts(billing: Billing, random: () => number, from: number, now: number): void {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const coupons = COUPON_SPECS.map((c, n) => makeCoupon(c, from - 20 * DAY + n))
  const retired = coupons.find((c) => c.id === 'RETIRED_FOREVER')!
  billing.coupons = coupons.filter((c) => c !== retired)
  billing.deletedCoupons = [{ coupon: retired, at: now - 5 * DAY }]
  let n = 0
  const discount = (coupon: Stripe.Coupon, customer: string, subscription: string | null, item: string | null, start: number) =>
    makeDiscount({ id: `di_${String(++n).padStart(6, '0')}${randomId('', random, 12)}`, coupon, customer, subscription, item, start })
  // A repeating coupon's discount still in force started less than its months ago.
  const startFor = (coupon: Stripe.Coupon, created: number) =>
    coupon.duration === 'repeating' ? Math.max(created, now - Math.floor(random() * (coupon.duration_in_months ?? 1) * 25 * DAY) - DAY) : created
  const active = new Set(billing.customers.map((c) => c.id))
  for (const customer of billing.customers) {
    if (random() >= 0.12) continue
    const coupon = pick(coupons)
    customer.discount = discount(coupon, customer.id, null, null, startFor(coupon, customer.created))
  }
  for (const s of billing.subscriptions) {
    if (!active.has(s.customer as string)) continue
    const roll = random()
    if (roll < 0.15) {
      const stacked = random() < 0.25 ? 2 : 1
      const chosen = [...coupons].sort(() => random() - 0.5).slice(0, stacked)
      s.discounts = chosen.map((coupon) => discount(coupon, s.customer as string, s.id, null, startFor(coupon, s.created)))
    }
    for (const item of s.items.data) {
      if (random() >= 0.06) continue
      const coupon = pick(coupons)
      item.discounts = [discount(coupon, s.customer as string, s.id, item.id, startFor(coupon, item.created))]
    }
    // A few just-made subscriptions are incomplete (first payment pending); a few are paused.
    if (s.status === 'active' && roll > 0.97) s.status = 'paused'
    else if (s.status === 'active' && roll > 0.955 && s.created > now - 2 * DAY) s.status = 'incomplete'
  }
}
