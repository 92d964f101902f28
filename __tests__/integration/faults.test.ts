import pg from 'pg'
import { runAction, type RunOptions } from '../../src/main.js'
import { generateCharges, unpacedClock } from '../../test-support/fixtures.js'
import { startPostgres, withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import type { Fault, StandInOptions, StripeStandIn } from '../../test-support/stripe-standin.js'
import { World } from '../../test-support/world.js'
import { readTable, tableDifferences } from '../../test-support/table.js'

// Faults on both sides: each run either completes with the table equal to Stripe, or fails with a
// clear message after bounded retries, keeping what it committed and reporting it as partial.
const DAY = 86400
const NOW = Math.floor(Date.now() / 1000)
const FAST: RunOptions['retry'] = { maxRetries: 4, baseDelayMs: 5, maxDelayMs: 40 }

const world = new World('faults')

/** This test's stand-in, of these options, with an account of charges. */
async function standIn(options: StandInOptions, count = 1500): Promise<StripeStandIn> {
  const stripe = await world.replaceStandIn(options)
  world.stripe.addCharges(generateCharges({ count, seed: 51, from: NOW - 30 * DAY, to: NOW - 120, bursts: [[NOW - 10 * DAY, 150]] }))
  return stripe
}

async function run(inputs: Record<string, string> = {}, options: RunOptions = {}, url = world.db.url) {
  const io = recorder({
    'stripe-secret-key': 'sk_test_Faults42',
    'database-url': url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    limit: 'all',
    status: 'all',
    ...inputs
  })
  const outcome = await runAction(io, { env: {}, retry: FAST, clock: unpacedClock(), ...options })
  return { io, outcome }
}

/** Runs `fn` with the URL of a new login role that has USAGE on the schema plus `grant`, then drops the role. */
/** The tables a role granted SELECT, INSERT, UPDATE (and no CREATE) runs on, as the README lists them. */
const LEAST_PRIVILEGE_TABLES = [
  'processed_charges',
  'stripe_sync_state',
  'stripe_sync_rejects',
  'stripe_sync_runs',
  'stripe_sync_lease',
  'stripe_monitor_incidents',
  'stripe_monitor_places'
]

async function withRole(grant: string, fn: (url: string, password: string) => Promise<void>): Promise<void> {
  const role = `spm_role_${Math.random().toString(36).slice(2, 8)}`
  const password = `Pw-${Math.random().toString(36).slice(2, 12)}`
  await withClient(world.db.url, async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`)
    await c.query(`GRANT USAGE ON SCHEMA "${world.schema}" TO ${role}`)
    await c.query(`${grant} TO ${role}`)
  })
  try {
    const url = new URL(world.db.url)
    url.username = role
    url.password = password
    await fn(url.toString(), password)
  } finally {
    await withClient(world.db.url, async (c) => {
      await c.query(`DROP OWNED BY ${role}`)
      await c.query(`DROP ROLE ${role}`)
    })
  }
}

/** How many requests the stand-in answered with this fault (the fault was served, not merely planned). */
const served = (fault: Fault) => world.stripe.requests.filter((r) => r.fault === fault).length

const equalsStripe = async () => expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])

describe('Stripe faults', () => {
  it('a 429 on every third request: completes, exact', async () => {
    await standIn({ faultEvery: { every: 3, fault: 429 } }, 600)
    // At the default budget of 8 retries: a request refused 9 times in a row would take (1/3)^9.
    const { io } = await run({}, { retry: { maxRetries: 8, baseDelayMs: 5, maxDelayMs: 40 } })
    expect(io.failed).toBeUndefined()
    await equalsStripe()
    // Every third request was refused, and each was retried until it went through.
    expect(served(429)).toBe(Math.floor(world.stripe.requests.length / 3))
    expect(world.stripe.requests.length).toBeGreaterThan(6)
  })

  it('500, 502, 503 and dropped connections: retried, exact', async () => {
    await standIn({ faultEvery: { every: 7, fault: 503 } })
    world.stripe.injectFaults(500, 'reset', 502)
    const { io } = await run({ incremental: 'true' })
    expect(io.failed).toBeUndefined()
    await equalsStripe()
    expect([served(500), served('reset'), served(502)]).toEqual([1, 1, 1])
    expect(served(503)).toBeGreaterThan(0)
  })

  it('answers slower than the timeout: retried, exact', async () => {
    await standIn({ slowMs: 600 }, 400)
    world.stripe.injectFaults('slow', 'slow')
    const { io } = await run({}, { stripeTimeoutMs: 200 })
    expect(io.failed).toBeUndefined()
    await equalsStripe()
    expect(served('slow')).toBe(2)
  })

  it('a truncated JSON body: retried, exact', async () => {
    await standIn({}, 400)
    world.stripe.injectFaults('bad-json', 'bad-json')
    const { io } = await run()
    expect(io.failed).toBeUndefined()
    await equalsStripe()
    expect(served('bad-json')).toBe(2)
  })

  it('an outage mid-run: fails clearly, keeps and reports what it stored; a re-run completes', async () => {
    await standIn({ failFrom: { request: 40, fault: 503 } })
    const { io, outcome } = await run({ incremental: 'true', limit: '1000' })
    expect(outcome.ok).toBe(false)
    expect(io.failed).toMatch(/^Stripe returned a server error \(HTTP 503\) to list charges, after retries/)
    expect(world.stripe.requests.slice(39).every((r) => r.fault === 503)).toBe(true)
    const stored = Number(io.outputs.charges_stored)
    expect(stored).toBeGreaterThan(0)
    expect(io.failed).toContain(`Before the failure ${stored} new and 0 updated row(s) were committed and are kept`)
    expect(io.outputs.message).toBeUndefined()
    const rows = await readTable(world.db.url, world.schema)
    expect(rows).toHaveLength(stored)
    expect(
      tableDifferences(
        rows,
        world.stripe.allCharges().filter((c) => rows.some((r) => r.charge_id === c.id))
      )
    ).toEqual([])

    world.stripe.options.failFrom = undefined
    const again = await run({ incremental: 'true' })
    expect(again.io.failed).toBeUndefined()
    await equalsStripe()
  })

  it('a storm that never ends: gives up after bounded retries, saying why', async () => {
    await standIn({ faultEvery: { every: 1, fault: 429 } }, 50)
    const { io } = await run()
    expect(io.failed).toMatch(/^Stripe rate limit: requests were still refused \(429\) after 5 attempts/)
    expect(served(429)).toBe(world.stripe.requests.length)
    expect(io.outputs.charges_stored).toBe('0')
  })
})

describe('Postgres faults', () => {
  it('a statement timeout: fails clearly; a re-run completes', async () => {
    await standIn({}, 300)
    await run()
    const holder = new pg.Client({ connectionString: world.db.url })
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query(`LOCK TABLE "${world.schema}".processed_charges IN ACCESS EXCLUSIVE MODE`)
      world.stripe.addCharges(generateCharges({ count: 20, seed: 52, from: NOW - 100, to: NOW - 90 }))
      const url = new URL(world.db.url)
      url.searchParams.set('options', '-c statement_timeout=300')
      const { io } = await run({}, {}, url.toString())
      expect(io.failed).toMatch(/^Postgres: could not (write to|prepare table) .*statement timeout.*statement_timeout/)
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
    }
    const { io } = await run()
    expect(io.failed).toBeUndefined()
    await equalsStripe()
  })

  it('a permission error on insert: names the problem and where to read about it', async () => {
    await standIn({}, 50)
    await run({ limit: '5' })
    await withRole(`GRANT SELECT ON ALL TABLES IN SCHEMA "${world.schema}"`, async (url, password) => {
      const { io } = await run({}, {}, url)
      expect(io.failed).toMatch(
        /^Postgres: could not write to .*permission denied for table processed_charges \(permission denied; see "Database permissions" in the README/
      )
      expect(io.everything()).not.toContain(password)
    })
  })

  it('later runs need no CREATE privilege: USAGE plus SELECT, INSERT, UPDATE are enough', async () => {
    await standIn({}, 60)
    await run({ incremental: 'true' })
    const tables = LEAST_PRIVILEGE_TABLES.map((t) => `"${world.schema}".${t}`).join(', ')
    await withRole(`GRANT SELECT, INSERT, UPDATE ON ${tables}`, async (url) => {
      const later = Math.floor(Date.now() / 1000) + 60
      world.stripe.createCharge({ ...world.stripe.allCharges()[0]!, id: 'ch_3LeastPrivilege0000000001', created: later - 30 })
      world.stripe.refund(world.stripe.allCharges()[5]!.id)
      const { io } = await run({ incremental: 'true' }, { now: new Date(later * 1000) }, url)
      expect(io.failed).toBeUndefined()
      expect(io.warnings.filter((w) => !w.includes('read requests a month'))).toEqual([])
      expect(io.outputs.charges_stored).toBe('1')
      await equalsStripe()
    })
  })

  it("a role that may not add this version's bookkeeping runs on without it, and says what an owner should run", async () => {
    await standIn({}, 60)
    await run({ incremental: 'true' })
    // As 1.1 left them: no listed_through, no stripe_sync_runs.
    await withClient(world.db.url, async (c) => {
      await c.query(`ALTER TABLE "${world.schema}".stripe_sync_state DROP COLUMN listed_through`)
      await c.query(`DROP TABLE "${world.schema}".stripe_sync_runs`)
    })
    const tables = ['processed_charges', 'stripe_sync_state', 'stripe_sync_rejects'].map((t) => `"${world.schema}".${t}`).join(', ')
    await withRole(`GRANT SELECT, INSERT, UPDATE ON ${tables}`, async (url) => {
      for (const offset of [60, 120]) {
        const later = Math.floor(Date.now() / 1000) + offset
        world.stripe.createCharge({ ...world.stripe.allCharges()[0]!, id: `ch_3OldStateTable00000000${offset}`, created: later - 30 })
        const { io } = await run({ incremental: 'true' }, { now: new Date(later * 1000) }, url)
        expect(io.failed).toBeUndefined()
        expect(io.outputs.charges_stored).toBe('1')
        expect(io.warnings.join('\n')).toContain(`ADD COLUMN IF NOT EXISTS listed_through bigint`)
        expect(io.warnings.join('\n')).toContain(`CREATE TABLE "${world.schema}"."stripe_sync_runs"`)
      }
      await equalsStripe()
    })
    // An owner's run adds them.
    const { io } = await run({ incremental: 'true' }, { now: new Date((Math.floor(Date.now() / 1000) + 180) * 1000) })
    expect(io.warnings.filter((w) => !w.includes('read requests a month'))).toEqual([])
    const columns = await withClient(world.db.url, (c) =>
      c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'stripe_sync_state' AND column_name = 'listed_through'`, [
        world.schema
      ])
    )
    expect(columns.rowCount).toBe(1)
  })

  it("a role that may not make the monitors' index runs on without it, and says what an owner should run", async () => {
    await standIn({}, 60)
    await run({ incremental: 'true' })
    // As a table made before the monitors were: without their index.
    await withClient(world.db.url, (c) => c.query(`DROP INDEX "${world.schema}".processed_charges_monitor_idx`))
    const tables = LEAST_PRIVILEGE_TABLES.map((t) => `"${world.schema}".${t}`).join(', ')
    await withRole(`GRANT SELECT, INSERT, UPDATE ON ${tables}`, async (url) => {
      const later = Math.floor(Date.now() / 1000) + 60
      world.stripe.createCharge({ ...world.stripe.allCharges()[0]!, id: 'ch_3NoMonitorIndex000000001', created: later - 30 })
      const { io } = await run({ incremental: 'true' }, { now: new Date(later * 1000) }, url)
      expect(io.failed).toBeUndefined()
      expect(io.outputs.charges_stored).toBe('1')
      expect(io.outputs.monitor_status).not.toBe('')
      expect(io.warnings.filter((w) => !w.includes('read requests a month'))).toEqual([
        `This database role may not run \`CREATE INDEX "processed_charges_monitor_idx" ON "${world.schema}"."processed_charges" ` +
          `((coalesce(account_id, '')), created_at, status, payment_method_type, account_id)\`: the run goes on without it ` +
          '(the monitors read every charge of their windows: slower on big accounts). Run the next step once with a role that owns the schema to add it.'
      ])
    })
    // An owner's run makes it.
    const { io } = await run({ incremental: 'true' }, { now: new Date((Math.floor(Date.now() / 1000) + 120) * 1000) })
    expect(io.logs).toContain(`Created index ${world.schema}.processed_charges_monitor_idx (the monitors read the charges of each account through it).`)
    expect(io.warnings.filter((w) => !w.includes('read requests a month'))).toEqual([])
  })

  it('the server restarted mid-run: fails clearly, keeps what was committed; a re-run completes', async () => {
    const own = await startPostgres({ embedded: true })
    try {
      await standIn({ latencyMs: 15 }, 4000)
      const io = recorder({
        'stripe-secret-key': 'sk_test_Faults42',
        'database-url': own.url,
        'stripe-api-base': world.stripe.url,
        schema: world.schema,
        limit: 'all',
        status: 'all',
        incremental: 'true'
      })
      const running = runAction(io, { env: {}, retry: FAST, concurrency: 4 })
      // Restart once some batches are committed.
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, 25))
        const n = await withClient(own.url, (c) => c.query(`SELECT count(*)::int AS n FROM "${world.schema}".processed_charges`)).catch(() => ({
          rows: [{ n: 0 }]
        }))
        if (n.rows[0].n >= 500) break
      }
      await own.restart!()
      const outcome = await running
      expect(outcome.ok).toBe(false)
      expect(io.failed).toMatch(/^Postgres: could not write to .*(terminat|shut down|Connection)/i)
      const kept = (await readTable(own.url, world.schema)).length
      expect(kept).toBeGreaterThanOrEqual(500)

      const again = recorder({ ...io.inputs })
      await runAction(again, { env: {}, retry: FAST })
      expect(again.failed).toBeUndefined()
      expect(tableDifferences(await readTable(own.url, world.schema), world.stripe.allCharges())).toEqual([])
    } finally {
      await own.stop()
    }
  })
})
