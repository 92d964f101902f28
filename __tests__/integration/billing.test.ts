import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { generateBilling, makeItem, type Billing } from '../../test-support/billing.js'
import { randomId, seededRandom, FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { EVENT_RETENTION_SECONDS } from '../../test-support/stripe-standin.js'
import { readRows } from '../../test-support/table.js'
import { World } from '../../test-support/world.js'

// Customers, subscriptions and invoices, and the recurring-revenue numbers made from them, against
// a stand-in Billing account. The tests compute MRR and receivables themselves, from the stand-in's
// data, never through the views they check.
const DAY = 86400
const BILLING = 'customers, subscriptions, invoices'

let billing: Billing
// The real clock: the views measure ages and the current month with the database's now().
const now = () => Math.floor(Date.now() / 1000)

const world = new World('billing', {
  setup: ({ stripe }) => {
    const at = now() - 120
    billing = generateBilling({ customers: 260, seed: 17, from: at - 200 * DAY, now: at })
    stripe.addBilling(billing)
  }
})

const run = (inputs: Record<string, string> = {}) =>
  runOrThrow({
    'stripe-secret-key': 'sk_test_Billing123',
    ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
    objects: BILLING,
    incremental: 'true',
    ...inputs
  })

/** MRR per currency from the stand-in's subscriptions, in exact fractions, by Stripe's rule as the README states it. */
function expectedMrr(): Map<string, { mrr: bigint; subscriptions: number }> {
  const K: Record<string, bigint> = { month: 12n, year: 1n, week: 52n, day: 365n }
  // Every amount over the denominator 12 × 10^6 × 720720 (divisible by each interval count used, up to 16).
  const D = 12n * 1_000_000n * 720720n
  const sums = new Map<string, { num: bigint; subs: Set<string> }>()
  for (const s of world.stripe.subscriptions.all()) {
    if (s.status !== 'active' && s.status !== 'past_due') continue
    for (const item of s.items.data) {
      const price = item.price
      // Every active subscription counts; metered and tiered items add no fixed amount.
      const entry0 = sums.get(price.currency) ?? { num: 0n, subs: new Set<string>() }
      entry0.subs.add(s.id)
      sums.set(price.currency, entry0)
      if (price.recurring?.usage_type === 'metered' || price.unit_amount_decimal == null) continue
      const [whole, fraction = ''] = String(price.unit_amount_decimal).split('.')
      const unitMicro = BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6))
      const count = BigInt(price.recurring!.interval_count)
      const num = unitMicro * BigInt(item.quantity ?? 1) * K[price.recurring!.interval]! * (720720n / count)
      const entry = sums.get(price.currency) ?? { num: 0n, subs: new Set<string>() }
      entry.num += num
      entry.subs.add(s.id)
      sums.set(price.currency, entry)
    }
  }
  // Half up.
  return new Map([...sums].map(([c, e]) => [c, { mrr: (2n * e.num + D) / (2n * D), subscriptions: e.subs.size }]))
}

async function mrrRows(): Promise<Map<string, { mrr: bigint; subscriptions: number }>> {
  const rows = await withClient(world.db.url, (c) => c.query(`SELECT currency, mrr, active_subscriptions FROM "${world.schema}".stripe_mrr`))
  return new Map(rows.rows.map((r) => [r.currency, { mrr: BigInt(r.mrr), subscriptions: Number(r.active_subscriptions) }]))
}

describe('billing objects', () => {
  it('backfill: every customer, subscription (canceled too), item, invoice and payment; deleted ones kept with deleted_at', async () => {
    const io = await run()
    const retained = (at: number) => at >= now() - EVENT_RETENTION_SECONDS
    // Customers: every listed one, and the deleted ones whose deletion event Stripe still keeps.
    const customers = await readRows(world.db.url, world.schema, 'stripe_customers')
    const live = billing.customers.map((c) => c.id)
    const deleted = billing.deletedCustomers.filter((d) => retained(d.at))
    expect(customers.map((r) => r.id).sort()).toEqual([...live, ...deleted.map((d) => d.customer.id)].sort())
    for (const d of deleted) {
      const row = customers.find((r) => r.id === d.customer.id)!
      expect((row.deleted_at as Date).getTime() / 1000).toBe(d.at)
    }
    for (const row of customers.filter((r) => live.includes(r.id as string))) expect(row.deleted_at).toBeNull()

    const subscriptions = await readRows(world.db.url, world.schema, 'stripe_subscriptions')
    expect(subscriptions.length).toBe(billing.subscriptions.length)
    const canceled = billing.subscriptions.filter((s) => s.status === 'canceled')
    expect(canceled.length).toBeGreaterThan(10)
    for (const s of canceled) {
      const row = subscriptions.find((r) => r.id === s.id)!
      expect([row.status, (row.canceled_at as Date).getTime() / 1000, (row.ended_at as Date).getTime() / 1000]).toEqual(['canceled', s.canceled_at, s.ended_at])
    }
    const items = await readRows(world.db.url, world.schema, 'stripe_subscription_items')
    expect(items.length).toBe(billing.subscriptions.reduce((n, s) => n + s.items.data.length, 0))
    expect(items.every((r) => r.removed_at === null)).toBe(true)

    const invoices = await readRows(world.db.url, world.schema, 'stripe_invoices')
    const deletedDrafts = billing.deletedInvoices.filter((d) => retained(d.at))
    expect(invoices.length).toBe(billing.invoices.length + deletedDrafts.length)
    for (const d of deletedDrafts) expect(invoices.find((r) => r.id === d.invoice.id)!.deleted_at).not.toBeNull()
    // Links: invoice → subscription and customer; payment → PaymentIntent, which the charge has too.
    const sample = billing.invoices.find((i) => i.status === 'paid' && i.total > 0)!
    const row = invoices.find((r) => r.id === sample.id)!
    expect([row.subscription_id, row.customer_id]).toEqual([sample.parent!.subscription_details!.subscription, sample.customer])
    const payments = await readRows(world.db.url, world.schema, 'stripe_invoice_payments')
    expect(payments.length).toBe(billing.invoices.filter((i) => i.status === 'paid').length)
    const paidBy = payments.find((p) => p.invoice_id === sample.id)!
    const charge = billing.charges.find((c) => c.payment_intent === paidBy.payment_intent_id)
    expect(charge).toBeDefined()

    expect(io.outputs.object_counts).toContain('"subscriptions"')
    expect(io.summary).toContain('### Recurring revenue')
    expect(io.summary).toContain('### Open invoices by days overdue')
  })

  it('stripe_mrr equals MRR computed independently, to the minor unit, per currency; so does the output', async () => {
    const io = await run()
    const want = expectedMrr()
    expect(want.size).toBe(3)
    expect(await mrrRows()).toEqual(want)
    const output = JSON.parse(io.outputs.mrr!)
    for (const [currency, m] of want) expect(BigInt(output[currency].mrr_minor)).toBe(m.mrr)
  })

  it('a cancellation through events leaves MRR in the next run and shows as churn this month', async () => {
    await run()
    const target = world.stripe.subscriptions
      .all()
      .find(
        (s) =>
          s.status === 'active' &&
          s.currency === 'usd' &&
          s.items.data.every((i) => i.price.unit_amount !== null && i.price.recurring?.usage_type !== 'metered')
      )!
    const before = (await mrrRows()).get('usd')!.mrr
    const customerSubs = world.stripe.subscriptions
      .all()
      .filter((s) => s.customer === target.customer && s.id !== target.id && ['active', 'past_due'].includes(s.status))
    world.stripe.cancelSubscription(target.id)
    await run()
    const after = (await mrrRows()).get('usd')!.mrr
    expect(after).toBe(expectedMrr().get('usd')!.mrr)
    expect(after).toBeLessThan(before)
    const month = await withClient(world.db.url, (c) =>
      c.query(
        `SELECT churned_mrr, contraction_mrr FROM "${world.schema}".stripe_mrr_monthly WHERE currency = 'usd' AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`
      )
    )
    const moved = Number(month.rows[0].churned_mrr) + Number(month.rows[0].contraction_mrr)
    // The customer's MRR fell by the canceled subscription: churn if it was their only one, contraction if not.
    expect(moved).toBeGreaterThanOrEqual(Number(before - after) - 1)
    if (customerSubs.length === 0) expect(Number(month.rows[0].churned_mrr)).toBeGreaterThan(0)
  })

  it('a quantity change is current after the next run, kept as a new version, and counts as expansion this month', async () => {
    await run()
    const monthStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1) / 1000
    const target = world.stripe.subscriptions
      .all()
      .find(
        (s) =>
          s.status === 'active' &&
          s.currency === 'gbp' &&
          (s.trial_end ?? 0) < monthStart - DAY &&
          s.start_date < monthStart - DAY &&
          s.items.data.every((i) => i.created < monthStart)
      )!
    const item = target.items.data.find((i) => i.price.unit_amount !== null)!
    const expansion = async () =>
      Number(
        (
          await withClient(world.db.url, (c) =>
            c.query(
              `SELECT expansion_mrr FROM "${world.schema}".stripe_mrr_monthly WHERE currency = 'gbp' AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`
            )
          )
        ).rows[0]?.expansion_mrr ?? 0
      )
    const before = await expansion()
    world.stripe.changeQuantity(target.id, item.id, (item.quantity ?? 1) + 10)
    await run()
    expect((await mrrRows()).get('gbp')!.mrr).toBe(expectedMrr().get('gbp')!.mrr)
    const row = (await readRows(world.db.url, world.schema, 'stripe_subscription_items')).find((r) => r.id === item.id)!
    expect(Number(row.quantity)).toBe((item.quantity ?? 1) + 10)
    const versions = (await readRows(world.db.url, world.schema, 'stripe_subscription_item_history')).filter((v) => v.item_id === item.id)
    expect(versions.map((v) => [Number(v.quantity), v.valid_to === null])).toEqual([
      [item.quantity ?? 1, false],
      [(item.quantity ?? 1) + 10, true]
    ])
    // 10 more units: 10 × unit × k / (12 × interval count) a month.
    const r = item.price.recurring!
    const k = ({ month: 12, year: 1, week: 52, day: 365 } as Record<string, number>)[r.interval]!
    const added = (10 * item.price.unit_amount! * k) / (12 * r.interval_count)
    expect(Math.abs((await expansion()) - before - added)).toBeLessThanOrEqual(1)
  })

  it('a first run lists while it reads deletion events, and records no cursor until they are applied', async () => {
    const deleted = billing.deletedCustomers.filter((d) => d.at >= now() - EVENT_RETENTION_SECONDS)
    expect(deleted.length).toBeGreaterThan(0)
    // Reading the customers' deletion events fails; every other request answers.
    world.stripe.faultWhen = (r) => (r.path === '/v1/events' && Object.values(r.query).includes('customer.deleted') ? 500 : undefined)
    const io = recorder({
      'stripe-secret-key': 'sk_test_Billing123',
      'database-url': world.db.url,
      'stripe-api-base': world.stripe.url,
      schema: world.schema,
      objects: 'customers',
      incremental: 'true',
      limit: 'all',
      'max-requests-per-second': '100'
    })
    await runAction(io, { env: {}, retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
    expect(io.failed).toBeDefined()
    // The listing went on meanwhile (its rows are kept), but no cursor says the customers are complete.
    expect(world.stripe.requests.some((r) => r.path === '/v1/customers')).toBe(true)
    const states = await withClient(world.db.url, (c) => c.query(`SELECT table_name FROM "${world.schema}".stripe_sync_state`))
    expect(states.rows.map((r) => r.table_name)).not.toContain('stripe_customers')

    // The next run is a first run again: it lists and marks the deletions.
    world.stripe.faultWhen = undefined
    await run({ objects: 'customers' })
    const rows = await readRows(world.db.url, world.schema, 'stripe_customers')
    for (const d of deleted) expect(rows.find((r) => r.id === d.customer.id)?.deleted_at).not.toBeNull()
    expect(rows.filter((r) => r.deleted_at === null)).toHaveLength(billing.customers.length)
  })

  it('a deleted customer keeps its row with deleted_at; invoices paid and voided through events are current', async () => {
    await run()
    const customer = billing.customers.find((c) => world.stripe.subscriptions.all().some((s) => s.customer === c.id && s.status === 'active'))!
    const open = world.stripe.invoices.all().filter((i) => i.status === 'open')
    expect(open.length).toBeGreaterThan(2)
    world.stripe.deleteCustomer(customer.id)
    world.stripe.settleInvoice(open[0]!.id, 'paid')
    world.stripe.settleInvoice(open[1]!.id, 'void')
    const draft = world.stripe.invoices.all().find((i) => i.status === 'draft' && !world.stripe.isDeleted(i.id))
    if (draft) world.stripe.deleteDraftInvoice(draft.id)
    await run()
    const row = (await readRows(world.db.url, world.schema, 'stripe_customers')).find((r) => r.id === customer.id)!
    expect(row.deleted_at).not.toBeNull()
    expect(row.email).toBe(customer.email)
    for (const s of (await readRows(world.db.url, world.schema, 'stripe_subscriptions')).filter((r) => r.customer_id === customer.id))
      expect(s.status).toBe('canceled')
    const invoices = await readRows(world.db.url, world.schema, 'stripe_invoices')
    expect(invoices.find((r) => r.id === open[0]!.id)!.status).toBe('paid')
    expect(invoices.find((r) => r.id === open[1]!.id)!.status).toBe('void')
    if (draft) expect(invoices.find((r) => r.id === draft.id)!.deleted_at).not.toBeNull()
    expect(await mrrRows()).toEqual(expectedMrr())
  })

  it('receivables: open invoices by days overdue match the truth, per currency', async () => {
    await run({ objects: 'invoices' })
    const [{ db_now }] = (await withClient(world.db.url, (c) => c.query('SELECT extract(epoch FROM now())::float8 AS db_now'))).rows
    const want = new Map<string, number[]>()
    for (const i of world.stripe.invoices.all()) {
      if (i.status !== 'open' || world.stripe.isDeleted(i.id) || i.amount_remaining <= 0) continue
      const due = i.due_date ?? i.status_transitions.finalized_at ?? i.created
      const days = Math.floor((db_now - due) / DAY)
      const bucket = days <= 0 ? 0 : days <= 30 ? 1 : days <= 60 ? 2 : days <= 90 ? 3 : 4
      const row = want.get(i.currency) ?? [0, 0, 0, 0, 0]
      row[bucket]! += i.amount_remaining
      want.set(i.currency, row)
    }
    expect(want.size).toBeGreaterThan(0)
    const rows = await withClient(world.db.url, (c) => c.query(`SELECT * FROM "${world.schema}".stripe_receivables`))
    const got = new Map(rows.rows.map((r) => [r.currency, [r.current, r.overdue_1_30, r.overdue_31_60, r.overdue_61_90, r.overdue_90_plus].map(Number)]))
    expect(got).toEqual(want)
  })

  it('a subscription with more items than Stripe embeds gets all of them', async () => {
    const random = seededRandom(3)
    const base = world.stripe.subscriptions.all().find((s) => s.status === 'active' && s.currency === 'usd')!
    const price = base.items.data[0]!.price
    const items = Array.from({ length: 14 }, () => makeItem(randomId('si_', random, 14), base.id, price, 1, base.created, base.created))
    world.stripe.subscriptions.update(base.id, { items: { ...base.items, data: [...base.items.data, ...items] } as Stripe.ApiList<Stripe.SubscriptionItem> })
    await run({ objects: 'subscriptions' })
    const stored = (await readRows(world.db.url, world.schema, 'stripe_subscription_items')).filter((r) => r.subscription_id === base.id)
    expect(stored.length).toBe(base.items.data.length + 14)
    expect(world.stripe.requests.some((r) => r.path === '/v1/subscription_items')).toBe(true)
  })
})
