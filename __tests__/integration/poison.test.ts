import { OBJECTS, type ObjectName } from '../../src/objects/registry.js'
import type { ObjectSpec } from '../../src/objects/spec.js'
import { tableOf } from '../../src/session.js'
import { generateAccount } from '../../test-support/account.js'
import { generateBilling } from '../../test-support/billing.js'
import { makeApplicationFee, makeTransfer } from '../../test-support/connect.js'
import { withClient } from '../../test-support/postgres.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import type { Collection, Dated } from '../../test-support/standin/collection.js'
import type { StripeStandIn } from '../../test-support/stripe-standin.js'
import { makeCheckoutSession, makePaymentIntent } from '../../test-support/payments.js'
import { World } from '../../test-support/world.js'

// The promise the README makes — one stray character, or one malformed object, never stops a sync —
// for every object in the registry: beside a realistic account, each object gets a copy holding a
// NUL, one holding a lone surrogate, one holding a 1 MB string, one with a field of the wrong type (one
// its spec checks)
// and one with no id. Every good object is stored; the first three are stored cleaned, the last two
// quarantined.
const DAY = 86400
const world = new World('poison')

type Variant = 'nul' | 'surrogate' | 'megabyte' | 'wrong type' | 'no id'
const STORED: readonly Variant[] = ['nul', 'surrogate', 'megabyte']

type Damaged = Dated & Record<string, unknown>

/** What the test needs of one collection: its ids, an object to copy, and a way to add damaged copies. */
interface Poisonable {
  ids(): string[]
  template(): Damaged
  add(objects: Damaged[]): void
}

function poisonable<T extends Dated>(collection: Collection<T>): Poisonable {
  return {
    ids: () => collection.all().map((o) => o.id),
    template: () => Object.assign({}, collection.all()[0]!) as Damaged,
    // The copies are malformed on purpose: that they no longer fit T is what the test is about.
    add: (objects) => collection.add(objects as unknown as T[])
  }
}

/** The stand-in's collection of each object of the registry. */
function collections(stripe: StripeStandIn): Record<ObjectName, Poisonable> {
  return Object.fromEntries(OBJECTS.map((o) => [o.name, poisonable(stripe.collection(o.name))])) as Record<ObjectName, Poisonable>
}

/** Fields every object has, or text the other kinds of damage use: never the one given a wrong type. */
const KEPT = new Set(['id', 'object', 'created', 'metadata', 'description'])

/**
 * A field of the object given a value of the wrong type that its own spec rejects: its currency or
 * name when it checks them, else the first field it does. Taken from the spec, so a new object needs
 * no entry here; one whose `validate` checks nothing but its id and creation fails the test, naming it.
 */
function wrongType(spec: ObjectSpec<Damaged>, template: Damaged): Record<string, unknown> {
  for (const field of ['currency', 'name', ...Object.keys(template)]) {
    if (KEPT.has(field) || !(field in template)) continue
    const damage = { [field]: typeof template[field] === 'number' ? 'forty-two' : 42 }
    if (spec.validate({ ...template, ...damage }) !== undefined) return damage
  }
  throw new Error(`${spec.name}: its validate rejects no field of the wrong type; check one (check.currency, check.amount, …)`)
}

/** A copy of `template` (a fresh id, a second or so earlier: the template may be the newest object) with one kind of damage. */
function variant(spec: ObjectSpec<Damaged>, template: Damaged, kind: Variant, n: number): Damaged {
  const copy: Damaged = { ...structuredClone(template), id: `${template.id}_${kind.replace(' ', '_')}_${n}`, created: template.created - 1 - n }
  // Text the object keeps: its metadata, or (a balance transaction) its description.
  const text = (value: string) => ('metadata' in template ? { metadata: { note: value } } : { description: value })
  if (kind === 'nul') Object.assign(copy, text('before\u0000after'))
  if (kind === 'surrogate') Object.assign(copy, text('half an emoji \uD83D here'))
  if (kind === 'megabyte') Object.assign(copy, text('x'.repeat(1_000_000)))
  if (kind === 'wrong type') Object.assign(copy, wrongType(spec, template))
  if (kind === 'no id') delete (copy as Partial<Dated>).id
  return copy
}

describe('every object in the registry', () => {
  it('stores every good object, stores the ones with stray characters cleaned, quarantines the malformed', async () => {
    const now = world.clock
    const account = generateAccount({ count: 60, seed: 71, from: now - 40 * DAY, to: now - 3600, now: now - 600 })
    const billing = generateBilling({ customers: 25, seed: 72, from: now - 120 * DAY, now: now - 600 })
    const succeeded = account.charges.filter((c) => c.status === 'succeeded')
    const stripe = world.stripe
    stripe.addAccount(account)
    stripe.addBilling(billing)
    stripe.applicationFees.add(succeeded.slice(0, 5).map((c, i) => makeApplicationFee(`fee_poison${i}`, 'acct_1Poison', c, 'none')))
    stripe.transfers.add(succeeded.slice(0, 5).map((c, i) => makeTransfer(`tr_poison${i}`, 'acct_1Poison', c, false)))
    stripe.paymentIntents.add(succeeded.slice(0, 5).map((c) => makePaymentIntent(c)))
    stripe.checkoutSessions.add(succeeded.slice(0, 5).map((c, i) => makeCheckoutSession(c, { clientReferenceId: `order-${i}` })))
    // Every collection needs an object to copy: a dispute whatever the generator drew.
    stripe.dispute(succeeded[5]!.id)

    const all = collections(stripe)
    const good = new Map<ObjectName, string[]>()
    const bad = new Map<ObjectName, Damaged[]>()
    for (const spec of OBJECTS) {
      const collection = all[spec.name]
      good.set(spec.name, collection.ids())
      const template = collection.template()
      const variants = (['nul', 'surrogate', 'megabyte', 'wrong type', 'no id'] as const).map((kind, n) =>
        variant(spec as unknown as ObjectSpec<Damaged>, template, kind, n)
      )
      collection.add(variants)
      bad.set(spec.name, variants)
    }

    const io = await runOrThrow({
      'stripe-secret-key': 'sk_test_Poison123',
      ...syncInputs({ databaseUrl: world.db.url, stripeUrl: stripe.url, schema: world.schema }),
      objects: 'all',
      status: 'all'
    })

    await withClient(world.db.url, async (c) => {
      const rejects = (await c.query(`SELECT object_type, object_id FROM "${world.schema}".stripe_sync_rejects WHERE resolved_at IS NULL`)).rows
      for (const spec of OBJECTS) {
        const table = tableOf({ table: 'processed_charges' }, spec.name)
        const stored = new Map(
          (await c.query(`SELECT "${spec.idColumn}" AS id, raw::text AS raw FROM "${world.schema}"."${table}"`)).rows.map((r) => [
            r.id as string,
            r.raw as string
          ])
        )
        expect([spec.name, good.get(spec.name)!.length > 0]).toEqual([spec.name, true])
        for (const id of good.get(spec.name)!) expect([spec.name, id, stored.has(id)]).toEqual([spec.name, id, true])
        const variants = bad.get(spec.name)!
        for (const [n, kind] of STORED.entries()) {
          const raw = stored.get(variants[n]!.id)
          expect([spec.name, kind, raw !== undefined]).toEqual([spec.name, kind, true])
          expect(raw).not.toContain('\\u0000')
          expect(raw).not.toMatch(/\\ud83d(?!\\ud[c-f])/i)
        }
        const quarantined = rejects.filter((r) => r.object_type === spec.objectType).map((r) => r.object_id as string)
        expect([spec.name, quarantined.includes(variants[3]!.id)]).toEqual([spec.name, true])
        expect([spec.name, quarantined.some((id) => id.startsWith('(no id'))]).toEqual([spec.name, true])
      }
    })
    // Said by the run, each quarantined object once, with no megabyte in any line.
    expect(io.warnings.filter((w) => w.startsWith('Quarantined')).length).toBeGreaterThanOrEqual(2)
    expect(
      Math.max(
        ...io
          .everything()
          .split('\n')
          .map((l) => l.length)
      )
    ).toBeLessThan(20_000)
  })
})
