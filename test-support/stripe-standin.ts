import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type Stripe from 'stripe'
import { DISPUTE_FEE, balanceTransaction, disputeWithdrawal, makeDispute, makeRefund, settle, type Account } from './account.js'
import type { Billing } from './billing.js'
import { randomId, seededRandom } from './fixtures.js'

/**
 * A small Stripe API for tests, the demo and the benchmark: the list and retrieve endpoints the
 * action uses (charges, balance transactions, refunds, disputes, payouts, events), with Stripe's
 * semantics — newest first (ties in one second: most recently created first), cursor pagination
 * with `starting_after`/`ending_before`, `created` filters, `limit` 1–100, the `payout` filter on
 * balance transactions, Stripe's error JSON (400, 401, 403, 404), optional latency, server-side
 * rate limits per endpoint and in all, and injected faults. Changes go through methods that emit
 * the events Stripe would.
 */

export interface RecordedRequest {
  /** When it arrived (ms, performance.now()). */
  at: number
  method: string
  path: string
  query: Record<string, string>
  stripeAccount: string | undefined
  stripeVersion: string | undefined
  status: number
  /** Objects in a list answer. */
  returned?: number
}

export type Fault = 429 | 500 | 502 | 503 | 'reset' | 'bad-json' | 'slow'

/** The resources the stand-in serves, by URL path under /v1. */
export type Area =
  | 'charges'
  | 'balance_transactions'
  | 'refunds'
  | 'disputes'
  | 'payouts'
  | 'events'
  | 'customers'
  | 'subscriptions'
  | 'subscription_items'
  | 'invoices'
  | 'invoice_payments'
  | 'products'
  | 'prices'
  | 'coupons'
  | 'account'
  | 'accounts'
  | 'application_fees'
  | 'transfers'

export interface StandInOptions {
  /** Delay before each response, ms. */
  latencyMs?: number
  /** Keys that authenticate; default: any sk_/rk_ test or live key. */
  keys?: readonly string[]
  /** The key's own account (GET /v1/account); default acct_1PlatformStandIn. */
  accountId?: string
  /** Restricted keys and the areas they lack, e.g. { rk_test_x: ['charges'] }. */
  missingPermissions?: Record<string, readonly Area[]>
  /** Server-side limit per endpoint (named operation): requests per second beyond which the answer is 429. */
  maxRequestsPerSecond?: number
  /** Server-side limit over all endpoints together. */
  maxTotalRequestsPerSecond?: number
  /** Retry-After (seconds) sent with 429s, if any. */
  retryAfterSeconds?: number
  /** A standing fault on every Nth request (1-based count of all requests). */
  faultEvery?: { every: number; fault: Fault }
  /** How long a 'slow' fault holds its answer, ms. */
  slowMs?: number
  /** From this request on (1-based), every request fails this way: an outage in the middle of a run. */
  failFrom?: { request: number; fault: Fault }
  /** A broken proxy: drops `starting_after`, so every page is the first one again. */
  ignoreCursor?: boolean
}

/** Stripe keeps events for 30 days. */
export const EVENT_RETENTION_SECONDS = 30 * 86400
/** How many items a subscription embeds before `has_more`. */
export const EMBEDDED_ITEMS = 10

type Answer = { status: number; body: unknown; headers?: Record<string, string> }

function stripeError(status: number, error: Record<string, unknown>): Answer {
  return { status, body: { error } }
}

interface Dated {
  id: string
  created: number
}

interface Stored<T> {
  object: T
  seq: number
}

/**
 * One resource's objects, newest first (ties: most recently added first), with Stripe's list
 * semantics. `current` gives an object as it is now (fields that change with the clock); `serve`
 * gives it as a request gets it (embedded lists cut short, expansions left out unless asked for).
 */
class Collection<T extends Dated> {
  sorted: Array<Stored<T>> = []
  readonly byId = new Map<string, Stored<T>>()
  private positions: Map<string, number> | undefined
  private seq = 0

  constructor(
    readonly kind: string,
    private readonly current: (object: T) => T = (o) => o,
    private readonly serve: (object: T, query: Record<string, string>) => T = (o) => o
  ) {}

  private render(object: T, query: Record<string, string>): T {
    return this.serve(this.current(object), query)
  }

  add(objects: Iterable<T>): void {
    for (const object of objects) {
      if (this.byId.has(object.id)) throw new Error(`duplicate ${this.kind} id ${object.id}`)
      const stored = { object, seq: this.seq++ }
      this.byId.set(object.id, stored)
      this.sorted.push(stored)
    }
    this.sorted.sort((a, b) => b.object.created - a.object.created || b.seq - a.seq)
    this.positions = undefined
  }

  /** Known by id but not listed (deleted before the stand-in started). */
  addUnlisted(objects: Iterable<T>): void {
    for (const object of objects) this.byId.set(object.id, { object, seq: this.seq++ })
  }

  /** Takes an object out of the list (a deletion); it stays known by id. */
  unlist(id: string): void {
    const at = this.sorted.findIndex((s) => s.object.id === id)
    if (at >= 0) this.sorted.splice(at, 1)
    this.positions = undefined
  }

  update(id: string, patch: Partial<T>): T {
    const stored = this.byId.get(id)
    if (!stored) throw new Error(`no ${this.kind} ${id}`)
    stored.object = { ...stored.object, ...patch }
    return stored.object
  }

  get(id: string, query: Record<string, string> = {}): T | undefined {
    const stored = this.byId.get(id)
    return stored ? this.render(stored.object, query) : undefined
  }

  /** Newest first, as they are now, whole: the truth a table is compared with. */
  all(): T[] {
    return this.sorted.map((s) => this.current(s.object))
  }

  list(query: Record<string, string>, filter?: (object: T) => boolean): Answer {
    let limit = 10
    if (query.limit !== undefined) {
      if (!/^\d+$/.test(query.limit)) return invalid('limit', `Invalid integer: ${query.limit}`)
      limit = Number(query.limit)
      if (limit < 1 || limit > 100) return invalid('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.')
    }
    const range = { gt: -Infinity, gte: -Infinity, lt: Infinity, lte: Infinity }
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = query[`created[${op}]`]
      if (value === undefined) continue
      if (!/^\d+$/.test(value)) return invalid(`created[${op}]`, `Invalid integer: ${value}`)
      range[op] = Number(value)
    }
    if (query.created !== undefined) {
      if (!/^\d+$/.test(query.created)) return invalid('created', `Invalid integer: ${query.created}`)
      range.gte = range.lte = Number(query.created)
    }
    const min = Math.max(range.gt + 1, range.gte)
    const max = Math.min(range.lt - 1, range.lte)
    const items = filter ? this.sorted.filter((s) => filter(s.object)) : this.sorted
    // The list is sorted newest first, so the window is one contiguous slice [lo, hi).
    const lo = firstIndex(items, (c) => c <= max)
    const hi = firstIndex(items, (c) => c < min)
    let start = lo
    let end = hi
    const position = (id: string) => (filter ? items.findIndex((s) => s.object.id === id) : this.position(id))
    if (query.starting_after) {
      const at = position(query.starting_after)
      if (at === undefined || at < 0) return missing(this.kind, query.starting_after, 'starting_after')
      start = Math.max(lo, at + 1)
      end = Math.min(hi, start + limit)
    } else if (query.ending_before) {
      const at = position(query.ending_before)
      if (at === undefined || at < 0) return missing(this.kind, query.ending_before, 'ending_before')
      end = Math.min(hi, at)
      start = Math.max(lo, end - limit)
    } else {
      end = Math.min(hi, start + limit)
    }
    const data = items.slice(start, Math.max(start, end)).map((s) => this.render(s.object, query))
    const hasMore = query.ending_before ? start > lo : end < hi
    return { status: 200, body: { object: 'list', data, has_more: hasMore, url: `/v1/${this.kind}s` } }
  }

  /** Objects created in [min, max] (listed ones), oldest last as stored. */
  between(min: number, max: number): Array<Stored<T>> {
    return this.sorted.slice(
      firstIndex(this.sorted, (c) => c <= max),
      firstIndex(this.sorted, (c) => c < min)
    )
  }

  /** An object as it is now. */
  now(object: T): T {
    return this.current(object)
  }

  private position(id: string): number | undefined {
    if (!this.positions) {
      this.positions = new Map()
      this.sorted.forEach((s, i) => this.positions!.set(s.object.id, i))
    }
    return this.positions.get(id)
  }
}

/** The `expand[]` values of a query. */
function expansions(query: Record<string, string>): Set<string> {
  return new Set(
    Object.entries(query)
      .filter(([k]) => /^expand\[\d*\]$/.test(k))
      .map(([, v]) => v)
  )
}

/** Expandable references as Stripe sends them unexpanded: their ids. */
function idsOnly(values: ReadonlyArray<string | { id: string }> | null | undefined): string[] {
  return (values ?? []).map((v) => (typeof v === 'string' ? v : v.id))
}

/** First index whose `created` satisfies pred (pred must be monotone over the newest-first list). */
function firstIndex<T extends Dated>(items: ReadonlyArray<Stored<T>>, pred: (created: number) => boolean): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (pred(items[mid]!.object.created)) hi = mid
    else lo = mid + 1
  }
  return lo
}

export class StripeStandIn {
  readonly requests: RecordedRequest[] = []
  private server: http.Server | undefined
  private faults: Fault[] = []
  private windows = new Map<string, { start: number; count: number }>()
  /** Newest first. */
  private events: Stripe.Event[] = []
  private readonly eventSeq = new Map<string, number>()
  private readonly random = seededRandom(99)
  /** The stand-in's clock (Unix seconds): tests move it to age events past retention or make balances available. */
  now: () => number = () => Math.floor(Date.now() / 1000)
  /** A fault for the requests it picks (one kind of listing failing while the others answer). */
  faultWhen: ((request: RecordedRequest) => Fault | undefined) | undefined

  readonly charges = new Collection<Stripe.Charge>('charge')
  readonly balanceTransactions = new Collection<Stripe.BalanceTransaction>('balance_transaction', (t) => ({
    ...t,
    status: t.available_on <= this.now() ? 'available' : 'pending'
  }))
  readonly customers = new Collection<Stripe.Customer>('customer')
  /**
   * Subscriptions embed their first 10 items, as Stripe does; the rest are at /v1/subscription_items.
   * Their discounts (and their items') are ids unless expanded.
   */
  readonly subscriptions = new Collection<Stripe.Subscription>(
    'subscription',
    (s) => s,
    (s, query) => {
      const expand = expansions(query)
      const own = expand.has('data.discounts') || expand.has('discounts')
      const items = expand.has('data.items.data.discounts') || expand.has('items.data.discounts')
      const data = s.items.data.slice(0, EMBEDDED_ITEMS).map((i) => (items ? i : { ...i, discounts: idsOnly(i.discounts) }))
      return {
        ...s,
        discounts: own ? s.discounts : idsOnly(s.discounts),
        items: { ...s.items, data, has_more: s.items.data.length > EMBEDDED_ITEMS }
      }
    }
  )
  /** Invoices carry their payments only when asked to (`expand[]=data.payments`, or `payments` on a retrieve). */
  readonly invoices = new Collection<Stripe.Invoice>(
    'invoice',
    (i) => i,
    (i, query) => {
      const expand = expansions(query)
      if (expand.has('data.payments') || expand.has('payments')) return i
      const served = { ...i }
      delete served.payments
      return served
    }
  )
  readonly products = new Collection<Stripe.Product>('product')
  readonly prices = new Collection<Stripe.Price>('price')
  readonly coupons = new Collection<Stripe.Coupon>('coupon')
  private readonly deletedCoupons = new Set<string>()
  /**
   * Connect: the platform's connected accounts (GET /v1/accounts), each a stand-in of its own that
   * answers requests made with its `Stripe-Account` header. A revoked one answers 403 account_invalid.
   */
  readonly accounts = new Collection<Stripe.Account & Dated>('account')
  readonly applicationFees = new Collection<Stripe.ApplicationFee>('application_fee')
  readonly transfers = new Collection<Stripe.Transfer>('transfer')
  readonly connected = new Map<string, StripeStandIn>()
  private readonly revoked = new Set<string>()
  private readonly deletedCustomers = new Set<string>()
  private readonly deletedInvoices = new Set<string>()
  readonly refunds = new Collection<Stripe.Refund>('refund')
  readonly disputes = new Collection<Stripe.Dispute>('dispute')
  readonly payouts = new Collection<Stripe.Payout>('payout')
  /** Payout id → its transaction ids (its own included), for `?payout=`. */
  private readonly paidOut = new Map<string, Set<string>>()

  constructor(readonly options: StandInOptions = {}) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null
    if (!address) throw new Error('stand-in not started')
    return `http://127.0.0.1:${address.port}`
  }

  /** Listens on 127.0.0.1 (a free port unless one is given) and returns the base URL. */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 5000
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    return this.url
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** The key's own account id. */
  get accountId(): string {
    return this.options.accountId ?? 'acct_1PlatformStandIn'
  }

  /** A connected account: listed by GET /v1/accounts, its objects served under its Stripe-Account header. */
  connect(id: string, created: number): StripeStandIn {
    const child = new StripeStandIn({ accountId: id })
    child.now = () => this.now()
    this.connected.set(id, child)
    this.accounts.add([
      {
        id,
        object: 'account',
        business_profile: null,
        business_type: null,
        capabilities: {},
        charges_enabled: true,
        country: 'US',
        created,
        default_currency: 'usd',
        details_submitted: true,
        email: null,
        payouts_enabled: true,
        settings: null,
        type: 'express'
      } as unknown as Stripe.Account & Dated
    ])
    return child
  }

  /** The account revoked the platform's access: it stays listed, its requests answer 403 account_invalid. */
  revoke(id: string): void {
    this.revoked.add(id)
  }

  /** Adds charges (any order); each is "created" after all charges already present. */
  addCharges(charges: Iterable<Stripe.Charge>): void {
    this.charges.add(charges)
  }

  /** Adds a whole linked account (charges, balance transactions, refunds, disputes, payouts). */
  addAccount(account: Account): void {
    this.charges.add(account.charges)
    this.balanceTransactions.add(account.balanceTransactions)
    this.refunds.add(account.refunds)
    this.disputes.add(account.disputes)
    this.payouts.add(account.payouts)
    for (const [payout, ids] of account.payoutTransactions) {
      const own = account.payouts.find((p) => p.id === payout)!.balance_transaction as string
      this.paidOut.set(payout, new Set([...ids, own]))
    }
  }

  /**
   * Adds a Billing account: customers, subscriptions, invoices and the charges that paid them. Its
   * deletions (customers, draft invoices) exist only as events, emitted at their times.
   */
  addBilling(billing: Billing): void {
    this.customers.add(billing.customers)
    this.customers.addUnlisted(billing.deletedCustomers.map((d) => d.customer))
    this.subscriptions.add(billing.subscriptions)
    this.invoices.add(billing.invoices)
    this.invoices.addUnlisted(billing.deletedInvoices.map((d) => d.invoice))
    this.charges.add(billing.charges)
    this.products.add(billing.products)
    this.prices.add(billing.prices)
    this.coupons.add(billing.coupons)
    this.coupons.addUnlisted(billing.deletedCoupons.map((d) => d.coupon))
    for (const { coupon, at } of billing.deletedCoupons) {
      this.deletedCoupons.add(coupon.id)
      this.emit('coupon.created', coupon, coupon.created)
      this.emit('coupon.deleted', { ...coupon, deleted: true }, at)
    }
    for (const { customer, at } of billing.deletedCustomers) {
      this.deletedCustomers.add(customer.id)
      this.emit('customer.deleted', customer, at)
      for (const s of billing.subscriptions.filter((x) => x.customer === customer.id && x.ended_at === at)) this.emit('customer.subscription.deleted', s, at)
    }
    for (const { invoice, at } of billing.deletedInvoices) {
      this.deletedInvoices.add(invoice.id)
      this.emit('invoice.deleted', invoice, at)
    }
  }

  /** Cancels a subscription: now (customer.subscription.deleted), or at the end of its period (customer.subscription.updated). */
  cancelSubscription(id: string, atPeriodEnd = false): Stripe.Subscription {
    const at = this.now()
    const s = this.subscriptions.byId.get(id)!.object
    if (atPeriodEnd) {
      const end = Math.max(...s.items.data.map((i) => i.current_period_end))
      const updated = this.subscriptions.update(id, { cancel_at: end, cancel_at_period_end: true, canceled_at: at })
      this.emit('customer.subscription.updated', updated)
      return updated
    }
    const updated = this.subscriptions.update(id, { status: 'canceled', canceled_at: at, ended_at: at, cancel_at: null, cancel_at_period_end: false })
    this.emit('customer.subscription.deleted', updated)
    return updated
  }

  /** A new quantity on one item of a subscription. */
  changeQuantity(subscriptionId: string, itemId: string, quantity: number): Stripe.Subscription {
    const s = this.subscriptions.byId.get(subscriptionId)!.object
    const items = s.items.data.map((i) => (i.id === itemId ? { ...i, quantity } : i))
    const updated = this.subscriptions.update(subscriptionId, { items: { ...s.items, data: items } })
    this.emit('customer.subscription.updated', updated)
    return updated
  }

  /** A subscription's status changes (past_due → unpaid → active): customer.subscription.updated. */
  setSubscriptionStatus(id: string, status: Stripe.Subscription.Status): Stripe.Subscription {
    const updated = this.subscriptions.update(id, { status })
    this.emit('customer.subscription.updated', updated)
    return updated
  }

  /** A customer gets a discount (customer.discount.created, with the discount as the event's object). */
  discountCustomer(id: string, discount: Stripe.Discount): Stripe.Customer {
    const updated = this.customers.update(id, { discount })
    this.emit('customer.discount.created', discount)
    return updated
  }

  /** A subscription's own discounts are removed (customer.discount.deleted, one per discount). */
  removeSubscriptionDiscounts(id: string): Stripe.Subscription {
    const s = this.subscriptions.byId.get(id)!.object
    const updated = this.subscriptions.update(id, { discounts: [] })
    for (const d of s.discounts) if (typeof d !== 'string') this.emit('customer.discount.deleted', d)
    return updated
  }

  /** Deletes a customer: gone from the list, its subscriptions canceled, and customer.deleted. */
  deleteCustomer(id: string): void {
    const customer = this.customers.byId.get(id)!.object
    for (const s of this.subscriptions.all().filter((x) => x.customer === id && x.status !== 'canceled')) this.cancelSubscription(s.id)
    this.deletedCustomers.add(id)
    this.customers.unlist(id)
    this.emit('customer.deleted', customer)
  }

  /** An open invoice is paid (invoice.paid), or voided (invoice.voided). */
  settleInvoice(id: string, outcome: 'paid' | 'void'): Stripe.Invoice {
    const at = this.now()
    const i = this.invoices.byId.get(id)!.object
    const paid = outcome === 'paid'
    const updated = this.invoices.update(id, {
      status: outcome,
      amount_paid: paid ? i.amount_due : 0,
      amount_remaining: 0,
      status_transitions: { ...i.status_transitions, paid_at: paid ? at : null, voided_at: paid ? null : at }
    })
    this.emit(paid ? 'invoice.paid' : 'invoice.voided', updated)
    return updated
  }

  /** A draft invoice is deleted: gone from Stripe, but for invoice.deleted. */
  deleteDraftInvoice(id: string): void {
    this.deletedInvoices.add(id)
    this.invoices.unlist(id)
    this.emit('invoice.deleted', this.invoices.byId.get(id)!.object)
  }

  /** Whether a customer or invoice was deleted (the truth for deleted_at). */
  isDeleted(id: string): boolean {
    return this.deletedCustomers.has(id) || this.deletedInvoices.has(id)
  }

  /** Changes a stored charge in place (its position in the list does not move). */
  updateCharge(id: string, patch: Partial<Stripe.Charge>): Stripe.Charge {
    return this.charges.update(id, patch)
  }

  /** Records an event about `object`, as Stripe does when something changes. */
  /** `type|id` of every creation event emitted explicitly: no synthetic one is made for them. */
  private readonly created = new Set<string>()

  /**
   * Stripe emits an event when any object is created. Objects added in bulk (`addCharges`,
   * `addAccount`, `addBilling`) get theirs made on the fly when events are listed — one per object,
   * at its creation time — rather than stored; objects made by the `create…` methods emit their own.
   */
  private creationEvents(types: readonly string[], min: number, max: number): Stripe.Event[] {
    const sources: Array<[Collection<Dated & { livemode?: boolean }>, (o: Dated & Record<string, unknown>) => string]> = [
      [this.charges as never, (c) => `charge.${String(c.status)}`],
      [this.customers as never, () => 'customer.created'],
      [this.subscriptions as never, () => 'customer.subscription.created'],
      [this.invoices as never, () => 'invoice.created'],
      [this.refunds as never, () => 'refund.created'],
      [this.disputes as never, () => 'charge.dispute.created'],
      [this.payouts as never, () => 'payout.created'],
      [this.products as never, () => 'product.created'],
      [this.prices as never, () => 'price.created'],
      [this.coupons as never, () => 'coupon.created'],
      [this.applicationFees as never, () => 'application_fee.created'],
      [this.transfers as never, () => 'transfer.created']
    ]
    const events: Stripe.Event[] = []
    for (const [collection, typeOf] of sources) {
      for (const { object } of collection.between(min, max)) {
        const type = typeOf(object as never)
        if ((types.length > 0 && !types.includes(type)) || this.created.has(`${type}|${object.id}`)) continue
        events.push({
          id: `evt_new_${object.id}`,
          object: 'event',
          api_version: '2026-10-28.endive',
          created: object.created,
          data: { object: structuredClone(collection.now(object)) },
          livemode: object.livemode ?? false,
          pending_webhooks: 0,
          request: null,
          type
        } as unknown as Stripe.Event)
      }
    }
    return events
  }

  emit(type: string, object: object, created = this.now()): Stripe.Event {
    this.created.add(`${type}|${(object as { id?: string }).id}`)
    const event = {
      id: randomId('evt_', this.random),
      object: 'event',
      api_version: '2026-10-28.endive',
      created,
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: null,
      type
    } as unknown as Stripe.Event
    // Newest first; within a second, the most recent first (as Stripe lists them).
    this.events.push(event)
    this.eventSeq.set(event.id, this.eventSeq.size)
    this.events.sort((a, b) => b.created - a.created || this.eventSeq.get(b.id)! - this.eventSeq.get(a.id)!)
    return event
  }

  /** A new customer, with its customer.created event. */
  createCustomer(customer: Stripe.Customer): Stripe.Customer {
    this.customers.add([customer])
    this.emit('customer.created', customer, customer.created)
    return customer
  }

  /** A new charge, with its charge.<status> event (and, when it succeeded in a linked account, its balance transaction). */
  createCharge(charge: Stripe.Charge): Stripe.Charge {
    this.charges.add([charge])
    this.emit(`charge.${charge.status}`, charge, charge.created)
    return charge
  }

  /**
   * Refunds `amount` (default: all that is left) of a charge: charge.refunded, and — when the
   * charge has a balance transaction here — a refund object with its own, and refund.created.
   */
  refund(id: string, amount?: number): Stripe.Charge {
    const charge = this.charges.byId.get(id)!.object
    const refunding = Math.min(charge.amount - charge.amount_refunded, amount ?? charge.amount - charge.amount_refunded)
    const refunded = charge.amount_refunded + refunding
    const updated = this.updateCharge(id, { amount_refunded: refunded, refunded: refunded >= charge.amount })
    if (typeof charge.balance_transaction === 'string' && this.balanceTransactions.byId.has(charge.balance_transaction)) {
      const created = this.now()
      const s = settle(refunding, charge.currency)
      const refundId = randomId('re_', this.random)
      const txn = balanceTransaction({
        id: randomId('txn_', this.random),
        amount: -s.amount,
        currency: s.currency,
        fee: 0,
        created,
        available_on: created,
        type: 'refund',
        reporting_category: 'refund',
        source: refundId,
        exchange_rate: s.rate
      })
      this.balanceTransactions.add([txn])
      const refund = makeRefund({ id: refundId, charge: updated, amount: refunding, created, balance_transaction: txn.id })
      this.refunds.add([refund])
      this.emit('refund.created', refund)
    }
    this.emit('charge.refunded', updated)
    return updated
  }

  /** A refund fails (the card was closed): its money comes back to the balance. */
  failRefund(id: string): Stripe.Refund {
    const refund = this.refunds.byId.get(id)!.object
    const created = this.now()
    const s = settle(refund.amount, refund.currency)
    const txn = balanceTransaction({
      id: randomId('txn_', this.random),
      amount: s.amount,
      currency: s.currency,
      fee: 0,
      created,
      available_on: created,
      type: 'refund_failure',
      reporting_category: 'refund_failure',
      source: id,
      exchange_rate: s.rate
    })
    this.balanceTransactions.add([txn])
    const updated = this.refunds.update(id, { status: 'failed', failure_reason: 'expired_or_canceled_card', failure_balance_transaction: txn.id })
    const charge = this.charges.byId.get(refund.charge as string)!.object
    const back = charge.amount_refunded - refund.amount
    this.updateCharge(charge.id, { amount_refunded: back, refunded: back >= charge.amount && back > 0 })
    this.emit('refund.failed', updated)
    this.emit('charge.refund.updated', updated)
    return updated
  }

  /** Opens a dispute on a charge: a dispute object (with its withdrawal when the charge has a balance transaction here) and charge.dispute.created. */
  dispute(id: string): Stripe.Charge {
    const updated = this.updateCharge(id, { disputed: true })
    const created = this.now()
    const disputeId = randomId('dp_', this.random)
    const transactions: Stripe.BalanceTransaction[] = []
    if (typeof updated.balance_transaction === 'string' && this.balanceTransactions.byId.has(updated.balance_transaction)) {
      const s = settle(updated.amount, updated.currency)
      transactions.push(disputeWithdrawal(randomId('txn_', this.random), disputeId, updated.id, s, created))
      this.balanceTransactions.add(transactions)
    }
    const dispute = makeDispute({ id: disputeId, charge: updated, created, transactions })
    this.disputes.add([dispute])
    this.emit('charge.dispute.created', dispute)
    return updated
  }

  /** A dispute is decided. Won: the money and the fee come back (charge.dispute.funds_reinstated). */
  closeDispute(id: string, outcome: 'won' | 'lost'): Stripe.Dispute {
    const dispute = this.disputes.byId.get(id)!.object
    const transactions = [...dispute.balance_transactions]
    if (outcome === 'won' && transactions[0]) {
      const withdrawal = transactions[0]
      const created = this.now()
      const reversal = balanceTransaction({
        id: randomId('txn_', this.random),
        amount: -withdrawal.amount,
        currency: withdrawal.currency,
        fee: -DISPUTE_FEE,
        created,
        available_on: created,
        type: 'adjustment',
        reporting_category: 'dispute_reversal',
        source: id,
        exchange_rate: withdrawal.exchange_rate
      })
      this.balanceTransactions.add([reversal])
      transactions.push(reversal)
    }
    const updated = this.disputes.update(id, { status: outcome, balance_transactions: transactions })
    if (outcome === 'won') this.emit('charge.dispute.funds_reinstated', updated)
    this.emit('charge.dispute.closed', updated)
    return updated
  }

  /** A paid payout bounces: status failed, its amount back in the balance. */
  failPayout(id: string): Stripe.Payout {
    const payout = this.payouts.byId.get(id)!.object
    const created = this.now()
    const txn = balanceTransaction({
      id: randomId('txn_', this.random),
      amount: payout.amount,
      currency: payout.currency,
      fee: 0,
      created,
      available_on: created,
      type: 'payout_failure',
      reporting_category: 'payout_reversal',
      source: id
    })
    this.balanceTransactions.add([txn])
    const updated = this.payouts.update(id, {
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
      failure_balance_transaction: txn.id
    })
    this.emit('payout.failed', updated)
    return updated
  }

  /** A pending charge settles. */
  succeed(id: string): Stripe.Charge {
    const charge = this.charges.byId.get(id)!.object
    const updated = this.updateCharge(id, { status: 'succeeded', paid: true, captured: true, amount_captured: charge.amount })
    this.emit('charge.succeeded', updated)
    return updated
  }

  /** All charges, newest first: the truth tests compare the table with. */
  allCharges(): Stripe.Charge[] {
    return this.charges.all()
  }

  /** The transactions a payout paid out, as served (its own transaction not included). */
  payoutTransactions(id: string): Stripe.BalanceTransaction[] {
    const own = this.payouts.get(id)?.balance_transaction
    return [...(this.paidOut.get(id) ?? [])].filter((t) => t !== own).map((t) => this.balanceTransactions.get(t)!)
  }

  /** The next requests fail this way, one fault per request, in order. */
  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults)
  }

  chargeRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/charges'))
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const query: Record<string, string> = {}
    for (const [k, v] of url.searchParams) query[k] = v
    if (this.options.ignoreCursor) delete query.starting_after
    const record: RecordedRequest = {
      at: performance.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      stripeAccount: header(req, 'stripe-account'),
      stripeVersion: header(req, 'stripe-version'),
      status: 0
    }
    this.requests.push(record)
    // Drain any body so keep-alive connections stay usable.
    req.resume()
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs))

    const every = this.options.faultEvery
    const outage = this.options.failFrom && this.requests.length >= this.options.failFrom.request ? this.options.failFrom.fault : undefined
    const fault = this.faults.shift() ?? this.faultWhen?.(record) ?? outage ?? (every && this.requests.length % every.every === 0 ? every.fault : undefined)
    if (fault === 'slow') await new Promise((r) => setTimeout(r, this.options.slowMs ?? 2000))
    if (fault === 'reset') {
      record.status = -1
      req.socket.destroy()
      return
    }
    let answer: Answer
    let limited: 'endpoint-rate' | 'global-rate' | undefined
    if (fault === 'bad-json') {
      record.status = 200
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"object": "list", "data": [{"id": "ch_trunc')
      return
    } else if (fault === 429 || (limited = this.overRateLimit(req.method ?? 'GET', url.pathname))) {
      answer = {
        ...stripeError(429, {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.'
        }),
        headers: {
          ...(this.options.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.options.retryAfterSeconds) }),
          ...(limited ? { 'stripe-rate-limited-reason': limited } : {})
        }
      }
    } else if (fault !== undefined && fault !== 'slow') {
      answer = stripeError(fault, { type: 'api_error', message: 'An unknown error occurred' })
    } else {
      answer = this.route(req, url, query)
    }
    record.status = answer.status
    const data = (answer.body as { data?: unknown[] } | undefined)?.data
    if (Array.isArray(data)) record.returned = data.length
    const body = JSON.stringify(answer.body)
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'request-id': `req_standin_${this.requests.length}`,
      ...answer.headers
    })
    res.end(body)
  }

  /** Stripe's limits: per named operation, and over all requests; fixed one-second windows. */
  /** Which of Stripe's limits refused a request (its `Stripe-Rate-Limited-Reason`), or undefined. */
  private overRateLimit(method: string, path: string): 'endpoint-rate' | 'global-rate' | undefined {
    const operation = `${method} ${path.replace(/^(\/v1\/[a-z_]+)\/[^/]+$/, '$1/:id')}`
    const over = (key: string, max: number | undefined) => {
      if (!max) return false
      const now = Date.now()
      let window = this.windows.get(key)
      if (!window || now - window.start >= 1000) this.windows.set(key, (window = { start: now, count: 0 }))
      window.count += 1
      return window.count > max
    }
    const endpoint = over(operation, this.options.maxRequestsPerSecond)
    const total = over('*', this.options.maxTotalRequestsPerSecond)
    return total ? 'global-rate' : endpoint ? 'endpoint-rate' : undefined
  }

  private authenticate(req: http.IncomingMessage): string | Answer {
    const auth = header(req, 'authorization') ?? ''
    const key = /^Bearer (.+)$/.exec(auth)?.[1] ?? ''
    const valid = this.options.keys ? this.options.keys.includes(key) : /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(key)
    if (!valid) {
      const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key
      return stripeError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` })
    }
    return key
  }

  private route(req: http.IncomingMessage, url: URL, query: Record<string, string>): Answer {
    const key = this.authenticate(req)
    if (typeof key !== 'string') return key
    if (req.method !== 'GET') return this.unrecognized(req, url)
    const onBehalf = header(req, 'stripe-account')
    // A stand-in without connected accounts answers for any account from its own objects (one-account tests).
    if (onBehalf !== undefined && onBehalf !== this.accountId && this.connected.size > 0) {
      const child = this.connected.get(onBehalf)
      if (!child || this.revoked.has(onBehalf)) {
        return stripeError(403, {
          type: 'invalid_request_error',
          code: 'account_invalid',
          message: `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have access to account '${onBehalf}' (or that account does not exist). Application access may have been revoked.`
        })
      }
      return child.routeAs(key, req, url, query)
    }
    if (url.pathname === '/v1/account') return { status: 200, body: { id: this.accountId, object: 'account', country: 'US', default_currency: 'usd' } }
    return this.routeAs(key, req, url, query)
  }

  /** The account's own resources, for an authenticated GET. */
  private routeAs(key: string, req: http.IncomingMessage, url: URL, query: Record<string, string>): Answer {
    const match = /^\/v1\/([a-z_]+)(?:\/([^/]+))?$/.exec(url.pathname)
    const area = match?.[1] as Area | undefined
    const id = match?.[2] === undefined ? undefined : decodeURIComponent(match[2])
    if (area === 'events' && id === undefined) return this.permitted(key, 'events') ?? this.listEvents(query)
    if ((area === 'subscription_items' || area === 'invoice_payments') && id === undefined) return this.permitted(key, area) ?? this.children(area, query)
    const collection = area ? this.collection(area) : undefined
    if (!collection || !area) return this.unrecognized(req, url)
    const denied = this.permitted(key, area)
    if (denied) return denied
    if (id !== undefined) {
      if (area === 'customers' && this.deletedCustomers.has(id)) return { status: 200, body: { id, object: 'customer', deleted: true } }
      if (area === 'coupons' && this.deletedCoupons.has(id)) return missing('coupon', id, 'id')
      const object = collection.get(id, query)
      return object && !(area === 'invoices' && this.deletedInvoices.has(id)) ? { status: 200, body: object } : missing(collection.kind, id, 'id')
    }
    if (area === 'balance_transactions' && query.payout !== undefined) {
      const ids = this.paidOut.get(query.payout)
      if (!ids) return missing('payout', query.payout, 'payout')
      return collection.list(query, (t) => ids.has(t.id))
    }
    if (area === 'subscriptions' && query.status !== 'all') {
      // Without `status`, Stripe lists the subscriptions that are not canceled.
      const status = query.status
      return this.subscriptions.list(query, (s) => (status === undefined ? s.status !== 'canceled' : s.status === status))
    }
    return collection.list(query)
  }

  /** GET /v1/subscription_items?subscription= and /v1/invoice_payments?invoice=: a parent's children. */
  private children(area: 'subscription_items' | 'invoice_payments', query: Record<string, string>): Answer {
    const parent =
      area === 'subscription_items'
        ? this.subscriptions.byId.get(query.subscription ?? '')?.object.items.data
        : this.invoices.byId.get(query.invoice ?? '')?.object.payments?.data
    if (!parent) return invalid(area === 'subscription_items' ? 'subscription' : 'invoice', 'No such parent')
    const limit = Math.min(100, Number(query.limit ?? 10))
    const start = query.starting_after ? parent.findIndex((c) => c.id === query.starting_after) + 1 : 0
    const expanded = expansions(query).has('data.discounts')
    const data = parent
      .slice(start, start + limit)
      .map((c) => (area === 'subscription_items' && !expanded ? { ...c, discounts: idsOnly((c as Stripe.SubscriptionItem).discounts) } : c))
    return { status: 200, body: { object: 'list', data, has_more: start + limit < parent.length, url: `/v1/${area}` } }
  }

  private collection(area: Area): Collection<Dated> | undefined {
    const all: Partial<Record<Area, Collection<Dated>>> = {
      charges: this.charges as unknown as Collection<Dated>,
      balance_transactions: this.balanceTransactions as unknown as Collection<Dated>,
      refunds: this.refunds as unknown as Collection<Dated>,
      disputes: this.disputes as unknown as Collection<Dated>,
      payouts: this.payouts as unknown as Collection<Dated>,
      customers: this.customers as unknown as Collection<Dated>,
      subscriptions: this.subscriptions as unknown as Collection<Dated>,
      invoices: this.invoices as unknown as Collection<Dated>,
      products: this.products as unknown as Collection<Dated>,
      prices: this.prices as unknown as Collection<Dated>,
      coupons: this.coupons as unknown as Collection<Dated>,
      accounts: this.accounts as unknown as Collection<Dated>,
      application_fees: this.applicationFees as unknown as Collection<Dated>,
      transfers: this.transfers as unknown as Collection<Dated>
    }
    return all[area]
  }

  private permitted(key: string, area: Area): Answer | undefined {
    if (!this.options.missingPermissions?.[key]?.includes(area)) return undefined
    const permission = `rak_${area.replace(/s$/, '').replace('balance_transaction', 'balance_transaction')}_read`
    return stripeError(403, {
      type: 'invalid_request_error',
      message: `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_standin'. Having the '${permission}' permission would allow this request to continue.`
    })
  }

  private unrecognized(req: http.IncomingMessage, url: URL): Answer {
    return stripeError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
    })
  }

  private listEvents(query: Record<string, string>): Answer {
    const limit = query.limit === undefined ? 10 : Number(query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return invalid('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.')
    const types = Object.entries(query)
      .filter(([k]) => /^types\[\d*\]$/.test(k))
      .map(([, v]) => v)
    if (types.length > 20) return invalid('types', 'You may pass at most 20 types.')
    const type = query.type
    const matchesType = (t: string) =>
      (types.length === 0 || types.includes(t)) && (type === undefined || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type))
    const range = { gt: -Infinity, gte: -Infinity, lt: Infinity, lte: Infinity }
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = query[`created[${op}]`]
      if (value !== undefined) range[op] = Number(value)
    }
    const oldestKept = this.now() - EVENT_RETENTION_SECONDS
    const inRange = (created: number) => created >= oldestKept && created > range.gt && created >= range.gte && created < range.lt && created <= range.lte
    const explicit = this.events.filter((e) => inRange(e.created) && matchesType(e.type))
    const min = Math.max(oldestKept, range.gt + 1, range.gte)
    const max = Math.min(range.lt - 1, range.lte, this.now())
    const made = type === undefined ? this.creationEvents(types, min, max).filter((e) => matchesType(e.type)) : []
    // Newest first; within a second, a creation comes before what happened to the object after it.
    const visible =
      made.length === 0
        ? explicit
        : [...explicit, ...made].sort((a, b) => b.created - a.created || Number(a.id.startsWith('evt_new_')) - Number(b.id.startsWith('evt_new_')))
    let start = 0
    let end = Math.min(visible.length, limit)
    const cursor = query.starting_after ?? query.ending_before
    if (cursor !== undefined) {
      const kept = this.events.find((e) => e.id === cursor && e.created >= oldestKept) ?? visible.find((e) => e.id === cursor)
      if (!kept) return missing('event', cursor, query.starting_after ? 'starting_after' : 'ending_before')
      const at = visible.findIndex((e) => e.id === cursor)
      if (query.starting_after) {
        start = at + 1
        end = Math.min(visible.length, start + limit)
      } else {
        end = at
        start = Math.max(0, end - limit)
      }
    }
    const hasMore = query.ending_before ? start > 0 : end < visible.length
    return { status: 200, body: { object: 'list', data: visible.slice(start, Math.max(start, end)), has_more: hasMore, url: '/v1/events' } }
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function invalid(param: string, message: string): Answer {
  return stripeError(400, { type: 'invalid_request_error', param, message })
}

function missing(kind: string, id: string, param: string): Answer {
  return stripeError(404, { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` })
}
