import { generateAccount } from '../../test-support/account.js'
import { generateBilling } from '../../test-support/billing.js'
import { generateCharges, seededRandom } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { runDist, startDist } from '../../test-support/run-dist.js'
import { World } from '../../test-support/world.js'
import {
  differences,
  expectedBalanceTransactionRow,
  expectedDisputeRow,
  expectedPayoutRow,
  expectedRefundRow,
  readRows,
  readTable,
  tableDifferences
} from '../../test-support/table.js'

// kill -9 at random points of a long incremental run, re-running each time: nothing lost, nothing doubled.
const KILLS = 12
const DAY = 86400
const SYNC_STARTED = /^(First incremental run|Continuing from the cursor)/

/** Runs the bundle and kills it `delayMs` after a log line matches `started`; true when the kill got it first. */
async function runAndKill(inputs: Record<string, string>, delayMs: number, started: RegExp): Promise<boolean> {
  const run = await startDist(inputs, {}, (line, child) => {
    if (started.test(line)) setTimeout(() => child.kill('SIGKILL'), delayMs)
  })
  const result = await run.done
  if (result.code !== null) expect(result.code).toBe(0)
  return result.code === null
}

const world = new World('kill', { standIn: { latencyMs: 5 } })

const tableExists = () =>
  withClient(world.db.url, async (c) => (await c.query(`SELECT to_regclass($1) AS r`, [`"${world.schema}".processed_charges`])).rows[0].r !== null)

it(`survives ${KILLS} SIGKILLs at random points (fixed seed), then equals Stripe`, async () => {
  const now = Math.floor(Date.now() / 1000)
  world.stripe.addCharges(generateCharges({ count: 4000, seed: 31, from: now - 40 * DAY, to: now - 120, bursts: [[now - 20 * DAY, 230]] }))
  const inputs = {
    'stripe-secret-key': 'sk_test_KillNineKey',
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    incremental: 'true',
    limit: 'all',
    status: 'all'
  }
  const random = seededRandom(2026)
  let killed = 0
  for (let i = 0; i < KILLS; i++) {
    // Alternate the concurrent backfill (limit all) and the chunked oldest-first sweep (limit 700),
    // and kill at a random instant once the sync has started. Charges keep being refunded, so every
    // run, even after the backfill, has events to replay and charges to re-fetch when it is killed.
    const limit = i % 2 === 0 ? 'all' : '700'
    const delay = Math.floor(random() * 600)
    for (const c of world.stripe
      .allCharges()
      .filter((x) => x.status === 'succeeded' && x.amount_refunded === 0)
      .slice(i * 25, i * 25 + 25))
      world.stripe.refund(c.id)
    if (await runAndKill({ ...inputs, limit }, delay, SYNC_STARTED)) killed++
    // Killed before the first run committed its tables: nothing was made, nothing to check.
    if (!(await tableExists())) continue
    const rows = await readTable(world.db.url, world.schema)
    expect(new Set(rows.map((r) => r.charge_id)).size).toBe(rows.length)
  }
  expect(killed).toBeGreaterThanOrEqual(KILLS / 2)
  const last = await runDist(inputs)
  expect(last.code).toBe(0)
  expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])
})

it('survives SIGKILLs during a backfill of every object, then every table equals Stripe', async () => {
  const linked = world.stripe
  const now = Math.floor(Date.now() / 1000)
  const account = generateAccount({ count: 2500, seed: 32, from: now - 60 * DAY, to: now - 600, now: now - 300, bursts: [[now - 30 * DAY, 200]] })
  linked.addAccount(account)
  const multi = world.schema
  const inputs = {
    'stripe-secret-key': 'sk_test_KillNineAll',
    'database-url': world.db.url,
    'stripe-api-base': linked.url,
    schema: multi,
    objects: 'charges, balance_transactions, refunds, disputes, payouts',
    incremental: 'true',
    limit: 'all',
    status: 'all',
    'max-requests-per-second': '100',
    'max-total-requests-per-second': '100'
  }
  const random = seededRandom(2027)
  let killed = 0
  for (let i = 0; i < 8; i++) {
    const delay = Math.floor(random() * 900)
    if (await runAndKill(inputs, delay, /^(Sync|Incremental sync) of /)) killed++
  }
  expect(killed).toBeGreaterThanOrEqual(4)
  const last = await runDist(inputs)
  expect(last.code).toBe(0)
  expect(tableDifferences(await readTable(world.db.url, multi), linked.allCharges())).toEqual([])
  expect(
    differences(await readRows(world.db.url, multi, 'stripe_balance_transactions'), linked.balanceTransactions.all(), 'id', expectedBalanceTransactionRow)
  ).toEqual([])
  expect(differences(await readRows(world.db.url, multi, 'stripe_refunds'), linked.refunds.all(), 'id', expectedRefundRow)).toEqual([])
  expect(differences(await readRows(world.db.url, multi, 'stripe_disputes'), linked.disputes.all(), 'id', expectedDisputeRow)).toEqual([])
  expect(differences(await readRows(world.db.url, multi, 'stripe_payouts'), linked.payouts.all(), 'id', expectedPayoutRow)).toEqual([])
  const unbalanced = await withClient(world.db.url, (c) =>
    c.query(`SELECT payout_id FROM "${multi}".stripe_payout_reconciliation WHERE status = 'paid' AND NOT balanced`)
  )
  expect(unbalanced.rows).toEqual([])
})

it('survives SIGKILLs during a billing backfill, then customers, subscriptions, items and invoices equal Stripe', async () => {
  const billingStandIn = world.stripe
  const now = Math.floor(Date.now() / 1000) - 120
  const billing = generateBilling({ customers: 700, seed: 33, from: now - 150 * DAY, now })
  billingStandIn.addBilling(billing)
  const billingSchema = world.schema
  const inputs = {
    'stripe-secret-key': 'sk_test_KillNineBilling',
    'database-url': world.db.url,
    'stripe-api-base': billingStandIn.url,
    schema: billingSchema,
    objects: 'customers, subscriptions, invoices',
    incremental: 'true',
    limit: 'all',
    'max-requests-per-second': '40',
    'max-total-requests-per-second': '100'
  }
  const random = seededRandom(2028)
  let killed = 0
  for (let i = 0; i < 8; i++) {
    const delay = Math.floor(random() * 700)
    if (await runAndKill(inputs, delay, SYNC_STARTED)) killed++
  }
  expect(killed).toBeGreaterThanOrEqual(4)
  const last = await runDist(inputs)
  expect(last.code).toBe(0)
  const ids = async (table: string) => (await readRows(world.db.url, billingSchema, table)).map((r) => r.id as string)
  const sorted = (list: string[]) => [...list].sort()
  const retained = (at: number) => at >= Math.floor(Date.now() / 1000) - 30 * DAY
  expect(sorted(await ids('stripe_customers'))).toEqual(
    sorted([...billing.customers.map((c) => c.id), ...billing.deletedCustomers.filter((d) => retained(d.at)).map((d) => d.customer.id)])
  )
  expect(sorted(await ids('stripe_subscriptions'))).toEqual(sorted(billing.subscriptions.map((s) => s.id)))
  expect(sorted(await ids('stripe_subscription_items'))).toEqual(sorted(billing.subscriptions.flatMap((s) => s.items.data.map((i) => i.id))))
  expect(sorted(await ids('stripe_invoices'))).toEqual(
    sorted([...billing.invoices.map((i) => i.id), ...billing.deletedInvoices.filter((d) => retained(d.at)).map((d) => d.invoice.id)])
  )
  // One open version per item, however often a run was killed while writing them.
  const open = await withClient(world.db.url, (c) =>
    c.query(`SELECT item_id, count(*)::int AS n FROM "${billingSchema}".stripe_subscription_item_history WHERE valid_to IS NULL GROUP BY 1 HAVING count(*) > 1`)
  )
  expect(open.rows).toEqual([])
})
