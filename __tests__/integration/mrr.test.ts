import type Stripe from 'stripe'
import { generateBilling, makeCustomer, makeDiscount, makeItem, makeSubscription, type Billing } from '../../test-support/billing.js'
import { seededRandom } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { readRows } from '../../test-support/table.js'
import { World } from '../../test-support/world.js'

// MRR as Stripe Billing computes it, on an account with what real ones have: percent and amount
// coupons (forever, once, repeating) on customers, subscriptions and single items, stacked ones, a
// deleted coupon, trials, past-due, unpaid, paused and incomplete subscriptions, free, metered and
// tiered prices. The tests compute every figure themselves from the stand-in's objects, in exact
// fractions, by the rules the README states — never through the views they check.
const DAY = 86400
const OBJECTS = 'customers, subscriptions, invoices, products, prices, coupons'

let billing: Billing
const world = new World('mrr', {
  setup: ({ stripe }) => {
    const at = Math.floor(Date.now() / 1000) - 120
    billing = generateBilling({ customers: 700, seed: 23, from: at - 300 * DAY, now: at, maxInvoicesPerSubscription: 3 })
    stripe.addBilling(billing)
  }
})

const run = (inputs: Record<string, string> = {}) =>
  runOrThrow({
    'stripe-secret-key': 'sk_test_Mrr123',
    ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
    objects: OBJECTS,
    incremental: 'true',
    ...inputs
  })

/** An exact fraction. */
class Q {
  constructor(
    readonly n: bigint,
    readonly d: bigint = 1n
  ) {}
  static of(decimal: string | number): Q {
    const [whole, fraction = ''] = String(decimal).split('.')
    const d = 10n ** BigInt(fraction.length)
    return new Q(BigInt(whole!) * d + (whole!.startsWith('-') ? -1n : 1n) * BigInt(fraction || '0'), d)
  }
  add(o: Q): Q {
    return new Q(this.n * o.d + o.n * this.d, this.d * o.d)
  }
  sub(o: Q): Q {
    return this.add(new Q(-o.n, o.d))
  }
  mul(o: Q): Q {
    return new Q(this.n * o.n, this.d * o.d)
  }
  positive(): Q {
    return this.n > 0n ? this : new Q(0n)
  }
  /** Half up (every figure here is positive). */
  round(): bigint {
    return (2n * this.n + this.d) / (2n * this.d)
  }
}

const PER_YEAR: Record<string, bigint> = { month: 12n, year: 1n, week: 52n, day: 365n }
/** One period's amount a month: × periods a year / (12 × interval count). */
const perMonth = (price: Stripe.Price) => new Q(PER_YEAR[price.recurring!.interval]!, 12n * BigInt(price.recurring!.interval_count))

type Mode = 'forever' | 'all' | 'none'

interface Expected {
  mrr: bigint
  activeSubscriptions: number
  activeSubscribers: number
  trialing: number
  trialMrr: bigint
}

/** MRR per currency now, by Stripe's rules as the README states them, from the stand-in's objects. */
function expectedMrr(mode: Mode): Map<string, Expected> {
  const stripe = world.stripe
  const now = Math.floor(Date.now() / 1000)
  const coupons = new Map([...billing.coupons, ...billing.deletedCoupons.map((d) => d.coupon)].map((c) => [c.id, c]))
  const couponOf = (d: Stripe.Discount) => coupons.get(d.source.coupon as string)!
  const inForce = (d: Stripe.Discount) => d.start <= now && (d.end === null || d.end > now)
  const counts = (d: Stripe.Discount) => inForce(d) && (mode === 'all' || (mode === 'forever' && couponOf(d).duration === 'forever'))
  // Percentages first (each on what the one before left), then amounts off spread over the interval; never below zero.
  const apply = (value: Q, discounts: Stripe.Discount[], currency: string, interval: Q): Q => {
    let v = value
    for (const d of discounts.filter(counts)) {
      const c = couponOf(d)
      if (c.percent_off != null) v = v.mul(new Q(1n).sub(Q.of(c.percent_off).mul(new Q(1n, 100n))))
    }
    for (const d of discounts.filter(counts)) {
      const c = couponOf(d)
      if (c.percent_off != null) continue
      const amount = c.currency === currency ? c.amount_off : c.currency_options?.[currency]?.amount_off
      if (amount != null) v = v.sub(new Q(BigInt(amount)).mul(interval))
    }
    return v.positive()
  }
  const customers = new Map(stripe.customers.all().map((c) => [c.id, c]))
  const result = new Map<string, { mrr: Q; subs: number; subscribers: Set<string>; trialing: number; trialMrr: Q }>()
  for (const s of stripe.subscriptions.all()) {
    const live = s.status === 'active' || s.status === 'past_due'
    if (!live && s.status !== 'trialing') continue
    let items: Q | undefined
    let interval = new Q(0n)
    for (const item of s.items.data) {
      const price = item.price
      const pm = perMonth(price)
      if (pm.n * interval.d > interval.n * pm.d) interval = pm
      if (price.recurring?.usage_type === 'metered' || price.unit_amount_decimal == null) continue
      const gross = Q.of(String(price.unit_amount_decimal))
        .mul(new Q(BigInt(item.quantity ?? 1)))
        .mul(pm)
      items = (items ?? new Q(0n)).add(apply(gross, item.discounts as Stripe.Discount[], s.currency, pm))
    }
    const own = (s.discounts as Stripe.Discount[]).filter(inForce)
    const customer = customers.get(s.customer as string)
    const discounts = own.length > 0 ? own : customer?.discount ? [customer.discount] : []
    const value = items === undefined ? undefined : apply(items, discounts, s.currency, interval)
    const entry = result.get(s.currency) ?? { mrr: new Q(0n), subs: 0, subscribers: new Set<string>(), trialing: 0, trialMrr: new Q(0n) }
    result.set(s.currency, entry)
    if (live) {
      entry.subs += 1
      if (value) entry.mrr = entry.mrr.add(value)
      if (value && value.n > 0n) entry.subscribers.add(s.customer as string)
    } else {
      entry.trialing += 1
      if (value) entry.trialMrr = entry.trialMrr.add(value)
    }
  }
  return new Map(
    [...result].map(([c, e]) => [
      c,
      { mrr: e.mrr.round(), activeSubscriptions: e.subs, activeSubscribers: e.subscribers.size, trialing: e.trialing, trialMrr: e.trialMrr.round() }
    ])
  )
}

async function query<R>(sql: string): Promise<R[]> {
  return (await withClient(world.db.url, (c) => c.query(sql.replaceAll('$schema', `"${world.schema}"`)))).rows as R[]
}

async function mrrView(): Promise<Map<string, Expected>> {
  const rows = await query<Record<string, string>>('SELECT * FROM $schema.stripe_mrr')
  return new Map(
    rows.map((r) => [
      r.currency!,
      {
        mrr: BigInt(r.mrr!),
        activeSubscriptions: Number(r.active_subscriptions),
        activeSubscribers: Number(r.active_subscribers),
        trialing: Number(r.trialing_subscriptions),
        trialMrr: BigInt(r.trial_mrr!)
      }
    ])
  )
}

/** stripe_mrr_by_product summed per currency, and the current month of stripe_mrr_monthly. */
async function agreeing(): Promise<{ byProduct: Map<string, bigint>; month: Map<string, { mrr: bigint; subscribers: number }> }> {
  const byProduct = await query<{ currency: string; mrr: string }>('SELECT currency, sum(mrr) AS mrr FROM $schema.stripe_mrr_by_product GROUP BY currency')
  const month = await query<{ currency: string; mrr: string; active_subscribers: string }>(
    "SELECT currency, mrr, active_subscribers FROM $schema.stripe_mrr_monthly WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::date"
  )
  return {
    byProduct: new Map(byProduct.map((r) => [r.currency, BigInt(r.mrr)])),
    month: new Map(month.map((r) => [r.currency, { mrr: BigInt(r.mrr), subscribers: Number(r.active_subscribers) }]))
  }
}

describe('MRR as Stripe computes it', () => {
  it('the account has every case the rules are about', () => {
    const subs = billing.subscriptions
    for (const status of ['active', 'past_due', 'trialing', 'unpaid', 'paused', 'canceled']) expect(subs.some((s) => s.status === status)).toBe(true)
    const coupons = new Map([...billing.coupons, ...billing.deletedCoupons.map((d) => d.coupon)].map((c) => [c.id, c]))
    const used = (list: Array<string | Stripe.Discount>) => list.map((d) => coupons.get((d as Stripe.Discount).source.coupon as string)!)
    const onSubs = subs.flatMap((s) => used(s.discounts))
    const onItems = subs.flatMap((s) => s.items.data.flatMap((i) => used(i.discounts)))
    const onCustomers = billing.customers.flatMap((c) => (c.discount ? used([c.discount]) : []))
    for (const where of [onSubs, onCustomers]) {
      for (const duration of ['forever', 'once', 'repeating']) expect(where.some((c) => c.duration === duration)).toBe(true)
      expect(where.some((c) => c.percent_off != null) && where.some((c) => c.amount_off != null)).toBe(true)
    }
    expect(onItems.length).toBeGreaterThan(5)
    expect(subs.some((s) => s.discounts.length > 1)).toBe(true)
    expect(onSubs.some((c) => c.id === 'RETIRED_FOREVER')).toBe(true)
  })

  it('stores products, prices and coupons as the account has them (a deleted coupon kept with deleted_at), and every discount', async () => {
    await run()
    const products = await readRows(world.db.url, world.schema, 'stripe_products')
    expect(products.map((r) => [r.id, r.name]).sort()).toEqual(billing.products.map((p) => [p.id, p.name]).sort())
    const prices = await readRows(world.db.url, world.schema, 'stripe_prices')
    expect(prices.map((r) => [r.id, r.product_id, r.unit_amount_decimal === null ? null : Number(r.unit_amount_decimal), r.interval]).sort()).toEqual(
      billing.prices.map((p) => [p.id, p.product, p.unit_amount_decimal == null ? null : Number(p.unit_amount_decimal), p.recurring!.interval]).sort()
    )
    const coupons = await readRows(world.db.url, world.schema, 'stripe_coupons')
    const truth = [...billing.coupons.map((c) => [c, null] as const), ...billing.deletedCoupons.map((d) => [d.coupon, d.at] as const)]
    expect(
      coupons.map((r) => [r.id, r.duration, r.percent_off === null ? null : Number(r.percent_off), r.amount_off === null ? null : Number(r.amount_off)]).sort()
    ).toEqual(truth.map(([c]) => [c.id, c.duration, c.percent_off, c.amount_off]).sort())
    for (const [c, at] of truth) {
      const row = coupons.find((r) => r.id === c.id)!
      expect(row.deleted_at === null ? null : (row.deleted_at as Date).getTime() / 1000).toBe(at)
    }
    const discounts = await readRows(world.db.url, world.schema, 'stripe_discounts')
    const live = new Set(billing.customers.map((c) => c.id))
    const want = [
      ...billing.customers.flatMap((c) => (c.discount ? [[c.discount.id, c.id, null]] : [])),
      ...billing.subscriptions
        .filter((s) => live.has(s.customer as string))
        .flatMap((s) => [
          ...(s.discounts as Stripe.Discount[]).map((d) => [d.id, s.id, null]),
          ...s.items.data.flatMap((i) => (i.discounts as Stripe.Discount[]).map((d) => [d.id, s.id, i.id]))
        ])
    ]
    expect(discounts.map((r) => [r.id, r.parent_id, r.subscription_item_id]).sort()).toEqual(want.sort())
    expect(discounts.every((r) => r.removed_at === null && typeof r.coupon_id === 'string')).toBe(true)
  })

  it('stripe_mrr and output mrr equal the rules for forever (the default), all and none; by product and this month agree', async () => {
    const modes: Mode[] = ['forever', 'all', 'none']
    const figures = new Map<Mode, Map<string, Expected>>()
    for (const mode of modes) {
      const io = await run(mode === 'forever' ? {} : { 'mrr-discounts': mode })
      const want = expectedMrr(mode)
      expect(await mrrView()).toEqual(want)
      const output = JSON.parse(io.outputs.mrr!)
      for (const [currency, e] of want) {
        expect([BigInt(output[currency].mrr_minor), output[currency].active_subscribers, output[currency].trialing_subscriptions]).toEqual([
          e.mrr,
          e.activeSubscribers,
          e.trialing
        ])
      }
      const { byProduct, month } = await agreeing()
      for (const [currency, e] of want) {
        if (e.activeSubscriptions === 0) continue
        expect([currency, byProduct.get(currency)]).toEqual([currency, e.mrr])
        expect([currency, month.get(currency)]).toEqual([currency, { mrr: e.mrr, subscribers: e.activeSubscribers }])
      }
      figures.set(mode, want)
    }
    // The discounts matter, in the direction they should: none ≥ forever ≥ all, and differ somewhere.
    for (const [currency, none] of figures.get('none')!) {
      const forever = figures.get('forever')!.get(currency)!.mrr
      const all = figures.get('all')!.get(currency)!.mrr
      expect(none.mrr >= forever && forever >= all).toBe(true)
    }
    expect(figures.get('none')!.get('usd')!.mrr).toBeGreaterThan(figures.get('forever')!.get('usd')!.mrr)
    expect(figures.get('forever')!.get('usd')!.mrr).toBeGreaterThan(figures.get('all')!.get('usd')!.mrr)
  })

  it('discounts changed through events: a customer discount added, a subscription discount removed', async () => {
    await run()
    const stripe = world.stripe
    const half = billing.coupons.find((c) => c.id === 'HALF_FOREVER')!
    // A customer with a paid subscription and no discount anywhere gets 50 % forever.
    const target = stripe.subscriptions
      .all()
      .find(
        (s) => s.status === 'active' && s.currency === 'usd' && s.discounts.length === 0 && !stripe.customers.byId.get(s.customer as string)?.object.discount
      )!
    const now = Math.floor(Date.now() / 1000)
    stripe.discountCustomer(
      target.customer as string,
      makeDiscount({ id: 'di_added_by_test', coupon: half, customer: target.customer as string, subscription: null, item: null, start: now - 5 })
    )
    const withOwn = stripe.subscriptions.all().find((s) => s.status === 'active' && s.discounts.length > 0 && s.id !== target.id)!
    stripe.removeSubscriptionDiscounts(withOwn.id)
    await run()
    expect(await mrrView()).toEqual(expectedMrr('forever'))
    const removed = await query<{ id: string; removed_at: Date | null }>(
      `SELECT id, removed_at FROM $schema.stripe_discounts WHERE parent_id = '${withOwn.id}'`
    )
    expect(removed.length).toBeGreaterThan(0)
    expect(removed.every((r) => r.removed_at !== null)).toBe(true)
  })

  it('status over time: past_due → unpaid → active is kept as versions; unpaid leaves MRR and counts as churn this month', async () => {
    await run()
    const stripe = world.stripe
    // A customer whose only subscription is paid and was active at the last month end.
    const monthStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1) / 1000
    const bySubscriber = new Map<string, Stripe.Subscription[]>()
    for (const s of stripe.subscriptions.all()) bySubscriber.set(s.customer as string, [...(bySubscriber.get(s.customer as string) ?? []), s])
    const target = stripe.subscriptions
      .all()
      .find(
        (s) =>
          s.status === 'active' &&
          s.start_date < monthStart - DAY &&
          (s.trial_end ?? 0) < monthStart - DAY &&
          bySubscriber.get(s.customer as string)!.length === 1 &&
          s.discounts.length === 0 &&
          !stripe.customers.byId.get(s.customer as string)?.object.discount &&
          s.items.data.every(
            (i) =>
              i.created < monthStart - DAY &&
              i.price.unit_amount != null &&
              i.price.unit_amount > 0 &&
              i.price.recurring?.usage_type !== 'metered' &&
              i.discounts.length === 0
          )
      )!
    const churnBefore = await query<{ currency: string; churned_subscribers: string }>(
      "SELECT currency, churned_subscribers FROM $schema.stripe_mrr_monthly WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::date"
    )
    const before = Number(churnBefore.find((r) => r.currency === target.currency)?.churned_subscribers ?? 0)

    stripe.setSubscriptionStatus(target.id, 'past_due')
    await run()
    expect(await mrrView()).toEqual(expectedMrr('forever'))
    stripe.setSubscriptionStatus(target.id, 'unpaid')
    await run()
    expect(await mrrView()).toEqual(expectedMrr('forever'))
    const churned = await query<{ currency: string; churned_subscribers: string; mrr: string }>(
      "SELECT currency, churned_subscribers, mrr FROM $schema.stripe_mrr_monthly WHERE month = date_trunc('month', now() AT TIME ZONE 'UTC')::date"
    )
    const row = churned.find((r) => r.currency === target.currency)!
    expect(Number(row.churned_subscribers)).toBe(before + 1)
    expect(BigInt(row.mrr)).toBe(expectedMrr('forever').get(target.currency)!.mrr)

    stripe.setSubscriptionStatus(target.id, 'active')
    await run()
    expect(await mrrView()).toEqual(expectedMrr('forever'))
    const versions = await query<{ status: string; valid_to: Date | null }>(
      `SELECT status, valid_to FROM $schema.stripe_subscription_status_history WHERE subscription_id = '${target.id}' ORDER BY valid_from, valid_to NULLS LAST`
    )
    expect(versions.map((v) => v.status)).toEqual(['active', 'past_due', 'unpaid', 'active'])
    expect(versions.filter((v) => v.valid_to === null).length).toBe(1)
  })

  it('reactivation: a customer paid before, churned, and subscribed again counts as reactivation, not new', async () => {
    const stripe = world.stripe
    const now = Math.floor(Date.now() / 1000)
    const random = seededRandom(3)
    const customer = makeCustomer('cus_back_again', now - 200 * DAY, random)
    stripe.createCustomer(customer)
    const price = billing.prices.find((p) => p.id === 'price_pro_monthly')!
    // Paid from 200 to 120 days ago, canceled; subscribed again 3 days ago.
    const old = makeSubscription({
      id: 'sub_back_old',
      customer: customer.id,
      currency: 'usd',
      created: now - 200 * DAY,
      status: 'canceled',
      items: [makeItem('si_back_old', 'sub_back_old', price, 1, now - 200 * DAY, now - 200 * DAY)],
      trialEnd: null,
      canceledAt: now - 120 * DAY,
      endedAt: now - 120 * DAY,
      cancelAt: null,
      sendInvoice: false
    })
    const again = makeSubscription({
      id: 'sub_back_new',
      customer: customer.id,
      currency: 'usd',
      created: now - 3 * DAY,
      status: 'active',
      items: [makeItem('si_back_new', 'sub_back_new', price, 2, now - 3 * DAY, now - 3 * DAY)],
      trialEnd: null,
      canceledAt: null,
      endedAt: null,
      cancelAt: null,
      sendInvoice: false
    })
    stripe.subscriptions.add([old, again])
    await run()
    const month = new Date((now - 3 * DAY) * 1000).toISOString().slice(0, 7) + '-01'
    const [row] = await query<{ reactivation_mrr: string; reactivated_subscribers: string }>(
      `SELECT reactivation_mrr, reactivated_subscribers FROM $schema.stripe_mrr_monthly WHERE currency = 'usd' AND month = '${month}'`
    )
    expect(Number(row!.reactivated_subscribers)).toBeGreaterThanOrEqual(1)
    // Two seats of Pro at 99.00 a month come back.
    expect(Number(row!.reactivation_mrr)).toBeGreaterThanOrEqual(2 * 9900)
    // The months the old subscription was paid count it; its first month counts it as new.
    const first = new Date((now - 200 * DAY) * 1000).toISOString().slice(0, 7) + '-01'
    const [start] = await query<{ new_subscribers: string }>(
      `SELECT new_subscribers FROM $schema.stripe_mrr_monthly WHERE currency = 'usd' AND month = '${first}'`
    )
    expect(Number(start!.new_subscribers)).toBeGreaterThanOrEqual(1)
  })
})
