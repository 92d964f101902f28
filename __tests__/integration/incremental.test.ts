import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { generateCharges, makeCharge, randomId, seededRandom, FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'
import { readTable, tableDifferences } from '../../test-support/table.js'

const KEY = 'sk_test_IncrementalKey1234'
const DAY = 86400

const world = new World('inc', { start: Math.floor(Date.UTC(2026, 10, 26, 12) / 1000) })

async function run(inputs: Record<string, string> = {}) {
  const io = recorder({
    'stripe-secret-key': KEY,
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    incremental: 'true',
    limit: 'all',
    status: 'all',
    ...inputs
  })
  const outcome = await runAction(io, { env: {}, now: new Date(world.clock * 1000), retry: FAST_RETRY, clock: unpacedClock() })
  if (io.failed) throw new Error(`run failed: ${io.failed}`)
  return { io, outcome }
}

const random = seededRandom(5)
function newCharge(created: number, status: Stripe.Charge.Status = 'succeeded'): Stripe.Charge {
  return makeCharge({ id: randomId('ch_3', random), created, amount: 1000 + Math.floor(random() * 9000), currency: 'usd', status })
}

const truth = (statuses = ['succeeded', 'pending', 'failed']) => world.stripe.allCharges().filter((c) => statuses.includes(c.status))
const table = () => readTable(world.db.url, world.schema)

describe('incremental sync', () => {
  it('stores exactly the charges created between two runs', async () => {
    world.stripe.addCharges(generateCharges({ count: 200, seed: 1, from: world.clock - 20 * DAY, to: world.clock - 60 }))
    const first = await run()
    expect(first.io.outputs.charges_stored).toBe('200')
    expect(first.io.summary).toContain('| Mode | incremental (first run: backfill) |')
    expect(first.io.outputs.cursor).toBe(new Date((world.clock - 6) * 1000).toISOString().replace('.000Z', 'Z'))

    world.clock += 3600
    const fresh = Array.from({ length: 30 }, (_, i) => world.stripe.createCharge(newCharge(world.clock - 3000 + i * 60)))
    const before = world.stripe.requests.length
    const second = await run()
    expect(second.io.outputs.charges_stored).toBe('30')
    expect(second.io.outputs.charges_updated).toBe('0')
    expect(second.io.outputs.charge_count).toBe('30')
    // The 30 charge.succeeded events are replayed, but their charges are swept, not re-fetched.
    expect(second.io.outputs.events_processed).toBe('30')
    expect(world.stripe.requests.slice(before).filter((r) => r.path.startsWith('/v1/charges/'))).toHaveLength(0)
    expect(tableDifferences(await table(), truth())).toEqual([])
    for (const c of fresh) expect(second.io.summary).toContain(c.id)
  })

  it('an idle run makes at most 2 Stripe requests', async () => {
    world.stripe.addCharges(generateCharges({ count: 150, seed: 2, from: world.clock - 5 * DAY, to: world.clock - 60 }))
    await run()
    world.clock += 600
    const before = world.stripe.requests.length
    const idle = await run()
    expect(idle.io.outputs.charges_stored).toBe('0')
    expect(world.stripe.requests.length - before).toBeLessThanOrEqual(2)
  })

  it('stores each of 250 charges created in one second once, across the cursor and page boundaries', async () => {
    const burst = world.clock - 2 * DAY
    world.stripe.addCharges(generateCharges({ count: 80, seed: 3, from: world.clock - 4 * DAY, to: burst - 1 }))
    world.stripe.addCharges(Array.from({ length: 250 }, () => newCharge(burst)))
    world.stripe.addCharges(generateCharges({ count: 40, seed: 4, from: burst + 1, to: world.clock - 60 }))
    // 120 a run: the cursor stops inside the burst twice.
    const stored: number[] = []
    for (let i = 0; i < 5; i++) stored.push(Number((await run({ limit: '120' })).io.outputs.charges_stored))
    expect(stored).toEqual([120, 120, 120, 10, 0])
    expect(tableDifferences(await table(), truth())).toEqual([])
  })

  it('updates rows after a refund and a dispute', async () => {
    world.stripe.addCharges(generateCharges({ count: 60, seed: 6, from: world.clock - 10 * DAY, to: world.clock - 60 }))
    await run()
    const [a, b] = world.stripe.allCharges().filter((c) => c.status === 'succeeded' && c.amount_refunded === 0)
    world.clock += 1800
    world.stripe.refund(a!.id, 500)
    world.stripe.dispute(b!.id)
    const second = await run()
    expect(second.io.outputs.charges_updated).toBe('2')
    expect(second.io.outputs.events_processed).toBe('2')
    const rows = await table()
    expect(rows.find((r) => r.charge_id === a!.id)!.amount_refunded).toBe('500')
    expect(rows.find((r) => r.charge_id === b!.id)!.disputed).toBe(true)
    expect(tableDifferences(rows, truth())).toEqual([])
    expect(second.io.summary).toContain('| Change events replayed | 2 (2 object(s) re-fetched) |')
  })

  it('stores a pending charge once it succeeds, with status: succeeded', async () => {
    world.stripe.addCharges(generateCharges({ count: 50, seed: 7, from: world.clock - 3 * DAY, to: world.clock - 3600 }))
    const pending = world.stripe.createCharge(newCharge(world.clock - 1800, 'pending'))
    await run({ status: 'succeeded' })
    expect((await table()).some((r) => r.charge_id === pending.id)).toBe(false)
    world.clock += 3600
    world.stripe.succeed(pending.id)
    const second = await run({ status: 'succeeded' })
    expect(second.io.outputs.charges_stored).toBe('1')
    expect(tableDifferences(await table(), truth(['succeeded']))).toEqual([])
  })

  it('chunks 1,000 charges with limit 300 over four runs', async () => {
    world.stripe.addCharges(generateCharges({ count: 1000, seed: 8, from: world.clock - 30 * DAY, to: world.clock - 60 }))
    const stored: string[] = []
    const cursors: string[] = []
    for (let i = 0; i < 4; i++) {
      const { io } = await run({ limit: '300' })
      stored.push(io.outputs.charges_stored!)
      cursors.push(io.outputs.cursor!)
    }
    expect(stored).toEqual(['300', '300', '300', '100'])
    expect([...cursors].sort()).toEqual(cursors)
    expect(tableDifferences(await table(), truth())).toEqual([])
    const state = await withClient(world.db.url, (c) => c.query(`SELECT * FROM "${world.schema}".stripe_sync_state`))
    expect(state.rows).toHaveLength(1)
    expect(state.rows[0]).toMatchObject({ account: 'self:test', table_name: 'processed_charges', status_filter: 'all', api_version: '2026-10-28.endive' })
  })

  it('one of two overlapping runs syncs, the other skips without writing', async () => {
    await world.replaceStandIn({ latencyMs: 20 })
    world.stripe.addCharges(generateCharges({ count: 600, seed: 9, from: world.clock - 10 * DAY, to: world.clock - 60 }))
    const [x, y] = await Promise.all([run(), run()])
    const outputs = [x.io.outputs, y.io.outputs]
    expect(outputs.map((o) => o.skipped).sort()).toEqual(['false', 'true'])
    const skipped = outputs.find((o) => o.skipped === 'true')!
    expect(skipped.charges_stored).toBe('0')
    expect(skipped.message).toMatch(/^Skipped: process \d+ \(not on GitHub Actions\) has held the lock on schema \S+ since /)
    expect(x.io.notices.concat(y.io.notices).some((n) => /^Skipped/.test(n))).toBe(true)
    expect(tableDifferences(await table(), truth())).toEqual([])
  })

  it('waits up to lock-timeout for the other run, then proceeds', async () => {
    await run()
    world.clock += 3600
    world.stripe.addCharges(generateCharges({ count: 30, seed: 10, from: world.clock - 1800, to: world.clock - 60 }))
    await withClient(world.db.url, async (holder) => {
      await holder.query(
        `UPDATE "${world.schema}".stripe_sync_lease SET holder = 'other', run = 'run 99', released_at = NULL, expires_at = now() + interval '1 minute', direct = false`
      )
      const released = new Promise((resolve) => setTimeout(resolve, 400)).then(() =>
        holder.query(`UPDATE "${world.schema}".stripe_sync_lease SET released_at = now()`)
      )
      const { io } = await run({ 'lock-timeout': '5' })
      await released
      expect(io.outputs.skipped).toBe('false')
      expect(io.outputs.charges_stored).toBe('30')
    })
  })

  it('re-sweeps and warns when the event cursor is older than Stripe keeps events', async () => {
    world.stripe.addCharges(generateCharges({ count: 100, seed: 11, from: world.clock - 60 * DAY, to: world.clock - 60 }))
    await run()
    const old = world.stripe.allCharges().find((c) => c.status === 'succeeded' && c.created < world.clock - 40 * DAY)!
    world.clock += DAY
    world.stripe.refund(old.id)
    world.clock += 34 * DAY
    const second = await run()
    expect(second.io.warnings.join('\n')).toMatch(/change-event cursor is too old .* re-sweeping charges created from/)
    expect(second.io.summary).toContain('| Re-sweep | yes')
    expect((await table()).find((r) => r.charge_id === old.id)!.refunded).toBe(true)
    expect(tableDifferences(await table(), truth())).toEqual([])
    // The cursor is fresh again: the next run replays events normally.
    world.clock += 3600
    const third = await run()
    expect(third.io.warnings).toEqual([])
  })

  it('starts from created-after on the first run', async () => {
    world.stripe.addCharges(generateCharges({ count: 100, seed: 12, from: world.clock - 20 * DAY, to: world.clock - 60 }))
    const from = world.clock - 5 * DAY
    const { io } = await run({ 'created-after': String(from) })
    expect(
      tableDifferences(
        await table(),
        truth().filter((c) => c.created >= from)
      )
    ).toEqual([])
    expect(io.summary).toContain(`| Window covered | from ${new Date(from * 1000).toISOString().replace('.000Z', 'Z')}`)
  })

  it('a cursor left in the future (by a created-after not refused then) is repaired: re-listed from created-after, never past the run', async () => {
    world.stripe.addCharges(generateCharges({ count: 80, seed: 13, from: world.clock - 20 * DAY, to: world.clock - 3 * DAY }))
    await run({ 'created-after': '30d' })
    const future = Date.UTC(2027, 4, 31) / 1000
    await withClient(world.db.url, (c) => c.query(`UPDATE "${world.schema}".stripe_sync_state SET cursor_created = $1, cursor_ids = '{}'`, [future]))
    world.clock += 3600
    world.stripe.addCharges(generateCharges({ count: 20, seed: 14, from: world.clock - 2 * DAY, to: world.clock - 600 }))
    const { io } = await run({ 'created-after': '30d' })
    expect(io.warnings).toEqual([expect.stringMatching(/^The charges cursor \(2027-05-31T00:00:00Z\) was ahead of the time of the run/)])
    expect(new Date(io.outputs.cursor!).getTime() / 1000).toBeLessThanOrEqual(world.clock)
    expect(tableDifferences(await table(), truth())).toEqual([])
  })

  it('an event listed minutes after its created is still read by the next run; an event read once is not re-fetched for it again', async () => {
    world.stripe.addCharges(generateCharges({ count: 50, seed: 15, from: world.clock - 10 * DAY, to: world.clock - 3600 }))
    await run()
    const [late, prompt] = truth()
    const description = async (id: string) =>
      (await withClient(world.db.url, (c) => c.query(`SELECT description FROM "${world.schema}".processed_charges WHERE charge_id = $1`, [id]))).rows[0]
        ?.description
    world.clock += 60
    world.stripe.emit('charge.updated', world.stripe.updateCharge(late!.id, { description: 'changed, listed late' }), world.clock, { listableAfter: 120 })
    world.stripe.emit('charge.updated', world.stripe.updateCharge(prompt!.id, { description: 'changed, listed at once' }), world.clock)
    world.clock += 10
    const second = await run()
    expect(second.io.outputs.events_processed).toBe('1')
    expect([await description(late!.id), await description(prompt!.id)]).toEqual([late!.description, 'changed, listed at once'])

    // An hour later the late event is listed: read, though created before the last run.
    world.clock += 3600
    const before = world.stripe.requests.length
    const third = await run()
    expect(third.io.outputs.events_processed).toBe('1')
    expect(await description(late!.id)).toBe('changed, listed late')
    const refetched = world.stripe.requests.slice(before).filter((r) => r.path.startsWith('/v1/charges/'))
    expect(refetched.map((r) => r.path)).toEqual([`/v1/charges/${late!.id}`])

    // A minute later the window read again holds the event just read: skipped, nothing re-fetched.
    world.stripe.emit('charge.updated', world.stripe.updateCharge(prompt!.id, { description: 'changed again' }), world.clock - 30)
    world.clock += 60
    const fourthStart = world.stripe.requests.length
    const fourth = await run()
    expect(fourth.io.outputs.events_processed).toBe('1')
    world.clock += 60
    const fifthStart = world.stripe.requests.length
    const fifth = await run()
    expect(fifth.io.outputs.events_processed).toBe('0')
    expect(world.stripe.requests.slice(fifthStart).filter((r) => r.path.startsWith('/v1/charges/'))).toHaveLength(0)
    expect(world.stripe.requests.slice(fourthStart, fifthStart).filter((r) => r.path.startsWith('/v1/charges/'))).toHaveLength(1)
    expect(tableDifferences(await table(), truth())).toEqual([])
  })

  it('refuses dry-run with incremental', async () => {
    await expect(run({ 'dry-run': 'true' })).rejects.toThrow(/Input `incremental`: cannot be combined with `dry-run: true`/)
    expect(world.stripe.requests).toHaveLength(0)
  })
})
