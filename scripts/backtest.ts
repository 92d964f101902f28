/**
 * `npm run backtest -- <sales a day> <seed> [days] [--declines=<share>]`: how quiet the monitors are
 * on a clean generated account (test-support/monitor-account.ts: 8 weeks of history, charges,
 * refunds, disputes, payouts and invoices, the stand-in's US calendar), and how soon they find an
 * injected outbreak of declines (`--declines=0.25`: that share declined for 4 hours, Friday 20
 * November from 11:00 UTC). The action syncs the account as a user's first run would, then replays
 * the monitors hour by hour (`monitor-backtest`) at Thursday 26 November 2026, 15:00 UTC, and
 * prints what they would have raised. Postgres as the tests have it (`TEST_DATABASE_URL` or an
 * embedded one).
 */
import { generateMonitorAccount } from '../test-support/monitor-account.js'
import { startPostgres, withClient } from '../test-support/postgres.js'
import { runOrThrow, syncInputs } from '../test-support/run-action.js'
import { StripeStandIn } from '../test-support/stripe-standin.js'

const T0 = Date.UTC(2026, 10, 26, 15) / 1000
const HOUR = 3600
const args = process.argv.slice(2)
const [perDay, seed, days] = args.filter((a) => !a.startsWith('--')).map(Number)
const share = Number(args.find((a) => a.startsWith('--declines='))?.slice('--declines='.length) ?? 0)
if (!perDay || !seed) throw new Error('usage: npm run backtest -- <sales a day> <seed> [days] [--declines=<share>]')

const outbreak = { from: T0 - 6 * 86400 - 4 * HOUR, to: T0 - 6 * 86400, share }
const account = generateMonitorAccount({ now: T0, weeks: 8, salesPerDay: perDay, subscriptions: 300, seed, incidents: share ? { declines: outbreak } : {} })
const stripe = new StripeStandIn()
stripe.charges.add(account.charges)
stripe.refunds.add(account.refunds)
stripe.disputes.add(account.disputes)
stripe.payouts.add(account.payouts)
stripe.invoices.add(account.invoices)
await stripe.start()
const db = await startPostgres({})
const schema = `backtest_${perDay}_${seed}`
try {
  const inputs = {
    ...syncInputs({ databaseUrl: db.url, stripeUrl: stripe.url, schema }),
    'stripe-secret-key': 'sk_test_Backtest123',
    objects: 'charges, refunds, disputes, payouts, invoices',
    status: 'all',
    incremental: 'true',
    'created-after': '70d'
  }
  const now = new Date(T0 * 1000)
  const first = await runOrThrow(inputs, { now })
  console.log(
    `${perDay} sales a day, seed ${seed}: ${account.charges.length} charges; first run ${first.outputs.monitor_status}, ${first.outputs.incidents_opened} opened`
  )
  if (share)
    console.log(`declines outbreak: ${share * 100} % from ${new Date(outbreak.from * 1000).toISOString()} to ${new Date(outbreak.to * 1000).toISOString()}`)
  const replay = await runOrThrow({ ...inputs, 'monitor-backtest': `${days || 28}d` }, { now })
  const result = JSON.parse(replay.outputs.backtest!) as { evaluations: number; incidents: Array<Record<string, string>> }
  console.log(`backtest of ${days || 28} days: ${result.evaluations} evaluations, ${result.incidents.length} incidents`)
  for (const i of result.incidents) console.log(`  ${i.monitor} ${i.severity} ${i.opened_at} to ${i.resolved_at ?? 'open'}: ${i.summary}`)
} finally {
  await withClient(db.url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
  await stripe.stop()
  await db.stop()
}
