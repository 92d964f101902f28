import { OBJECTS, isObjectName } from '../../src/objects/registry.js'
import type { ObjectSpec, StripeObject } from '../../src/objects/spec.js'
import type { ObjectName } from '../../src/objects/registry.js'
import { MAX_EVENT_TYPES } from '../../src/sync/stream.js'
import { generateAccount } from '../../test-support/account.js'
import { generateBilling } from '../../test-support/billing.js'
import { makeApplicationFee, makeTransfer } from '../../test-support/connect.js'
import { makeCheckoutSession, makePaymentIntent } from '../../test-support/payments.js'

// Every object is one description; nothing ties its column list to its row mapping but this test:
// a column missing from the mapping would silently store NULL, a key missing from the columns would
// be dropped. Checked over every spec with objects shaped as Stripe sends them.
const NOW = Date.UTC(2026, 10, 20) / 1000
const DAY = 86400
const account = generateAccount({ count: 200, seed: 5, from: NOW - 30 * DAY, to: NOW - DAY, now: NOW, disputeRate: 0.05 })
const billing = generateBilling({ customers: 40, seed: 5, from: NOW - 200 * DAY, now: NOW })
const connectedCharges = account.charges.filter((c) => c.status === 'succeeded').slice(0, 30)
const samples: Record<ObjectName, StripeObject[]> = {
  charges: account.charges,
  balance_transactions: account.balanceTransactions,
  refunds: account.refunds,
  disputes: account.disputes,
  payouts: account.payouts,
  customers: billing.customers,
  subscriptions: billing.subscriptions,
  invoices: billing.invoices,
  products: billing.products,
  prices: billing.prices,
  coupons: billing.coupons,
  application_fees: connectedCharges.map((c, n) => makeApplicationFee(`fee_${n}`, 'acct_1Sample', c, (['none', 'half', 'full'] as const)[n % 3]!)),
  transfers: connectedCharges.map((c, n) => makeTransfer(`tr_${n}`, 'acct_1Sample', c, n % 4 === 0)),
  payment_intents: account.charges.map((c) => makePaymentIntent(c, { metadata: { order_id: `ord_${c.id}` } })),
  checkout_sessions: account.charges.map((c, n) => makeCheckoutSession(c, { clientReferenceId: n % 2 === 0 ? `order-${n}` : undefined }))
}
const context = { apiVersion: '2026-10-28.endive', accountId: undefined }
const sorted = (keys: Iterable<string>) => [...keys].sort()

describe.each(OBJECTS.map((spec) => [spec.name, spec] as const))('%s', (_name, spec: ObjectSpec<StripeObject, ObjectName>) => {
  const objects = samples[spec.name]

  it('has samples to check against', () => expect(objects.length).toBeGreaterThan(0))

  it('maps every object to exactly the columns written from rows', () => {
    const expected = sorted(spec.columns.filter((c) => c.fromRow).map((c) => c.name))
    for (const object of objects) expect(sorted(Object.keys(spec.toRow(object, context)))).toEqual(expected)
  })

  it('names each column once, and its key and indexes among them', () => {
    const names = spec.columns.map((c) => c.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toContain(spec.idColumn)
    for (const index of spec.indexes) expect(names).toContain(index)
    expect(spec.columns.find((c) => c.name === spec.idColumn)!.notNull).toBe(true)
  })

  it('asks for at most 20 event types, its deletions among them', () => {
    expect(spec.events.length).toBeLessThanOrEqual(MAX_EVENT_TYPES)
    expect(new Set(spec.events).size).toBe(spec.events.length)
    for (const type of spec.deletionEvents ?? []) expect(spec.events).toContain(type)
    if (spec.deletionEvents) expect(spec.columns.map((c) => c.name)).toContain('deleted_at')
    // An object without events of its own follows others' (balance transactions), and a daily list pass.
    if (spec.events.length === 0) expect(spec.listWhen?.length ?? 0).toBeGreaterThan(0)
  })

  it('accepts every sample as valid', () => {
    for (const object of objects) expect(spec.validate(object)).toBeUndefined()
  })

  if (spec.history) {
    const history = spec.history
    it(`keeps versions of ${history.tracked.join(', ')} in ${history.table}`, () => {
      const names = spec.columns.map((c) => c.name)
      for (const column of [history.startColumn, ...history.copied]) expect(names).toContain(column)
      for (const column of history.tracked) expect(history.copied).toContain(column)
    })
  }

  for (const child of spec.children ?? []) {
    it(`writes its child table ${child.table} by the same rules`, () => {
      const names = child.columns.map((c) => c.name)
      expect(new Set(names).size).toBe(names.length)
      for (const column of [child.idColumn, child.parentColumn, child.removedColumn, ...(child.indexes ?? [])]) expect(names).toContain(column)
      const expected = sorted(child.columns.filter((c) => c.fromRow).map((c) => c.name))
      let rows = 0
      for (const object of objects) {
        for (const row of child.rows(object, context)) {
          rows += 1
          expect(sorted(Object.keys(row))).toEqual(expected)
          expect(row[child.parentColumn]).toBe(object.id)
        }
      }
      expect(rows).toBeGreaterThan(0)
      const history = child.history
      if (history) {
        for (const column of [history.startColumn, ...history.copied]) expect(names).toContain(column)
        for (const column of history.tracked) expect(history.copied).toContain(column)
      }
    })
  }
})

it('names every table once across objects and children; a shared child table is one definition', () => {
  const children = OBJECTS.flatMap((o) => o.children ?? [])
  const shared = new Map<string, unknown>()
  for (const child of children) {
    // stripe_discounts is written by customers and subscriptions: the same columns, one table.
    if (shared.has(child.table)) expect(child.columns).toBe(shared.get(child.table))
    shared.set(child.table, child.columns)
  }
  const tables = OBJECTS.flatMap((o) => [o.table, o.history?.table, ...(o.children ?? []).flatMap((c) => [c.table, c.history?.table])]).filter(
    (t) => t !== undefined
  )
  expect(new Set(tables).size).toBe(new Set(children.map((c) => c.table)).size + tables.length - children.length)
})

it('names only registered objects as needs', () => {
  for (const spec of OBJECTS) for (const need of spec.needs ?? []) expect(isObjectName(need)).toBe(true)
})
