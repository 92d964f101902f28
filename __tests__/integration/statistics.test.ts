import { ANALYZE_AFTER_ROWS } from '../../src/store/sink.js'
import { generateBilling } from '../../test-support/billing.js'
import { generateCharges } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { runOrThrow, syncInputs } from '../../test-support/run-action.js'
import { World } from '../../test-support/world.js'

// Planner statistics: a table filled by a run has none, and Postgres then plans the joins of every
// batch (items by subscription, versions by item) as whole-table scans. Tables that are joined get
// statistics as they grow; a table nothing joins is left to autovacuum.
const DAY = 86400
const world = new World('stats')

const run = (inputs: Record<string, string>) =>
  runOrThrow({
    'stripe-secret-key': 'sk_test_Stats123',
    ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
    status: 'all',
    ...inputs
  })

/** How many times the action (not autovacuum) analyzed each table. */
async function manualAnalyzes(): Promise<Record<string, number>> {
  return withClient(world.db.url, async (c) => {
    const rows = await c.query<{ relname: string; n: string }>('SELECT relname, analyze_count AS n FROM pg_stat_user_tables WHERE schemaname = $1', [
      world.schema
    ])
    return Object.fromEntries(rows.rows.map((r) => [r.relname, Number(r.n)]))
  })
}

describe('planner statistics', () => {
  it('are taken while a backfill fills joined tables (subscriptions, their items and versions), not only at the end', async () => {
    const at = Math.floor(Date.now() / 1000) - 120
    // Enough subscriptions that rows are still stored after the first statistics, however the writer
    // batches them: batches are 500 to 599 rows (whole pages), so the first ANALYZE comes by about 1,200.
    const billing = generateBilling({ customers: 2_600, seed: 31, from: at - 200 * DAY, now: at, maxInvoicesPerSubscription: 1 })
    world.stripe.addBilling(billing)
    expect(billing.subscriptions.length).toBeGreaterThan(2 * ANALYZE_AFTER_ROWS)
    const io = await run({ objects: 'subscriptions', incremental: 'true' })
    expect(JSON.parse(io.outputs.object_counts!).subscriptions.stored).toBe(billing.subscriptions.length)
    const analyzed = await manualAnalyzes()
    for (const table of ['stripe_subscriptions', 'stripe_subscription_items', 'stripe_subscription_item_history', 'stripe_subscription_status_history'])
      expect(analyzed[table]).toBeGreaterThanOrEqual(1)
    // Taken once, during the run: subscriptions were stored after it, and the end of the run did not analyze again.
    expect(analyzed.stripe_subscriptions).toBe(1)
    const after = await withClient(world.db.url, (c) =>
      c.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${world.schema}".stripe_subscriptions
          WHERE processed_at > (SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'stripe_subscriptions')`,
        [world.schema]
      )
    )
    expect(Number(after.rows[0]!.n)).toBeGreaterThan(0)
  })

  it('are left to autovacuum for a table no statement joins (30,000 charges are half a second of ANALYZE)', async () => {
    const at = Math.floor(Date.now() / 1000) - 120
    world.stripe.addCharges(generateCharges({ count: 1_500, seed: 5, from: at - 30 * DAY, to: at }))
    const io = await run({})
    expect(io.outputs.charges_stored).toBe('1500')
    expect((await manualAnalyzes()).processed_charges).toBe(0)
  })
})
