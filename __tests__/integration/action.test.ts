import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { generateCharges, makeCharge, FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'
import { readTable, tableDifferences } from '../../test-support/table.js'

const KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'
const NOW = new Date('2026-11-26T12:00:00Z')
const T0 = Math.floor(NOW.getTime() / 1000) - 30 * 86400

// The stand-in keeps the real clock; runs take NOW.
const world = new World('action')

async function run(inputs: Record<string, string> = {}) {
  const io = recorder({
    'stripe-secret-key': KEY,
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    ...inputs
  })
  const outcome = await runAction(io, { env: {}, now: NOW, retry: FAST_RETRY, clock: unpacedClock() })
  return { io, outcome }
}

/** What the action should record: newest first, matching statuses, within the window, up to limit. */
function expected(statuses: string[], limit = Infinity, gte = -Infinity, lt = Infinity): Stripe.Charge[] {
  return world.stripe
    .allCharges()
    .filter((c) => statuses.includes(c.status) && c.created >= gte && c.created < lt)
    .slice(0, limit)
}

describe('the action against the Stripe stand-in and a real Postgres', () => {
  it('stores the newest succeeded charges, field by field, and reports them', async () => {
    world.stripe.addCharges(generateCharges({ count: 300, seed: 7, from: T0, to: T0 + 86400 * 20 }))
    const { io, outcome } = await run()
    expect(io.failed).toBeUndefined()
    expect(outcome.ok).toBe(true)

    const want = expected(['succeeded'], 10)
    const rows = await readTable(world.db.url, world.schema)
    expect(tableDifferences(rows, want)).toEqual([])
    expect(io.outputs.message).toBe('Successfully processed 10 Stripe charges')
    expect(io.outputs.charge_count).toBe('10')
    expect(io.outputs.charges_stored).toBe('10')
    expect(io.outputs.charges_updated).toBe('0')
    const usdMinor = want.filter((c) => c.currency === 'usd').reduce((n, c) => n + c.amount, 0)
    expect(io.outputs.total_amount_cents).toBe(String(usdMinor))
    expect(JSON.parse(io.outputs.result!).charge_count).toBe(10)
    // Status filter pages 100 at a time: one request is enough for 10 matches here.
    expect(world.stripe.chargeRequests().map((r) => r.query.limit)).toEqual(['100'])
    expect(world.stripe.chargeRequests()[0]!.stripeVersion).toBe('2026-10-28.endive')
    for (const c of want) expect(io.summary).toContain(`[View ↗](https://dashboard.stripe.com/test/payments/${c.id})`)
    expect(io.logs.some((l) => /^Page 1 of charges: scanned 100 \(100 in all\), matched 10 \(10\), stored 10 new and 0 updated so far$/.test(l))).toBe(true)
    for (const row of rows) {
      expect(row.processed_at).toBeInstanceOf(Date)
      expect(row.updated_at).toEqual(row.processed_at)
    }
  })

  it('is idempotent: a re-run stores nothing and changes nothing; a changed charge is updated', async () => {
    world.stripe.addCharges(generateCharges({ count: 120, seed: 3, from: T0, to: T0 + 86400 }))
    await run({ limit: 'all', status: 'all' })
    const before = await readTable(world.db.url, world.schema)
    expect(before).toHaveLength(120)

    const again = await run({ limit: 'all', status: 'all' })
    expect(again.io.outputs.charges_stored).toBe('0')
    expect(again.io.outputs.charges_updated).toBe('0')
    expect(again.io.outputs.charge_count).toBe('120')
    expect(await readTable(world.db.url, world.schema)).toEqual(before)

    const target = world.stripe.allCharges().find((c) => c.status === 'succeeded' && c.amount_refunded === 0)!
    world.stripe.updateCharge(target.id, { amount_refunded: target.amount, refunded: true })
    const third = await run({ limit: 'all', status: 'all' })
    expect(third.io.outputs.charges_stored).toBe('0')
    expect(third.io.outputs.charges_updated).toBe('1')
    const after = await readTable(world.db.url, world.schema)
    expect(tableDifferences(after, world.stripe.allCharges())).toEqual([])
    const row = after.find((r) => r.charge_id === target.id)!
    const old = before.find((r) => r.charge_id === target.id)!
    expect(row.refunded).toBe(true)
    expect(row.processed_at).toEqual(old.processed_at)
    expect(row.updated_at!.getTime()).toBeGreaterThan(old.updated_at!.getTime())
  })

  it('pages past 100 with no cap, honours the window, and keeps charges sharing a second across a page boundary', async () => {
    const burst = T0 + 5 * 86400
    world.stripe.addCharges(generateCharges({ count: 400, seed: 11, from: T0, to: T0 + 10 * 86400, bursts: [[burst, 150]] }))
    const gte = T0 + 86400
    const lt = T0 + 9 * 86400
    const { io } = await run({
      limit: 'all',
      status: 'succeeded,failed',
      'created-after': new Date(gte * 1000).toISOString(),
      'created-before': String(lt)
    })
    expect(io.failed).toBeUndefined()
    const want = expected(['succeeded', 'failed'], Infinity, gte, lt)
    expect(want.filter((c) => c.created === burst).length).toBeGreaterThan(100)
    expect(tableDifferences(await readTable(world.db.url, world.schema), want)).toEqual([])
    expect(io.outputs.charge_count).toBe(String(want.length))
    const requests = world.stripe.chargeRequests()
    // Five pages' worth; a small window is shared out among idle workers (the limit has room), at
    // partly filled pages more. How far depends on how long the first answer took, which a loaded
    // machine decides: 7 requests at 0-30 ms, 10 at 60, 12 at 150, 15 at 300 (measured with the
    // stand-in's latency set) — never more than three times the pages.
    const minimum = Math.ceil(expected(['succeeded', 'pending', 'failed'], Infinity, gte, lt).length / 100)
    expect(requests.length).toBeGreaterThanOrEqual(minimum)
    expect(requests.length).toBeLessThanOrEqual(3 * minimum)
    expect(requests[0]!.query['created[gte]']).toBe(String(gte))
    expect(requests[0]!.query['created[lt]']).toBe(String(lt))
    expect(io.summary).toContain(`| Created | from ${new Date(gte * 1000).toISOString().replace('.000Z', 'Z')} to before`)
  })

  it('asks for exactly `limit` charges when there is no status filter', async () => {
    world.stripe.addCharges(generateCharges({ count: 50, seed: 5, from: T0, to: T0 + 86400 }))
    const { io } = await run({ limit: '5', status: 'all' })
    expect(io.outputs.charge_count).toBe('5')
    expect(world.stripe.chargeRequests().map((r) => r.query.limit)).toEqual(['5'])
  })

  it('reports a short window honestly when fewer charges match than the limit', async () => {
    world.stripe.addCharges(generateCharges({ count: 30, seed: 9, from: T0, to: T0 + 86400 }))
    const want = expected(['failed'])
    const { io } = await run({ limit: '1000', status: 'failed' })
    expect(io.outputs.charge_count).toBe(String(want.length))
    expect(world.stripe.chargeRequests()).toHaveLength(1)
  })

  it("compares the headline's net with the period before it, read back from the table", async () => {
    const day = (n: number) => T0 + n * 86400
    world.stripe.addCharges([
      makeCharge({ id: 'ch_prevA', created: day(1) + 100, amount: 40_000, currency: 'usd', status: 'succeeded' }),
      makeCharge({ id: 'ch_prevB', created: day(2) - 100, amount: 10_000, currency: 'usd', status: 'succeeded', amount_refunded: 2_000 }),
      makeCharge({ id: 'ch_nowA', created: day(2) + 100, amount: 60_000, currency: 'usd', status: 'succeeded' })
    ])
    const window = (from: number) => ({ limit: 'all', 'created-after': String(day(from)), 'created-before': String(day(from + 1)), 'summary-amounts': 'show' })
    // The first day: the table holds nothing before it, so there is nothing to compare with.
    const first = await run(window(1))
    expect(first.io.summary).toContain('**Charged, net of refunds: 480.00 USD**')
    expect(first.io.summary).not.toContain('vs the previous')
    // The next day: 600.00 against the 480.00 net of the day before, read from the charges table.
    const second = await run(window(2))
    expect(second.io.summary).toContain('**Charged, net of refunds: 600.00 USD**')
    expect(second.io.summary).toContain('USD +25 % vs the previous 1 day')
  })

  it('dry run: fetches and reports, opens no database connection', async () => {
    world.stripe.addCharges(generateCharges({ count: 40, seed: 2, from: T0, to: T0 + 86400 }))
    // A database that does not exist: a dry run must never try it.
    const { io } = await run({ 'dry-run': 'true', 'database-url': 'postgres://nobody:pw@127.0.0.1:1/none' })
    expect(io.failed).toBeUndefined()
    expect(io.outputs.message).toBe('Dry run: found 10 Stripe charges; nothing stored')
    expect(io.outputs.charges_stored).toBe('0')
    expect(io.summary).toContain('| Dry run | yes: nothing was written |')
    const exists = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
    expect(exists.rowCount).toBe(0)
  })

  it('sends Stripe-Account and records the account on each row', async () => {
    world.stripe.addCharges(generateCharges({ count: 5, seed: 4, from: T0, to: T0 + 86400 }))
    const { io } = await run({ 'stripe-account': 'acct_1Connected', status: 'all' })
    expect(io.failed).toBeUndefined()
    expect(world.stripe.chargeRequests().every((r) => r.stripeAccount === 'acct_1Connected')).toBe(true)
    const rows = await readTable(world.db.url, world.schema)
    expect(tableDifferences(rows, world.stripe.allCharges(), 'acct_1Connected')).toEqual([])
    expect(io.summary).toContain('https://dashboard.stripe.com/acct_1Connected/test/payments/')
  })

  it('adopts a table made for the original job: adds columns and the unique key', async () => {
    await withClient(world.db.url, async (c) => {
      await c.query(`CREATE SCHEMA "${world.schema}"`)
      await c.query(`CREATE TABLE "${world.schema}".processed_charges (charge_id text, amount int, currency text, customer_email text,
        description text, status text, created_at timestamp, processed_at timestamp DEFAULT now())`)
      await c.query(`INSERT INTO "${world.schema}".processed_charges (charge_id, amount, currency, status) VALUES ('ch_legacy', 500, 'usd', 'succeeded')`)
    })
    world.stripe.addCharges([makeCharge({ id: 'ch_legacy', created: T0, amount: 500, currency: 'usd', status: 'succeeded' })])
    const { io } = await run()
    expect(io.failed).toBeUndefined()
    expect(io.logs.join('\n')).toMatch(/Added column\(s\) to .*: updated_at, amount_captured/)
    expect(io.outputs.charges_stored).toBe('0')
    expect(io.outputs.charges_updated).toBe('1')
    const rows = await readTable(world.db.url, world.schema)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.raw.id).toBe('ch_legacy')
  })

  it('refuses a legacy table holding duplicate charge ids, saying how many and how to clean up', async () => {
    await withClient(world.db.url, async (c) => {
      await c.query(`CREATE SCHEMA "${world.schema}"`)
      await c.query(`CREATE TABLE "${world.schema}".processed_charges (charge_id text, amount int, currency text, status text)`)
      await c.query(`INSERT INTO "${world.schema}".processed_charges VALUES ('ch_a', 1, 'usd', 'succeeded'), ('ch_a', 1, 'usd', 'succeeded'),
        ('ch_b', 2, 'usd', 'succeeded'), ('ch_b', 2, 'usd', 'succeeded'), ('ch_c', 3, 'usd', 'succeeded')`)
    })
    world.stripe.addCharges(generateCharges({ count: 5, seed: 4, from: T0, to: T0 + 86400 }))
    const { io } = await run()
    expect(io.failed).toMatch(/already holds 2 charge_id value\(s\) stored more than once/)
    expect(io.failed).toContain('DELETE FROM')
    // One Stripe request proves the key before the database is touched; nothing is written.
    expect(world.stripe.requests).toHaveLength(1)
    const count = await withClient(world.db.url, (c) => c.query(`SELECT count(*)::int AS n FROM "${world.schema}".processed_charges`))
    expect(count.rows[0].n).toBe(5)
  })

  it.each([
    [{ limit: 'ten' }, /^Input `limit`/],
    [{ status: 'refunded' }, /^Input `status`/],
    [{ 'created-after': '2026-02-30' }, /^Input `created-after`/],
    [{ 'stripe-secret-key': 'pk_test_abc' }, /^Input `stripe-secret-key`: this is a publishable key/],
    [{ table: 'x; DROP TABLE y' }, /^Input `table`/],
    [{ 'database-url': 'mysql://x@y/z' }, /^Input `database-url`/]
  ])('bad input %p fails before any request or connection', async (inputs, message) => {
    const { io } = await run(inputs)
    expect(io.failed).toMatch(message)
    expect(world.stripe.requests).toHaveLength(0)
    const exists = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
    expect(exists.rowCount).toBe(0)
  })

  it('names a rejected key by its last four characters only', async () => {
    await world.replaceStandIn({ keys: ['sk_test_theOnlyGoodKey'] })
    const { io } = await run()
    expect(io.failed).toBe('Stripe rejected the API key (ending …p7dc): check `stripe-secret-key`; the key may be mistyped, revoked or rolled.')
    expect(io.everything()).not.toContain(KEY)
  })

  it('names the missing permission of a restricted key', async () => {
    await world.replaceStandIn({ missingPermissions: { rk_test_noCharges1: ['charges'] } })
    const { io } = await run({ 'stripe-secret-key': 'rk_test_noCharges1' })
    expect(io.failed).toMatch(/lacks the permission "Charges: Read"/)
    expect(io.logs[0]).toMatch(/Using a test restricted key \(…ges1\)/)
  })

  it('with objects: all, skips an object the key may not read with a warning; named, it fails the run', async () => {
    await world.replaceStandIn({ missingPermissions: { rk_test_noCoupons1: ['coupons', 'application_fees'] } })
    world.stripe.addCharges(generateCharges({ count: 5, seed: 4, from: T0, to: T0 + 86400 }))
    const all = await run({ 'stripe-secret-key': 'rk_test_noCoupons1', objects: 'all', status: 'all' })
    expect(all.io.failed).toBeUndefined()
    // Objects sync at once: the warnings come in either order.
    expect(all.io.warnings.filter((w) => w.startsWith('Skipped ')).sort()).toEqual([
      expect.stringMatching(/^Skipped application fees: the restricted key lacks the permission "Application fees: Read"/),
      expect.stringMatching(/^Skipped coupons: the restricted key lacks the permission "Coupons: Read"\. `objects: all` takes every object/)
    ])
    expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])
    const named = await run({ 'stripe-secret-key': 'rk_test_noCoupons1', objects: 'charges, coupons', status: 'all' })
    expect(named.io.failed).toMatch(/lacks the permission "Coupons: Read"/)
  })

  it('says in the log when a key is live', async () => {
    world.stripe.addCharges(generateCharges({ count: 3, seed: 4, from: T0, to: T0 + 86400 }))
    const { io } = await run({ 'stripe-secret-key': 'rk_live_51LiveRestricted9', status: 'all' })
    expect(io.failed).toBeUndefined()
    expect(io.logs[0]).toMatch(/Using a live restricted key \(…ted9\)/)
  })

  it('names Events: Read when an incremental run lacks it', async () => {
    await world.replaceStandIn({ missingPermissions: { rk_test_noEvents1: ['events'] } })
    world.stripe.addCharges(generateCharges({ count: 5, seed: 4, from: T0, to: T0 + 86400 }))
    const { io } = await run({ 'stripe-secret-key': 'rk_test_noEvents1', incremental: 'true' })
    expect(io.failed).toMatch(/^Stripe refused to list events: the restricted key \(ending …nts1\) lacks the permission "Events: Read"/)
  })

  it('waits out 429s and completes; gives up clearly when they never stop', async () => {
    world.stripe.addCharges(generateCharges({ count: 250, seed: 8, from: T0, to: T0 + 86400 }))
    world.stripe.injectFaults(429, 429)
    const ok = await run({ limit: 'all', status: 'all' })
    expect(ok.io.failed).toBeUndefined()
    expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])

    // A storm that never stops: every listing of charges refused.
    world.stripe.faultWhen = (r) => (r.path === '/v1/charges' ? 429 : undefined)
    const bad = await run({ limit: 'all', status: 'all' })
    expect(bad.io.failed).toMatch(/Stripe rate limit: requests were still refused \(429\) after 4 attempts/)
  })

  it('retries server errors and dropped connections inside the SDK', async () => {
    world.stripe.addCharges(generateCharges({ count: 150, seed: 12, from: T0, to: T0 + 86400 }))
    world.stripe.injectFaults(500, 'reset', 503)
    const { io } = await run({ limit: 'all', status: 'all' })
    expect(io.failed).toBeUndefined()
    expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])
  })

  it('fails clearly when Postgres refuses the connection, before asking Stripe, without printing the URL', async () => {
    const url = 'postgres://monitor:TopSecret99@127.0.0.1:1/finance'
    const { io } = await run({ 'database-url': url })
    expect(io.failed).toMatch(/^Postgres: could not connect to Postgres at 127\.0\.0\.1:1: .*nothing is listening there/)
    expect(world.stripe.requests).toHaveLength(0)
    expect(io.everything()).not.toContain('TopSecret99')
    expect(io.secrets).toEqual(expect.arrayContaining([url, 'TopSecret99']))
  })

  it('flags high-value charges (outputs, notices, summary) and creates the daily view', async () => {
    world.stripe.addCharges(generateCharges({ count: 200, seed: 17, from: T0, to: T0 + 10 * 86400 }))
    const { io } = await run({ limit: 'all', status: 'all', 'high-value-threshold': '1500, jpy:200000', 'summary-amounts': 'show' })
    expect(io.failed).toBeUndefined()
    const all = world.stripe.allCharges()
    const threshold = (c: Stripe.Charge) => (c.currency === 'jpy' ? 200000 : c.currency === 'kwd' ? 1500000 : 150000)
    // Succeeded charges only: a failed charge is money that never arrived.
    const high = all.filter((c) => c.status === 'succeeded' && c.amount >= threshold(c))
    expect(high.length).toBeGreaterThan(0)
    expect(io.outputs.high_value_count).toBe(String(high.length))
    expect(JSON.parse(io.outputs.high_value_charges!).map((h: { id: string }) => h.id)).toEqual(high.slice(0, 50).map((c) => c.id))
    expect(io.notices.filter((n) => n.startsWith('High-value charge ')).length).toBe(Math.min(10, high.length))
    expect(io.summary).toContain(`### High-value charges (${high.length})`)
    expect(io.summary).toMatch(/```mermaid\n%%\{init: .*\}%%\nxychart-beta/)

    const view = await withClient(world.db.url, (c) =>
      c.query(
        `SELECT day::text, currency, count::int, gross::bigint, refunded::bigint, net::bigint FROM "${world.schema}".processed_charges_daily ORDER BY day, currency`
      )
    )
    const want = new Map<string, { count: number; gross: number; refunded: number }>()
    for (const c of all.filter((x) => x.status === 'succeeded')) {
      const key = `${new Date(c.created * 1000).toISOString().slice(0, 10)} ${c.currency}`
      const w = want.get(key) ?? { count: 0, gross: 0, refunded: 0 }
      w.count += 1
      w.gross += c.amount
      w.refunded += c.amount_refunded
      want.set(key, w)
    }
    expect(view.rows.length).toBe(want.size)
    for (const row of view.rows) {
      const w = want.get(`${row.day} ${row.currency}`)!
      expect([Number(row.count), Number(row.gross), Number(row.refunded), Number(row.net)]).toEqual([w.count, w.gross, w.refunded, w.gross - w.refunded])
    }
  })
})
