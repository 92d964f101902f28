import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { generateCharges, makeCharge, randomId, seededRandom, FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'
import { readTable } from '../../test-support/table.js'

// Unusual and hostile data, as a new user's account may hold: one bad object never stops a sync,
// alerts fire once, customer data stays private where the run is public, outputs stay valid.
const DAY = 86400

const world = new World('hostile', { start: Math.floor(Date.UTC(2026, 10, 26, 12) / 1000) })

async function run(inputs: Record<string, string> = {}, options: { repositoryPrivate?: boolean; url?: string } = {}) {
  const io = recorder({
    'stripe-secret-key': 'sk_test_Hostile123',
    'database-url': options.url ?? world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    limit: 'all',
    status: 'all',
    ...inputs
  })
  const outcome = await runAction(io, {
    env: {},
    now: new Date(world.clock * 1000),
    retry: FAST_RETRY,
    clock: unpacedClock(),
    repositoryPrivate: options.repositoryPrivate
  })
  return { io, outcome }
}

const random = seededRandom(404)
function charge(created: number, more: Partial<Parameters<typeof makeCharge>[0]> = {}): Stripe.Charge {
  return makeCharge({ id: randomId('ch_3', random), created, amount: 5000, currency: 'usd', status: 'succeeded', ...more })
}

/** Charges that break naive code: a NUL in a metadata key, a lone surrogate, and shapes the API should never send. */
function poison(at: number) {
  const nulKey = charge(at - 100, { metadata: { 'order\u0000id': 'x\u0000y' }, description: 'nul' })
  const surrogate = charge(at - 99, { description: 'half an emoji \uD83D here' })
  const stringAmount = { ...charge(at - 98), amount: '100' } as unknown as Stripe.Charge
  const nullCurrency = { ...charge(at - 97), currency: null } as unknown as Stripe.Charge
  const decimalAmount = { ...charge(at - 96), amount: 10.5 } as unknown as Stripe.Charge
  return { nulKey, surrogate, malformed: [stringAmount, nullCurrency, decimalAmount] }
}

describe('one bad object never stops the sync', () => {
  it.each([
    ['newest first', { limit: '50' }],
    ['limit all', {}],
    ['incremental', { incremental: 'true' }]
  ])('%s: cleans what it can, quarantines the rest by id, counts it, and stores everything else', async (_name, inputs) => {
    const good = generateCharges({ count: 40, seed: 3, from: world.clock - 2 * DAY, to: world.clock - 3600, livemode: false })
    const { nulKey, surrogate, malformed } = poison(world.clock - 1800)
    // A row Postgres itself refuses, even cleaned: the user's own constraint on the table.
    const refused = charge(world.clock - 1700, { description: 'refused by a constraint' })
    world.stripe.addCharges([...good, nulKey, surrogate, ...malformed, refused])
    await withClient(world.db.url, async (c) => {
      await c.query(`CREATE SCHEMA "${world.schema}"`)
      await c.query(
        `CREATE TABLE "${world.schema}".processed_charges (charge_id text, description text CHECK (description IS DISTINCT FROM 'refused by a constraint'))`
      )
    })
    const { io } = await run(inputs)
    expect(io.failed).toBeUndefined()
    expect(io.outputs.rejected_count).toBe('4')
    for (const bad of [...malformed, refused]) expect(io.warnings.join('\n')).toContain(`Quarantined charge ${bad.id} in stripe_sync_rejects`)
    const rows = await readTable(world.db.url, world.schema)
    const ids = new Set(rows.map((r) => r.charge_id))
    for (const c of [...good, nulKey, surrogate]) expect(ids.has(c.id)).toBe(true)
    for (const c of [...malformed, refused]) expect(ids.has(c.id)).toBe(false)
    const stored = rows.find((r) => r.charge_id === nulKey.id)!
    expect(stored.metadata).toEqual({ orderid: 'xy' })
    expect(rows.find((r) => r.charge_id === surrogate.id)!.description).toBe('half an emoji \uFFFD here')
    // Totals count valid USD charges only: the string "100" is never concatenated in.
    const usd = [...good, nulKey, surrogate].filter((c) => c.currency === 'usd').reduce((n, c) => n + c.amount, 0)
    expect(io.outputs.total_amount_cents).toBe(String(usd))
    const rejects = await withClient(world.db.url, (c) =>
      c.query(`SELECT object_id, reason, raw FROM "${world.schema}".stripe_sync_rejects ORDER BY object_id`)
    )
    expect(rejects.rows.map((r) => r.object_id).sort()).toEqual([...malformed, refused].map((c) => c.id).sort())
    expect(rejects.rows.find((r) => r.object_id === malformed[0]!.id)!.reason).toMatch(/amount is not a whole number of minor units \("100"\)/)
    expect(rejects.rows.find((r) => r.object_id === refused.id)!.reason).toMatch(/Postgres refused it: .*check constraint/)

    // Fixed in Stripe (and the constraint dropped): the next run stores them and marks them resolved.
    for (const bad of malformed) world.stripe.updateCharge(bad.id, { amount: 700, currency: 'usd' })
    await withClient(world.db.url, (c) => c.query(`ALTER TABLE "${world.schema}".processed_charges DROP CONSTRAINT processed_charges_description_check`))
    world.clock += 3600
    const again = await run(inputs)
    expect(again.io.failed).toBeUndefined()
    const after = new Set((await readTable(world.db.url, world.schema)).map((r) => r.charge_id))
    for (const c of [...malformed, refused]) expect(after.has(c.id)).toBe(true)
    const open = await withClient(world.db.url, (c) =>
      c.query(`SELECT count(*)::int AS n FROM "${world.schema}".stripe_sync_rejects WHERE resolved_at IS NULL`)
    )
    expect(open.rows[0].n).toBe(0)
  })

  it('a replayed event carrying such values does not block incremental runs', async () => {
    world.stripe.addCharges(generateCharges({ count: 20, seed: 5, from: world.clock - DAY, to: world.clock - 3600 }))
    await run({ incremental: 'true' })
    const target = world.stripe.allCharges()[3]!
    world.clock += 600
    const changed = world.stripe.updateCharge(target.id, { metadata: { 'k\u0000ey': '\uDC00' } })
    world.stripe.emit('charge.updated', { ...changed, description: 'x\u0000\uD800' })
    world.clock += 60
    const { io } = await run({ incremental: 'true' })
    expect(io.failed).toBeUndefined()
    expect(io.outputs.charges_updated).toBe('1')
    const row = (await readTable(world.db.url, world.schema)).find((r) => r.charge_id === target.id)!
    expect(row.metadata).toEqual({ key: '\uFFFD' })
  })
})

describe('high-value alerts fire once per charge', () => {
  it('overlapping windows and re-runs alert nothing twice; a charge that succeeds later is alerted then; a dry run lists all', async () => {
    const big = charge(world.clock - 3 * 3600, { amount: 500_000 })
    const pending = charge(world.clock - 2 * 3600, { amount: 900_000, status: 'pending' })
    world.stripe.addCharges([...generateCharges({ count: 30, seed: 8, from: world.clock - DAY, to: world.clock - 7200 }), big, pending])
    const inputs = { 'created-after': '6h', 'high-value-threshold': 'usd:3000' }
    const first = await run(inputs)
    const qualifying = world.stripe
      .allCharges()
      .filter((c) => c.status === 'succeeded' && c.currency === 'usd' && c.amount >= 300_000 && c.created >= world.clock - 6 * 3600)
    expect(first.io.outputs.high_value_count).toBe(String(qualifying.length))
    expect(first.io.notices.some((n) => n.includes(big.id))).toBe(true)
    expect(first.io.notices.some((n) => n.includes(pending.id))).toBe(false)

    world.clock += 3600
    const second = await run(inputs)
    expect(second.io.outputs.high_value_count).toBe('0')
    expect(second.io.notices.filter((n) => n.startsWith('High-value'))).toEqual([])
    expect(second.io.summary).not.toContain('High-value charges')

    world.stripe.succeed(pending.id)
    world.clock += 60
    const third = await run(inputs)
    expect(JSON.parse(third.io.outputs.high_value_charges!).map((h: { id: string }) => h.id)).toEqual([pending.id])

    const dry = await run({ ...inputs, 'dry-run': 'true', 'created-after': '1d' })
    expect(Number(dry.io.outputs.high_value_count)).toBeGreaterThanOrEqual(2)
    expect(dry.io.summary).toContain('a dry run remembers nothing: every one that qualifies is listed')
    const alerted = await withClient(world.db.url, (c) =>
      c.query(`SELECT count(*)::int AS n FROM "${world.schema}".processed_charges WHERE alerted_at IS NOT NULL`)
    )
    expect(alerted.rows[0].n).toBe(qualifying.length + 1)
  })
})

describe('customer data is private where the run is public', () => {
  const email = 'jane.doe@example.com'
  const secretText = 'Therapy session for J. Doe'
  beforeEach(() => {
    world.stripe.addCharges([charge(world.clock - 600, { amount: 900_000, receipt_email: email, description: secretText })])
  })
  const everything = (io: ReturnType<typeof recorder>) => io.everything()

  it.each([
    ['unknown visibility: masked', undefined, undefined, 'j…@e….com'],
    ['public repository: masked', false, undefined, 'j…@e….com'],
    ['private repository: shown', true, undefined, email],
    ['hide, whatever the repository', true, 'hide', undefined]
  ] as const)('%s', async (_name, repositoryPrivate, mode, shown) => {
    const { io } = await run({ 'high-value-threshold': '1000', ...(mode ? { 'customer-details': mode } : {}) }, { repositoryPrivate })
    expect(io.failed).toBeUndefined()
    if (shown === email) {
      expect(everything(io)).toContain(email)
      expect(io.summary).toContain(secretText)
    } else {
      expect(everything(io)).not.toContain(email)
      expect(everything(io)).not.toContain(secretText)
      // Not even the domain: a business customer's domain names the client.
      expect([io.summary, ...io.notices, ...io.warnings].join('\n')).not.toContain('example.com')
      if (shown) expect(io.summary).toContain(shown)
    }
    // The database always has everything.
    const row = (await readTable(world.db.url, world.schema))[0]!
    expect([row.customer_email, row.description]).toEqual([email, secretText])
  })
})

describe('a public repository keeps the money private', () => {
  const amount = /\d(?:&nbsp;| )USD\b/
  const published = (io: ReturnType<typeof recorder>) => [io.summary, ...io.notices, ...io.warnings, ...io.logs].join('\n')

  it.each([
    ['public', false],
    ['unknown visibility', undefined]
  ] as const)('%s, default inputs: no amount in the summary, annotations or log; the outputs keep them', async (_name, repositoryPrivate) => {
    world.stripe.addCharges([
      charge(world.clock - 900, { amount: 1_234_567, receipt_email: 'cfo@bigclient-corp.com' }),
      charge(world.clock - 800, { amount: 4200 })
    ])
    const { io } = await run({ 'high-value-threshold': '1000' }, { repositoryPrivate })
    expect(io.failed).toBeUndefined()
    expect(io.summary.split('\n\n')[1]).toMatch(/^_Amounts are hidden because this repository.*`summary-amounts: show`/)
    expect(published(io)).not.toMatch(amount)
    expect(published(io)).not.toContain('12,345.67')
    expect(published(io)).not.toContain('bigclient-corp')
    expect(io.notices.join('\n')).toContain('High-value charge ch_')
    expect(io.outputs.total_amount_cents).toBe('1238767')
    expect(JSON.parse(io.outputs.high_value_charges!)[0].amount).toBe('12345.67')
  })

  it('private repository: amounts shown', async () => {
    world.stripe.addCharges([charge(world.clock - 900, { amount: 1_234_567 })])
    const { io } = await run({ 'high-value-threshold': '1000' }, { repositoryPrivate: true })
    expect(io.summary).toContain('12,345.67&nbsp;USD')
    expect(io.notices.join('\n')).toContain('12,345.67 USD')
    expect(io.summary).not.toContain('Amounts are hidden')
    expect(io.warnings).toEqual([])
  })

  it('a quarantine warning does not echo customer data, and is cut', async () => {
    const bad = { ...charge(world.clock - 700), currency: 'jane.secret@bigclient.com' } as unknown as Stripe.Charge
    world.stripe.addCharges([bad])
    const { io } = await run({ 'summary-amounts': 'show' }, { repositoryPrivate: false })
    const warning = io.warnings.find((w) => w.includes(`Quarantined charge ${bad.id}`))!
    expect(warning).toContain('currency is not a three-letter code ("j…@b….com")')
    expect(published(io)).not.toContain('bigclient')
    // The table keeps the whole value, for whoever can read the database.
    const rejects = await withClient(world.db.url, (c) => c.query(`SELECT reason FROM "${world.schema}".stripe_sync_rejects`))
    expect(rejects.rows[0].reason).toContain('jane.secret@bigclient.com')
  })

  it('amounts hidden: a quarantine warning quotes no value; an id of 100,000 characters is cut', async () => {
    const decimal = { ...charge(world.clock - 700), amount: '1234.50' } as unknown as Stripe.Charge
    const longId = { ...charge(world.clock - 690), id: `ch_${'9'.repeat(100_000)}`, amount: 10.5 } as unknown as Stripe.Charge
    world.stripe.addCharges([decimal, longId])
    const { io } = await run({}, { repositoryPrivate: false })
    const warnings = io.warnings.filter((w) => w.startsWith('Quarantined charge')).sort()
    expect(warnings).toEqual([
      `Quarantined charge ${decimal.id} in stripe_sync_rejects: amount is not a whole number of minor units (…). The sync goes on; later runs retry it.`,
      `Quarantined charge ch_${'9'.repeat(60)}… in stripe_sync_rejects: id is not a Stripe id (…). The sync goes on; later runs retry it.`
    ])
    expect(Math.max(...warnings.map((w) => w.length))).toBeLessThan(300)
    expect(published(io)).not.toMatch(/1234\.50|10\.5\b/)
    const rejects = await withClient(world.db.url, (c) => c.query(`SELECT reason FROM "${world.schema}".stripe_sync_rejects ORDER BY reason`))
    expect(rejects.rows.map((r) => r.reason)).toEqual([expect.stringContaining('"1234.50"'), expect.stringContaining('"ch_999')])
  })

  it('controls in text from Stripe (NUL, right-to-left overrides) never reach the summary or annotations', async () => {
    const rlo = '\u202E'
    for (const mode of ['show', 'mask'] as const) {
      world.stripe.addCharges([
        charge(world.clock - 900, { amount: 900_000, receipt_email: `${rlo}evil@example.com`, description: `Pay\u0000ment ${rlo}txt.exe\u2066x\u2069` }),
        charge(world.clock - 800, { amount: 800_000, receipt_email: 'mallory@example.com', description: 'plain' })
      ])
      const { io } = await run({ 'high-value-threshold': '1000', 'customer-details': mode, 'summary-amounts': 'show' }, { repositoryPrivate: true })
      expect(io.failed).toBeUndefined()
      const shown = [io.summary, ...io.notices, ...io.warnings, ...Object.values(io.outputs)].join('\n')
      // eslint-disable-next-line no-control-regex -- the controls are what must not be there
      expect(shown).not.toMatch(/[\u0000\u202A-\u202E\u2066-\u2069]/)
      if (mode === 'show') expect(io.summary).toContain('Payment txt.exex')
      // A masked email shows its first letter: a letter, not the override.
      else expect(io.summary).toContain('e…@e….com')
    }
  })

  it('customer-details: show on a public repository warns once that customer data is published', async () => {
    world.stripe.addCharges([charge(world.clock - 900, { receipt_email: 'jane@bigclient-corp.com' })])
    const { io } = await run({ 'customer-details': 'show' }, { repositoryPrivate: false })
    expect(io.warnings.filter((w) => /public/.test(w))).toEqual([expect.stringContaining('customer emails and descriptions (customer-details: show)')])
    expect(io.summary).toContain('jane@bigclient-corp.com')
  })
})

describe('passwords that look like ordinary text', () => {
  it.each(['1000', 'test', 'postgres', 'a'])('password %p: outputs, JSON and links stay intact, and it never shows as a password', async (password) => {
    const role = `spm_weak_${Math.random().toString(36).slice(2, 8)}`
    await withClient(world.db.url, (c) => c.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`))
    try {
      world.stripe.addCharges([charge(world.clock - 600, { amount: 100000 }), charge(world.clock - 500, { amount: 1000 })])
      const url = new URL(world.db.url)
      url.username = role
      url.password = password
      const { io } = await run({}, { url: url.toString() })
      expect(io.failed).toBeUndefined()
      expect(io.outputs.total_amount_cents).toBe('101000')
      expect(JSON.parse(io.outputs.totals!).usd.amount_minor).toBe(101000)
      expect(JSON.parse(io.outputs.result!).total_amount_usd).toBe(1010)
      expect(io.summary).toContain('https://dashboard.stripe.com/test/payments/')
      expect(io.everything()).not.toContain(`:${password}@`)
      // Not registered with the runner either: it would mask "1000" in every log line.
      expect(io.secrets).not.toContain(password)

      // A failure that prints the URL still hides the password.
      const bad = new URL(url)
      bad.port = '1'
      const failed = await run({}, { url: bad.toString() })
      expect(failed.io.failed).toMatch(/could not connect/)
      expect(failed.io.everything()).not.toContain(`:${password}@`)
    } finally {
      await withClient(world.db.url, async (c) => {
        await c.query(`DROP OWNED BY ${role}`)
        await c.query(`DROP ROLE ${role}`)
      })
    }
  })
})

describe('names, loops and keys', () => {
  it.each([
    [{ table: 'x'.repeat(63) }, /^Input `table`: "x{63}" is not a plain identifier of at most 48 characters/],
    [{ table: 'stripe_sync_state' }, /^Input `table`: "stripe_sync_state" is a name the action uses for its own table or view/],
    [{ table: 'stripe_payouts' }, /^Input `table`: "stripe_payouts" is a name the action uses/]
  ])('refuses %p before any request', async (inputs, message) => {
    const { io } = await run(inputs)
    expect(io.failed).toMatch(message)
    expect(world.stripe.requests).toHaveLength(0)
  })

  it('accepts the longest table name and creates every derived name', async () => {
    world.stripe.addCharges([charge(world.clock - 600)])
    const { io } = await run({ table: 'c'.repeat(48) })
    expect(io.failed).toBeUndefined()
    const names = await withClient(world.db.url, (c) =>
      c.query(`SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace WHERE nspname = $1 AND relname LIKE 'ccc%'`, [world.schema])
    )
    expect(names.rows.map((r) => r.relname).sort()).toEqual([
      `${'c'.repeat(48)}`,
      `${'c'.repeat(48)}_charge_id_key`,
      `${'c'.repeat(48)}_created_at_idx`,
      `${'c'.repeat(48)}_daily`,
      `${'c'.repeat(48)}_monitor_idx`,
      `${'c'.repeat(48)}_status_idx`
    ])
  })

  it("says clearly when the table name is another table's daily view", async () => {
    world.stripe.addCharges([charge(world.clock - 600)])
    await run()
    const { io } = await run({ table: 'processed_charges_daily' })
    expect(io.failed).toMatch(/"processed_charges_daily" is a view, not a table the action can write to\. Choose another name/)
  })

  it('stops with a clear error when a proxy repeats pages, instead of paging forever', async () => {
    await world.replaceStandIn({ ignoreCursor: true })
    world.stripe.addCharges(generateCharges({ count: 250, seed: 9, from: world.clock - DAY, to: world.clock - 60 }))
    const { io } = await run({ limit: '1000' })
    expect(io.failed).toMatch(/^Stripe returned the cursor object again when asked for the page after ch_\w+: the listing would never end/)
    expect(world.stripe.requests.length).toBeLessThan(5)
  })

  it('stops within a handful of requests when a proxy answers every listing with the same page, the window and cursor ignored', async () => {
    await world.replaceStandIn({ samePage: true })
    // Two years of charges: a whole-range backfill slices them into many windows, each asked on its own.
    world.stripe.addCharges(generateCharges({ count: 400, seed: 9, from: world.clock - 730 * DAY, to: world.clock - 60 }))
    const { io } = await run({ limit: 'all', incremental: 'true' })
    expect(io.failed).toMatch(
      /^Stripe returned (only objects outside the window asked|a page it had already returned|the cursor object again) .*\(GET \/v1\/charges\)/
    )
    expect(world.stripe.requests.filter((r) => r.path === '/v1/charges').length).toBeLessThan(20)
  })

  it('a wrong key creates nothing in the database', async () => {
    await world.replaceStandIn({ keys: ['sk_test_TheRightOne'] })
    const { io } = await run({ objects: 'all', incremental: 'true' })
    expect(io.failed).toMatch(/Stripe rejected the API key/)
    const exists = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
    expect(exists.rowCount).toBe(0)
  })
})
