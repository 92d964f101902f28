import type Stripe from 'stripe'
import { balanceTransaction, generateAccount } from '../../test-support/account.js'
import { generateBilling, makeCustomer } from '../../test-support/billing.js'
import { makeCharge, randomId, seededRandom } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { scratchDir } from '../../test-support/scratch.js'
import { World } from '../../test-support/world.js'

// One change stream for every object: an idle `objects: all` run reads Stripe's events once and
// lists nothing; new objects arrive through their creation events; a daily list pass catches what
// has no event; and `stripe_requests` counts exactly what was sent.
const DAY = 86400
const random = seededRandom(1616)
const world = new World('stream', {
  start: Math.floor(Date.UTC(2026, 10, 26, 12) / 1000),
  setup: ({ stripe, clock }) => {
    stripe.addAccount(generateAccount({ count: 300, seed: 16, from: clock - 20 * DAY, to: clock - 3600, now: clock - 600, disputeRate: 0.03 }))
    stripe.addBilling(generateBilling({ customers: 60, seed: 61, from: clock - 120 * DAY, now: clock - 3600 }))
  }
})

/** One run of every object; returns what it said and the requests Stripe saw. */
async function run() {
  const before = world.stripe.requests.length
  const io = await runOrThrow(
    {
      'stripe-secret-key': 'sk_test_StreamKey16',
      ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
      objects: 'all',
      incremental: 'true',
      status: 'all'
    },
    { env: { RUNNER_TEMP: scratchDir('stream') }, now: world.now }
  )
  return { io, requests: world.stripe.requests.slice(before) }
}

const ids = async (table: string, column = 'id') =>
  new Set((await withClient(world.db.url, (c) => c.query(`SELECT ${column} AS id FROM "${world.schema}".${table}`))).rows.map((r) => r.id as string))

describe('one change stream for every object', () => {
  it('counts every request; an idle run makes one; a new charge and customer arrive with a handful', async () => {
    const first = await run()
    expect(first.io.outputs.stripe_requests).toBe(String(first.requests.length))
    expect(first.requests.length).toBeGreaterThan(20)

    world.clock += 3600
    const idle = await run()
    expect(idle.requests.map((r) => r.path)).toEqual(['/v1/events'])
    expect(idle.io.outputs.stripe_requests).toBe('1')
    expect(idle.io.summary).toContain('Up to date')

    const customer = world.stripe.createCustomer(makeCustomer(randomId('cus_', random, 14), world.clock + 10, random))
    const charge = world.stripe.createCharge(
      makeCharge({ id: randomId('ch_3', random), created: world.clock + 20, amount: 4200, currency: 'usd', status: 'succeeded' })
    )
    world.clock += 60
    const next = await run()
    expect(next.io.outputs.stripe_requests).toBe(String(next.requests.length))
    // The stream, then the lists its events call for: charges, their balance transactions, customers.
    expect(next.requests.length).toBeLessThanOrEqual(5)
    expect(new Set(next.requests.map((r) => r.path))).toEqual(new Set(['/v1/events', '/v1/charges', '/v1/balance_transactions', '/v1/customers']))
    expect((await ids('processed_charges', 'charge_id')).has(charge.id)).toBe(true)
    expect((await ids('stripe_customers')).has(customer.id)).toBe(true)
  })

  it('a daily list pass catches an object created without an event', async () => {
    await run()
    // A balance transaction with no event of its own and no charge, refund or payout event beside it.
    const adjustment: Stripe.BalanceTransaction = balanceTransaction({
      id: randomId('txn_', random),
      amount: -1500,
      currency: 'usd',
      fee: 0,
      created: world.clock + 10,
      available_on: world.clock + 10,
      type: 'adjustment',
      reporting_category: 'other_adjustment',
      source: null
    })
    world.stripe.balanceTransactions.add([adjustment])
    world.clock += 3600
    const hourly = await run()
    expect(hourly.requests.length).toBe(1)
    expect((await ids('stripe_balance_transactions')).has(adjustment.id)).toBe(false)

    world.clock += DAY
    const daily = await run()
    expect((await ids('stripe_balance_transactions')).has(adjustment.id)).toBe(true)
    expect(daily.io.logs.join('\n')).toContain('Daily list pass: listing balance transactions')
    // Once a day: the next run is idle again.
    world.clock += 3600
    expect((await run()).requests.length).toBe(1)
  })

  it('a balance transaction cursor from before the change stream is listed from its cursor, not re-swept', async () => {
    await run()
    // As 1.1 left it: no event cursor, events last checked at its first run, two months ago.
    await withClient(world.db.url, (c) =>
      c.query(
        `UPDATE "${world.schema}".stripe_sync_state SET last_event_created = NULL, events_checked_at = to_timestamp($1) WHERE table_name = 'stripe_balance_transactions'`,
        [world.clock - 60 * DAY]
      )
    )
    world.clock += 3600
    const next = await run()
    expect(next.io.warnings.join('\n')).not.toContain('re-sweeping')
    expect(next.requests.filter((r) => r.path === '/v1/balance_transactions')).toHaveLength(1)
    expect(next.requests.length).toBeLessThanOrEqual(2)
    // And from then on it follows the stream.
    world.clock += 3600
    expect((await run()).requests.length).toBe(1)
  })
})
