import { runAction } from '../../src/main.js'
import { generateAccount } from '../../test-support/account.js'
import { FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { makeCheckoutSession, makePaymentIntent } from '../../test-support/payments.js'
import { recorder } from '../../test-support/recorder.js'
import { differences, readRows } from '../../test-support/table.js'
import { World } from '../../test-support/world.js'

// PaymentIntents and Checkout Sessions, synced like every object: what apps keep (pi_…, cs_…, a
// client_reference_id, an order id in metadata) leads to the charges in the copy.

const DAY = 86400
const world = new World('payments', { start: Math.floor(Date.UTC(2026, 10, 26, 12) / 1000) })

async function run(inputs: Record<string, string> = {}) {
  const io = recorder({
    'stripe-secret-key': 'sk_test_Payments123',
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    objects: 'charges, payment_intents, checkout_sessions',
    limit: 'all',
    status: 'all',
    incremental: 'true',
    monitors: 'none',
    ...inputs
  })
  await runAction(io, { env: {}, now: world.now, retry: FAST_RETRY, clock: unpacedClock() })
  if (io.failed) throw new Error(io.failed)
  return io
}

it('stores every PaymentIntent and Checkout Session with the columns that lead to its charge', async () => {
  const account = generateAccount({ count: 120, seed: 3, from: world.clock - 20 * DAY, to: world.clock - 3600, now: world.clock - 600 })
  world.stripe.addAccount(account)
  const intents = account.charges.map((c, i) => makePaymentIntent(c, { metadata: { order_id: `ord_${i}` } }))
  const sessions = account.charges.filter((_, i) => i % 2 === 0).map((c, i) => makeCheckoutSession(c, { clientReferenceId: `order-${i}` }))
  world.stripe.paymentIntents.add(intents)
  world.stripe.checkoutSessions.add(sessions)
  const io = await run()
  expect(JSON.parse(io.outputs.object_counts!)).toMatchObject({
    payment_intents: { stored: intents.length },
    checkout_sessions: { stored: sessions.length }
  })
  const intentRows = await readRows(world.db.url, world.schema, 'stripe_payment_intents')
  expect(
    differences(intentRows, intents, 'id', (p) => ({
      amount: p.amount,
      currency: p.currency,
      status: p.status,
      latest_charge_id: p.latest_charge,
      metadata: p.metadata
    }))
  ).toEqual([])
  const sessionRows = await readRows(world.db.url, world.schema, 'stripe_checkout_sessions')
  expect(
    differences(sessionRows, sessions, 'id', (s) => ({
      amount_total: s.amount_total,
      currency: s.currency,
      status: s.status,
      payment_status: s.payment_status,
      client_reference_id: s.client_reference_id,
      payment_intent_id: s.payment_intent
    }))
  ).toEqual([])
  // An idle run lists nothing again: they come through the one change stream.
  world.clock += 3600
  const idle = await run()
  expect(idle.outputs.stripe_requests).toBe('1')
})
