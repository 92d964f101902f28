import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { FAST_RETRY, makeCharge, unpacedClock } from '../../test-support/fixtures.js'
import { makeCheckoutSession, makePaymentIntent } from '../../test-support/payments.js'
import { reconciliationSql } from '../../src/features/records/sql.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'

// Payments reconciled with the app's own records: an orders table in the same database, planted
// with every kind of exception, linked by pi_/cs_/ch_ ids, client_reference_id and metadata.order_id.

const HOUR = 3600
const world = new World('records')

interface Order {
  id: string
  amount: number
  currency: string
  stripe_id?: string
  refunded?: number
  agoHours?: number
}

async function orders(rows: Order[]): Promise<void> {
  await withClient(world.db.url, async (c) => {
    await c.query(`CREATE SCHEMA IF NOT EXISTS "${world.schema}"`)
    await c.query(
      `CREATE TABLE "${world.schema}".shop_orders (id text PRIMARY KEY, total_cents bigint, currency text, paid_at timestamptz, stripe_ref text, refunded_cents bigint)`
    )
    for (const o of rows) {
      await c.query(`INSERT INTO "${world.schema}".shop_orders VALUES ($1, $2, $3, now() - $4 * interval '1 hour', $5, $6)`, [
        o.id,
        o.amount,
        o.currency,
        o.agoHours ?? 1,
        o.stripe_id ?? null,
        o.refunded ?? 0
      ])
    }
  })
}

const query = (extra = '') =>
  `SELECT id AS record_id, total_cents AS amount, currency, paid_at AS recorded_at${extra} FROM "${world.schema}".shop_orders WHERE paid_at IS NOT NULL`

async function run(inputs: Record<string, string>) {
  const io = recorder({
    'stripe-secret-key': 'sk_test_Records123',
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    objects: 'charges, payment_intents, checkout_sessions',
    limit: 'all',
    status: 'all',
    'created-after': '30d',
    monitors: 'none',
    ...inputs
  })
  const outcome = await runAction(io, { env: {}, retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
  return { io, outcome }
}

const now = () => Math.floor(Date.now() / 1000)
function charge(id: string, amount: number, currency: string, agoSeconds: number, more: Partial<Stripe.Charge> = {}): Stripe.Charge {
  return { ...makeCharge({ id, created: now() - agoSeconds, amount, currency, status: 'succeeded' }), ...more }
}

const kinds = (io: { outputs: Record<string, string> }) =>
  (JSON.parse(io.outputs.records_exceptions!) as Array<{ kind: string; record_id: string | null; charge_id: string | null }>)
    .map((e) => `${e.kind} ${e.record_id ?? '-'} ${e.charge_id ?? '-'}`)
    .sort()

it('finds every exception once, by Stripe ids: unrecorded, unpaid, amount, currency, an unrecorded refund; a payment inside the grace is not one', async () => {
  const charges = [
    charge('ch_1Matched', 5000, 'usd', 3 * HOUR),
    charge('ch_1BySession', 2000, 'eur', 3 * HOUR),
    charge('ch_1ByCharge', 1500, 'gbp', 3 * HOUR),
    charge('ch_1Unrecorded', 4200, 'usd', 2 * HOUR),
    charge('ch_1InGrace', 999, 'usd', 600),
    charge('ch_1Amount', 5000, 'usd', 3 * HOUR),
    charge('ch_1Currency', 3000, 'eur', 3 * HOUR),
    charge('ch_1Refunded', 8000, 'jpy', 3 * HOUR, { amount_refunded: 3000, refunded: false }),
    { ...charge('ch_1Failed', 700, 'usd', 3 * HOUR), status: 'failed' as const, paid: false }
  ]
  world.stripe.charges.add(charges)
  world.stripe.paymentIntents.add(charges.map((c) => makePaymentIntent(c)))
  world.stripe.checkoutSessions.add([makeCheckoutSession(charges[1]!, { id: 'cs_test_BySession' })])
  await orders([
    { id: 'ord-matched', amount: 5000, currency: 'USD', stripe_id: 'pi_1Matched' },
    { id: 'ord-session', amount: 2000, currency: 'eur', stripe_id: 'cs_test_BySession' },
    { id: 'ord-charge', amount: 1500, currency: 'gbp', stripe_id: 'ch_1ByCharge' },
    { id: 'ord-unpaid', amount: 700, currency: 'usd', stripe_id: 'pi_1Failed' },
    { id: 'ord-amount', amount: 4000, currency: 'usd', stripe_id: 'pi_1Amount' },
    { id: 'ord-currency', amount: 3000, currency: 'usd', stripe_id: 'pi_1Currency' },
    { id: 'ord-refunded', amount: 8000, currency: 'jpy', stripe_id: 'pi_1Refunded', refunded: 1000 }
  ])
  const { io, outcome } = await run({ 'records-query': query(', stripe_ref AS stripe_id, refunded_cents AS amount_refunded') })
  expect(outcome.ok).toBe(true)
  expect(kinds(io)).toEqual([
    'amount_mismatch ord-amount ch_1Amount',
    'currency_mismatch ord-currency ch_1Currency',
    'refund_unrecorded ord-refunded ch_1Refunded',
    'unpaid_record ord-unpaid -',
    'unrecorded_payment - ch_1Unrecorded'
  ])
  expect([io.outputs.records_matched, io.outputs.records_unrecorded_payments, io.outputs.records_unpaid, io.outputs.records_mismatched]).toEqual([
    '3',
    '1',
    '1',
    '3'
  ])
  // The view holds the same, for anyone's SQL; a view of the user's own built on it survives the next run.
  await withClient(world.db.url, (c) =>
    c.query(`CREATE VIEW "${world.schema}".my_dashboard AS SELECT kind FROM "${world.schema}".stripe_records_reconciliation`)
  )
  const again = await run({ 'records-query': query(', stripe_ref AS stripe_id, refunded_cents AS amount_refunded'), 'records-match': 'stripe_id' })
  expect(again.outcome.ok).toBe(true)
  const view = await withClient(world.db.url, (c) =>
    c.query(`SELECT kind, count(*)::int AS n FROM "${world.schema}".stripe_records_reconciliation GROUP BY kind ORDER BY kind`)
  )
  expect(view.rows.map((r) => `${r.kind} ${r.n}`)).toEqual([
    'amount_mismatch 1',
    'currency_mismatch 1',
    'refund_unrecorded 1',
    'unpaid_record 1',
    'unrecorded_payment 1'
  ])
  const [unrecorded] = (JSON.parse(io.outputs.records_exceptions!) as Array<Record<string, unknown>>).filter((e) => e.kind === 'unrecorded_payment')
  expect(unrecorded).toMatchObject({ payment_amount: 4200, currency: 'usd', dashboard_url: 'https://dashboard.stripe.com/test/payments/pi_1Unrecorded' })
  expect(io.summary).toContain('### Your records: 3 matched, 5 to look at')
  expect(io.summary).toMatch(/\| `unrecorded_payment` \| 1 \| a customer paid and the app has no record/)
})

it('by metadata.order_id: two succeeded payments for one order are charged_twice; by client_reference_id, a Checkout order is matched', async () => {
  const first = charge('ch_1First', 2500, 'usd', 3 * HOUR)
  const again = charge('ch_1Again', 2500, 'usd', 3 * HOUR - 60, { payment_intent: 'pi_1Again' })
  const checkout = charge('ch_1Checkout', 1200, 'usd', 3 * HOUR)
  world.stripe.charges.add([first, again, checkout])
  world.stripe.paymentIntents.add([
    makePaymentIntent(first, { metadata: { order_id: 'ord-9' } }),
    makePaymentIntent(again, { metadata: { order_id: 'ord-9' } }),
    makePaymentIntent(checkout)
  ])
  world.stripe.checkoutSessions.add([makeCheckoutSession(checkout, { clientReferenceId: 'ord-7' })])
  await orders([
    { id: 'ord-9', amount: 2500, currency: 'usd' },
    { id: 'ord-7', amount: 1200, currency: 'usd' }
  ])
  const byMetadata = await run({ 'records-query': query(), 'records-match': 'metadata.order_id' })
  expect(kinds(byMetadata.io)).toEqual(['charged_twice ord-9 ch_1Again', 'unpaid_record ord-7 -', 'unrecorded_payment - ch_1Checkout'])
  const bySession = await run({ 'records-query': query(), 'records-match': 'client_reference_id' })
  expect(kinds(bySession.io)).toEqual(['unpaid_record ord-9 -', 'unrecorded_payment - ch_1Again', 'unrecorded_payment - ch_1First'])
  expect(bySession.io.outputs.records_matched).toBe('1')
})

it('a query that writes, fails or is not a SELECT: an error naming the input; the sync is stored', async () => {
  world.stripe.charges.add([charge('ch_1Stored', 1000, 'usd', 3 * HOUR)])
  await orders([{ id: 'ord-1', amount: 1000, currency: 'usd' }])
  const refused = await run({ 'records-query': `DELETE FROM "${world.schema}".shop_orders` })
  expect(refused.io.failed).toMatch(/^Input `records-query`: "DELETE FROM .*" is not a SELECT/)
  expect(world.stripe.requests).toHaveLength(0)
  // A SELECT that writes (a sequence moved by each row read) is stopped by the READ ONLY transaction.
  await withClient(world.db.url, (c) => c.query(`CREATE SEQUENCE "${world.schema}".reads`))
  const writes = await run({
    'records-query': `SELECT id AS record_id, total_cents + 0 * nextval('"${world.schema}".reads') AS amount, currency, paid_at AS recorded_at FROM "${world.schema}".shop_orders`
  })
  expect(writes.outcome.ok).toBe(false)
  expect(writes.io.failed).toMatch(/^Input `records-query`: it writes: the query must only read .* The sync is stored/)
  expect(writes.io.outputs.charges_stored).toBe('1')
  const still = await withClient(world.db.url, (c) => c.query(`SELECT last_value, is_called FROM "${world.schema}".reads`))
  expect(still.rows[0].is_called).toBe(false)
  const broken = await run({ 'records-query': `SELECT id AS record_id FROM "${world.schema}".no_such_table` })
  expect(broken.io.failed).toMatch(/^Input `records-query`: it failed in Postgres: relation .*no_such_table" does not exist/)
  const columns = await run({ 'records-query': `SELECT id AS record_id, total_cents AS amount FROM "${world.schema}".shop_orders` })
  expect(columns.io.failed).toMatch(/^Input `records-query`: returns no column currency, recorded_at/)
})

it("Connect: a record with an account_id matches only that account's payments", async () => {
  // Two connected accounts whose apps reuse order ids: each order belongs to its own account.
  const a = charge('ch_1AcctA', 1000, 'usd', 3 * HOUR, { metadata: { order_id: 'ord-1' } })
  const b = charge('ch_1AcctB', 9000, 'usd', 3 * HOUR, { metadata: { order_id: 'ord-1' } })
  world.stripe.charges.add([a, b])
  await run({ objects: 'charges' })
  const table = (t: string) => `"${world.schema}".${t}`
  const rows = await withClient(world.db.url, async (c) => {
    // The copy as a Connect run leaves it: each charge with its account.
    await c.query(`UPDATE ${table('processed_charges')} SET account_id = CASE charge_id WHEN 'ch_1AcctA' THEN 'acct_A' ELSE 'acct_B' END`)
    await c.query(`CREATE TABLE ${table('orders')} (account text, id text, total bigint, currency text, paid_at timestamptz)`)
    await c.query(
      `INSERT INTO ${table('orders')} VALUES ('acct_A', 'ord-1', 1000, 'usd', now() - interval '1 hour'), ('acct_B', 'ord-1', 9000, 'usd', now() - interval '1 hour')`
    )
    const input = {
      query: `SELECT account AS account_id, id AS record_id, total AS amount, currency, paid_at AS recorded_at FROM ${table('orders')}`,
      columns: { stripeId: false, amountRefunded: false, accountId: true },
      match: { by: 'metadata' as const, key: 'order_id' },
      graceSeconds: 1800,
      sinceSeconds: 90 * 86400,
      charges: table('processed_charges')
    }
    const [summary] = (await c.query(reconciliationSql(input, 'summary'))).rows
    // Without the account: the same order id in both accounts crosses (each order looks charged twice).
    const crossed = (await c.query(reconciliationSql({ ...input, columns: { ...input.columns, accountId: false } }, 'summary'))).rows[0]
    return { summary, crossed }
  })
  expect(rows.summary).toMatchObject({ counts: {}, matched: '2' })
  expect(rows.crossed.counts).toEqual({ charged_twice: 2 })
})
