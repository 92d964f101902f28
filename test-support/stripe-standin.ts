import type Stripe from 'stripe'
import { DISPUTE_FEE, balanceTransaction, disputeWithdrawal, makeDispute, makeRefund, settle, type Account } from './account.js'
import type { Billing } from './billing.js'
import { randomId, seededRandom } from './fixtures.js'
import { idOf } from '../src/objects/spec.js'
import { expansions, idsOnly, invalid, missing, ok, type Answer, type Query } from './standin/answers.js'
import { Collection, type Dated } from './standin/collection.js'
import { EventLog, makeEvent, type StandInEvent } from './standin/events.js'
import { resource, type Area, type Resource, type ResourceOptions } from './standin/resources.js'
import { route, type Served } from './standin/routing.js'
import type { ObjectName } from '../src/objects/registry.js'
import { Transport, type Fault, type RecordedRequest, type TransportOptions } from './standin/transport.js'

export { EVENT_RETENTION_SECONDS } from './standin/events.js'
export type { Area } from './standin/resources.js'
export type { Fault, RecordedRequest } from './standin/transport.js'

/**
 * A small Stripe API for tests, the demo and the benchmark, with Stripe's semantics — newest first
 * (ties in one second: most recently created first), cursor pagination, `created` filters, `limit`
 * 1–100, Stripe's error JSON, rate limits, injected faults — split in three: the transport
 * (standin/transport.ts: HTTP, latency, faults, limits, the recorded requests), the routing
 * (standin/routing.ts: keys, permissions, connected accounts, the resource table) and this file, the
 * scenario: the account's objects, served from one resource table keyed by object name
 * (`define`: the collection, its creation events, its routes), and the verbs that change them and
 * emit the events Stripe would.
 */
export interface StandInOptions extends TransportOptions {
  /** Keys that authenticate; default: any sk_/rk_ test or live key. */
  keys?: readonly string[]
  /** The key's own account (GET /v1/account); default acct_1PlatformStandIn. */
  accountId?: string
  /** When it was created; default: a day before its oldest object (a year ago when it has none). */
  accountCreated?: number
  /** Restricted keys and the areas they lack, e.g. { rk_test_x: ['charges'] }. */
  missingPermissions?: Record<string, readonly Area[]>
  /** The account's country and Dashboard time zone (GET /v1/account); default US and Etc/UTC. */
  country?: string
  timezone?: string
}

/** How many items a subscription embeds before `has_more`. */
export const EMBEDDED_ITEMS = 10

/** A connected account as GET /v1/accounts lists it (the fields the action reads, and a few more). */
export interface ConnectedAccount extends Dated {
  object: 'account'
  business_profile: null
  business_type: null
  capabilities: Record<string, string>
  charges_enabled: boolean
  country: string
  default_currency: string
  details_submitted: boolean
  email: null
  payouts_enabled: boolean
  settings: null
  type: string
}

export class StripeStandIn implements Served {
  private readonly transport: Transport
  /** The stand-in's clock (Unix seconds): tests move it to age events past retention or make balances available. */
  now: () => number = () => Math.floor(Date.now() / 1000)
  private readonly random = seededRandom(99)
  readonly resources = new Map<Area, Resource>()
  readonly events: EventLog = new EventLog(
    () => this.now(),
    (min, max) => [...this.resources.values()].flatMap((r) => r.created(min, max))
  )
  readonly connected = new Map<string, StripeStandIn>()
  readonly revoked = new Set<string>()
  private readonly deletedCustomers = new Set<string>()
  private readonly deletedInvoices = new Set<string>()
  private readonly deletedCoupons = new Set<string>()
  /** Payout id → its transaction ids (its own included), for `?payout=`. */
  private readonly paidOut = new Map<string, Set<string>>()

  /** One entry of the resource table: `area`'s collection, served with its routes and creation events. */
  private define<T extends Dated>(area: Area, collection: Collection<T>, options: ResourceOptions<T> = {}): Collection<T> {
    this.resources.set(area, resource(collection, options))
    this.collections.set(area, collection as unknown as Collection<Dated>)
    return collection
  }

  private readonly collections = new Map<Area, Collection<Dated>>()

  /** The collection of a synced object, by its registry name: for tests that treat every object alike. */
  collection(name: ObjectName): Collection<Dated> {
    const found = this.collections.get(name)
    if (!found) throw new Error(`the stand-in serves no ${name}: define it (CONTRIBUTING, Add an object)`)
    return found
  }

  readonly charges = this.define('charges', new Collection<Stripe.Charge>('charge'), { creation: (c) => `charge.${c.status}` })
  readonly balanceTransactions = this.define(
    'balance_transactions',
    new Collection<Stripe.BalanceTransaction>('balance_transaction', (t) => ({ ...t, status: t.available_on <= this.now() ? 'available' : 'pending' })),
    {
      list: (collection, query) => {
        if (query.payout === undefined) return collection.list(query)
        const ids = this.paidOut.get(query.payout)
        return ids ? collection.list(query, (t) => ids.has(t.id)) : missing('payout', query.payout, 'payout')
      }
    }
  )
  readonly refunds = this.define('refunds', new Collection<Stripe.Refund>('refund'), { creation: () => 'refund.created' })
  readonly disputes = this.define('disputes', new Collection<Stripe.Dispute>('dispute'), { creation: () => 'charge.dispute.created' })
  readonly payouts = this.define('payouts', new Collection<Stripe.Payout>('payout'), { creation: () => 'payout.created' })
  readonly customers = this.define('customers', new Collection<Stripe.Customer>('customer'), {
    creation: () => 'customer.created',
    retrieve: (id) => (this.deletedCustomers.has(id) ? ok({ id, object: 'customer', deleted: true }) : undefined)
  })
  /**
   * Subscriptions embed their first 10 items, as Stripe does; the rest are at /v1/subscription_items.
   * Their discounts (and their items') are ids unless expanded. Without `status`, the list leaves canceled ones out.
   */
  readonly subscriptions = this.define(
    'subscriptions',
    new Collection<Stripe.Subscription>(
      'subscription',
      (s) => s,
      (s, query) => {
        const expand = expansions(query)
        const own = expand.has('data.discounts') || expand.has('discounts')
        const items = expand.has('data.items.data.discounts') || expand.has('items.data.discounts')
        const data = s.items.data.slice(0, EMBEDDED_ITEMS).map((i) => (items ? i : { ...i, discounts: idsOnly(i.discounts) }))
        return { ...s, discounts: own ? s.discounts : idsOnly(s.discounts), items: { ...s.items, data, has_more: s.items.data.length > EMBEDDED_ITEMS } }
      }
    ),
    {
      creation: () => 'customer.subscription.created',
      list: (collection, query) => {
        if (query.status === 'all') return collection.list(query)
        const status = query.status
        return collection.list(query, (s) => (status === undefined ? s.status !== 'canceled' : s.status === status))
      }
    }
  )
  /** Invoices carry their payments only when asked to (`expand[]=data.payments`, or `payments` on a retrieve). */
  readonly invoices = this.define(
    'invoices',
    new Collection<Stripe.Invoice>(
      'invoice',
      (i) => i,
      (i, query) => {
        const expand = expansions(query)
        if (expand.has('data.payments') || expand.has('payments')) return i
        const served = { ...i }
        delete served.payments
        return served
      }
    ),
    { creation: () => 'invoice.created', retrieve: (id) => (this.deletedInvoices.has(id) ? missing('invoice', id, 'id') : undefined) }
  )
  readonly products = this.define('products', new Collection<Stripe.Product>('product'), { creation: () => 'product.created' })
  readonly prices = this.define('prices', new Collection<Stripe.Price>('price'), { creation: () => 'price.created' })
  readonly coupons = this.define('coupons', new Collection<Stripe.Coupon>('coupon'), {
    creation: () => 'coupon.created',
    retrieve: (id) => (this.deletedCoupons.has(id) ? missing('coupon', id, 'id') : undefined)
  })
  /** Connect: the platform's connected accounts (GET /v1/accounts); each answers requests made with its `Stripe-Account` header. */
  readonly accounts = this.define('accounts', new Collection<ConnectedAccount>('account'))
  readonly applicationFees = this.define('application_fees', new Collection<Stripe.ApplicationFee>('application_fee'), {
    creation: () => 'application_fee.created'
  })
  readonly transfers = this.define('transfers', new Collection<Stripe.Transfer>('transfer'), { creation: () => 'transfer.created' })
  readonly paymentIntents = this.define('payment_intents', new Collection<Stripe.PaymentIntent>('payment_intent'), {
    creation: () => 'payment_intent.created'
  })
  /** GET /v1/checkout/sessions: Stripe emits no event when a session is created, only when it completes or expires. */
  readonly checkoutSessions = this.define('checkout_sessions', new Collection<Stripe.Checkout.Session>('checkout.session'))

  constructor(readonly options: StandInOptions = {}) {
    this.transport = new Transport(options, (request) => route(this, request))
    this.profile = { country: options.country ?? 'US', timezone: options.timezone ?? 'Etc/UTC' }
    // A parent's children, listed only: GET /v1/subscription_items?subscription= and /v1/invoice_payments?invoice=.
    this.resources.set('subscription_items', {
      kind: 'subscription_item',
      list: (query) =>
        this.children(this.subscriptions.byId.get(query.subscription ?? '')?.object.items.data, 'subscription', query, (i) =>
          expansions(query).has('data.discounts') ? i : { ...i, discounts: idsOnly(i.discounts) }
        ),
      created: () => [],
      oldest: () => []
    })
    this.resources.set('invoice_payments', {
      kind: 'invoice_payment',
      list: (query) => this.children(this.invoices.byId.get(query.invoice ?? '')?.object.payments?.data, 'invoice', query, (p) => p),
      created: () => [],
      oldest: () => []
    })
  }

  get access(): Served['access'] {
    return this.options
  }

  /** Every request the stand-in received, in order. */
  get requests(): RecordedRequest[] {
    return this.transport.requests
  }

  /** A fault for the requests it picks (one kind of listing failing while the others answer). */
  get faultWhen(): Transport['faultWhen'] {
    return this.transport.faultWhen
  }

  set faultWhen(pick: Transport['faultWhen']) {
    this.transport.faultWhen = pick
  }

  get url(): string {
    return this.transport.url
  }

  /** Listens on 127.0.0.1 (a free port unless one is given) and returns the base URL. */
  start(port = 0): Promise<string> {
    return this.transport.start(port)
  }

  stop(): Promise<void> {
    return this.transport.stop()
  }

  /** The key's own account id. */
  get accountId(): string {
    return this.options.accountId ?? 'acct_1PlatformStandIn'
  }

  /** Where the account lives: tests set a shop's country and time zone. */
  readonly profile: { country: string; timezone: string }

  accountCreated(): number {
    if (this.options.accountCreated !== undefined) return this.options.accountCreated
    const oldest = Math.min(...[...this.resources.values()].flatMap((r) => r.oldest()))
    return Number.isFinite(oldest) ? oldest - 86400 : this.now() - 365 * 86400
  }

  /** A page of a parent's children (`limit`, `starting_after`). */
  private children<C extends { id: string }>(all: readonly C[] | null | undefined, parent: string, query: Query, serve: (child: C) => unknown): Answer {
    if (!all) return invalid(parent, 'No such parent')
    const limit = Math.min(100, Number(query.limit ?? 10))
    const start = query.starting_after ? all.findIndex((c) => c.id === query.starting_after) + 1 : 0
    return ok({ object: 'list', data: all.slice(start, start + limit).map(serve), has_more: start + limit < all.length, url: `/v1/${parent}` })
  }

  /**
   * Records an event about `object`, as Stripe does when something changes; `listableAfter`
   * seconds: the event is listed only that long after its `created` (Stripe promises no less).
   */
  emit(type: string, object: object, created = this.now(), options: { listableAfter?: number } = {}): StandInEvent {
    const event = makeEvent(randomId('evt_', this.random), type, object, created)
    this.events.add(event, 'id' in object && typeof object.id === 'string' ? object.id : undefined, created + (options.listableAfter ?? 0))
    return event
  }

  /** A connected account: listed by GET /v1/accounts, its objects served under its Stripe-Account header. */
  connect(id: string, created: number): StripeStandIn {
    const child = new StripeStandIn({ accountId: id, accountCreated: created })
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
      }
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
      const own = idOf(account.payouts.find((p) => p.id === payout)!.balance_transaction)!
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
    const charge = this.charges.byId.get(idOf(refund.charge)!)!.object
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
    this.transport.inject(...faults)
  }

  chargeRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/charges'))
  }
}
