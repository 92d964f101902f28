import pg from 'pg'
import { runAction } from '../../src/main.js'
import { generateAccount } from '../../test-support/account.js'
import { addPlatform, type Platform } from '../../test-support/connect.js'
import { FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { scratchDir } from '../../test-support/scratch.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'

// Connect: a platform's own charges and those of its connected accounts, one of which revoked the
// platform's access; in one run, and across two shards running at once into one database.
const DAY = 86400
/** Connected accounts in most tests; the scale test has SCALE. */
const ACCOUNTS = 10
const SCALE = 60

let platform: Platform
/** A platform of `accounts` connected accounts, one of which revoked access, made afresh for each test. */
const platformWorld = (accounts: number) =>
  new World('connect', {
    setup: ({ stripe }) => {
      const now = Math.floor(Date.now() / 1000)
      platform = addPlatform(stripe, { accounts, maxCharges: 40, ownCharges: 120, revoked: 1, from: now - 20 * DAY, to: now - 60 })
    }
  })
let world: World

async function run(inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  // Journal files go to the runner's temp directory: a scratch one here.
  env = { RUNNER_TEMP: scratchDir('connect-temp'), ...env }
  const io = recorder({
    'stripe-secret-key': 'sk_test_Connect123',
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    'stripe-account': 'all',
    status: 'all',
    incremental: 'true',
    limit: 'all',
    'max-requests-per-second': '100',
    'max-total-requests-per-second': '100',
    ...inputs
  })
  const outcome = await runAction(io, { env, retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
  return { io, outcome }
}

async function storedCharges(): Promise<Map<string, string | null>> {
  const rows = await withClient(world.db.url, (c) => c.query(`SELECT charge_id, account_id FROM "${world.schema}".processed_charges`))
  return new Map(rows.rows.map((r) => [r.charge_id as string, r.account_id as string | null]))
}

/** Every charge of every reachable account, with the account it belongs to. */
function expectedCharges(): Map<string, string> {
  const want = new Map<string, string>()
  for (const c of platform.own) want.set(c.id, world.stripe.accountId)
  for (const [account, charges] of platform.accounts) if (!platform.revoked.includes(account)) for (const c of charges) want.set(c.id, account)
  return want
}

describe(`Connect at scale: ${SCALE} accounts`, () => {
  const scaled = platformWorld(SCALE)
  beforeEach(() => void (world = scaled))
  const ACCOUNTS = SCALE

  it("stores every reachable account's charges with its account_id, skips the revoked one by name, and an idle run costs at most 2 requests an account", async () => {
    const { io, outcome } = await run()
    expect(outcome.ok).toBe(true)
    expect(await storedCharges()).toEqual(expectedCharges())
    expect(io.outputs.accounts_synced).toBe(String(1 + ACCOUNTS - 1))
    const revoked = platform.revoked[0]!
    expect(JSON.parse(io.outputs.accounts_skipped!)).toEqual([{ id: revoked, reason: expect.stringContaining('account_invalid') }])
    expect(io.warnings.some((w) => w.includes(revoked) && w.includes('account_invalid'))).toBe(true)
    expect(io.summary).toContain(`### Accounts skipped (1)`)
    expect(io.summary).toContain('### Accounts by net, last 30 days')
    // Every request for a connected account carried its header; the platform's carried none.
    const accounts = new Set(world.stripe.requests.map((r) => r.stripeAccount))
    expect(accounts.size).toBe(ACCOUNTS + 1)

    const before = world.stripe.requests.length
    const idle = await run()
    expect(idle.outcome.ok).toBe(true)
    const requests = world.stripe.requests.slice(before)
    const perAccount = new Map<string, number>()
    for (const r of requests) perAccount.set(r.stripeAccount ?? 'platform', (perAccount.get(r.stripeAccount ?? 'platform') ?? 0) + 1)
    // The platform lists its accounts (GET /v1/account, one page of /v1/accounts) and reads its own events.
    expect([...perAccount].filter(([account, n]) => account !== 'platform' && n > 2)).toEqual([])
    // The platform: its id, one page of accounts, its own events.
    expect(perAccount.get('platform')).toBeLessThanOrEqual(2 + 1 + 1)
    expect(idle.io.outputs.stripe_requests).toBe(String(requests.length))
  })
})

describe('Connect: stripe-account all', () => {
  const small = platformWorld(ACCOUNTS)
  beforeEach(() => void (world = small))

  it('platform money: every application fee and transfer (refunds, reversals), stripe_platform_revenue per month, asked of the platform only', async () => {
    const { outcome } = await run({ objects: 'charges, application_fees, transfers' })
    expect(outcome.ok).toBe(true)
    const q = async (sql: string) => (await withClient(world.db.url, (c) => c.query(sql.replaceAll('$s', `"${world.schema}"`)))).rows
    const fees = await q('SELECT id, amount, amount_refunded, connected_account_id, charge_id, account_id FROM $s.stripe_application_fees')
    expect(fees.map((f) => [f.id, Number(f.amount), Number(f.amount_refunded), f.connected_account_id, f.charge_id, f.account_id]).sort()).toEqual(
      platform.fees.map((f) => [f.id, f.amount, f.amount_refunded, f.account, f.charge, world.stripe.accountId]).sort()
    )
    const refunds = await q('SELECT id, fee_id, amount FROM $s.stripe_application_fee_refunds')
    expect(refunds.map((r) => [r.id, r.fee_id, Number(r.amount)]).sort()).toEqual(
      platform.fees.flatMap((f) => f.refunds.data.map((r) => [r.id, f.id, r.amount])).sort()
    )
    const transfers = await q('SELECT id, amount, amount_reversed, destination_account_id FROM $s.stripe_transfers')
    expect(transfers.map((t) => [t.id, Number(t.amount), Number(t.amount_reversed), t.destination_account_id]).sort()).toEqual(
      platform.transfers.map((t) => [t.id, t.amount, t.amount_reversed, t.destination]).sort()
    )
    expect((await q('SELECT count(*)::int AS n FROM $s.stripe_transfer_reversals'))[0].n).toBe(platform.transfers.filter((t) => t.reversed).length)
    // Per month (UTC) and currency: fees, refunded, net — computed here from the account.
    const want = new Map<string, { fees: number; refunded: number; net: number }>()
    for (const f of platform.fees) {
      const key = `${new Date(f.created * 1000).toISOString().slice(0, 7)}-01 ${f.currency}`
      const e = want.get(key) ?? { fees: 0, refunded: 0, net: 0 }
      e.fees += f.amount
      e.refunded += f.amount_refunded
      e.net += f.amount - f.amount_refunded
      want.set(key, e)
    }
    const revenue = await q('SELECT month::text AS month, currency, application_fees, refunded, net FROM $s.stripe_platform_revenue')
    expect(
      new Map(revenue.map((r) => [`${r.month} ${r.currency}`, { fees: Number(r.application_fees), refunded: Number(r.refunded), net: Number(r.net) }]))
    ).toEqual(want)
    // Fees and transfers are the platform's: never asked of a connected account.
    const asked = world.stripe.requests.filter((r) => /^\/v1\/(application_fees|transfers)/.test(r.path))
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((r) => r.stripeAccount === undefined)).toBe(true)
  })

  it("connected accounts' payouts are reconciled per account, each with its account_id", async () => {
    const now = Math.floor(Date.now() / 1000)
    // Three accounts with money that moves: charges, fees, refunds, disputes and daily payouts.
    const money = [0, 1, 2].map((n) => {
      const account = generateAccount({ count: 150, seed: 50 + n, from: now - 15 * DAY, to: now - 2 * DAY, now, disputeRate: 0.03 })
      const id = `acct_1Money${n}`
      world.stripe.connect(id, now - 30 * DAY).addAccount(account)
      return { id, account }
    })
    const { outcome, io } = await run({ objects: 'charges, balance_transactions, payouts', 'stripe-account': money.map((m) => m.id).join(', ') })
    expect(io.failed).toBeUndefined()
    expect(outcome.ok).toBe(true)
    const rows = await withClient(world.db.url, (c) =>
      c.query(
        `SELECT r.payout_id, r.balanced, p.account_id FROM "${world.schema}".stripe_payout_reconciliation r
           JOIN "${world.schema}".stripe_payouts p ON p.id = r.payout_id WHERE r.status = 'paid'`
      )
    )
    const paid = money.flatMap((m) => m.account.payouts.filter((p) => p.status === 'paid' && p.automatic).map((p) => [p.id, m.id]))
    expect(paid.length).toBeGreaterThan(10)
    expect(rows.rows.map((r) => [r.payout_id, r.account_id]).sort()).toEqual(paid.sort())
    expect(rows.rows.every((r) => r.balanced === true)).toBe(true)
    expect(Number(io.outputs.payouts_reconciled)).toBe(paid.length)
    expect(io.outputs.accounts_synced).toBe('3')
  })

  it('new charges in one account arrive in the next run; rows of an earlier one-account run get the platform id', async () => {
    // A one-account run first: the platform's own charges, account_id NULL.
    const single = await run({ 'stripe-account': '' })
    expect(single.outcome.ok).toBe(true)
    expect([...(await storedCharges()).values()].every((a) => a === null)).toBe(true)
    const { outcome, io } = await run()
    expect(outcome.ok).toBe(true)
    expect(await storedCharges()).toEqual(expectedCharges())
    expect(io.logs.some((l) => l.includes(`Set account_id = ${world.stripe.accountId}`))).toBe(true)

    const [account] = [...platform.accounts.keys()]
    const child = world.stripe.connected.get(account!)!
    const now = Math.floor(Date.now() / 1000)
    const [fresh] = platform.own
      .slice(0, 1)
      .map((c) => ({ ...c, id: 'ch_3ConnectNewOne000000001', created: now - 5, status: 'succeeded' as const, amount: 987_654, currency: 'usd' }))
    child.createCharge(fresh!)
    // Runs list objects up to 5 s before they start (Stripe's lists settle): a second later it is in the window.
    await new Promise((r) => setTimeout(r, 1100))
    const next = await run({ 'high-value-threshold': 'usd:9000' })
    expect(next.outcome.ok).toBe(true)
    expect((await storedCharges()).get(fresh!.id)).toBe(account)
    // Its alert links to the connected account's dashboard.
    const alerts = JSON.parse(next.io.outputs.high_value_charges!) as Array<{ id: string; dashboard_url: string }>
    expect(alerts.find((a) => a.id === fresh!.id)?.dashboard_url).toBe(`https://dashboard.stripe.com/${account}/test/payments/${fresh!.id}`)
  })

  it('a quarantined object keeps its account, and is retried in that account only', async () => {
    const [account] = [...platform.accounts.keys()].filter((id) => !platform.revoked.includes(id) && platform.accounts.get(id)!.length > 0)
    const child = world.stripe.connected.get(account!)!
    const charge = platform.accounts.get(account!)![0]!
    child.charges.update(charge.id, { currency: 'not a currency' })
    const first = await run({ objects: 'charges' })
    expect(first.outcome.ok).toBe(true)
    const rejects = () =>
      withClient(world.db.url, async (c) => (await c.query(`SELECT object_id, account_id, resolved_at FROM "${world.schema}".stripe_sync_rejects`)).rows)
    expect(await rejects()).toEqual([{ object_id: charge.id, account_id: account, resolved_at: null }])

    child.charges.update(charge.id, { currency: 'usd' })
    const before = world.stripe.requests.length
    const second = await run({ objects: 'charges' })
    expect(second.outcome.ok).toBe(true)
    expect(second.io.warnings.filter((w) => w.includes(charge.id))).toEqual([])
    const retrieved = world.stripe.requests.slice(before).filter((r) => r.path === `/v1/charges/${charge.id}`)
    expect(retrieved.map((r) => r.stripeAccount)).toEqual([account])
    expect(await rejects()).toEqual([{ object_id: charge.id, account_id: account, resolved_at: expect.any(Date) }])
    expect((await storedCharges()).get(charge.id)).toBe(account)
  })

  it('two shards at once into one database: every charge once, every account synced by one shard', async () => {
    const env = { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '1' }
    const [a, b] = await Promise.all([run({ 'account-shard': '1/2' }, env), run({ 'account-shard': '2/2' }, env)])
    expect([a.outcome.ok, b.outcome.ok]).toEqual([true, true])
    expect(await storedCharges()).toEqual(expectedCharges())
    // Each account's events were read once, by one shard (the revoked one's refused once).
    const events = new Map<string, number>()
    for (const r of world.stripe.requests.filter((q) => q.path === '/v1/events'))
      events.set(r.stripeAccount ?? 'platform', (events.get(r.stripeAccount ?? 'platform') ?? 0) + 1)
    expect([...events.values()].every((n) => n === 1)).toBe(true)
    expect(events.size).toBe(ACCOUNTS + 1)
    const synced = Number(a.io.outputs.accounts_synced) + Number(b.io.outputs.accounts_synced)
    expect(synced).toBe(ACCOUNTS)
    const queue = await withClient(world.db.url, (c) => c.query(`SELECT account_id, shard, round, ok FROM "${world.schema}".stripe_sync_accounts`))
    expect(queue.rows.length).toBe(ACCOUNTS + 1)
    // Which shard takes which account is the scheduler's choice (a quick shard may take them all):
    // each account is recorded as taken by one shard, and each shard's count is what it says.
    const took = (shard: string) => queue.rows.filter((r) => r.shard === shard && r.ok).length
    expect([took('1/2'), took('2/2')]).toEqual([Number(a.io.outputs.accounts_synced), Number(b.io.outputs.accounts_synced)])
    expect(queue.rows.every((r) => r.round === 'run 4242.1')).toBe(true)
    expect(queue.rows.filter((r) => r.ok === false).map((r) => r.account_id)).toEqual(platform.revoked)
    // A second attempt of the workflow run is a new round: the shards sync every account again.
    const again = await Promise.all([
      run({ 'account-shard': '1/2' }, { ...env, GITHUB_RUN_ATTEMPT: '2' }),
      run({ 'account-shard': '2/2' }, { ...env, GITHUB_RUN_ATTEMPT: '2' })
    ])
    expect(Number(again[0].io.outputs.accounts_synced) + Number(again[1].io.outputs.accounts_synced)).toBe(ACCOUNTS)
  })

  it("a killed shard's account is taken by another: its locked row is skipped, then taken once the lock is gone", async () => {
    const round = (attempt: string) => ({ GITHUB_RUN_ID: '77', GITHUB_RUN_ATTEMPT: attempt })
    expect((await run({ 'account-shard': '1/1' }, round('1'))).outcome.ok).toBe(true)
    // A shard of the next round holds one account (mid-sync) when it is killed.
    const [held] = [...platform.accounts.keys()]
    const shard = new pg.Client({ connectionString: world.db.url })
    await shard.connect()
    await shard.query('BEGIN')
    await shard.query(`SELECT 1 FROM "${world.schema}".stripe_sync_accounts WHERE account_id = $1 FOR UPDATE`, [held])
    const other = await run({ 'account-shard': '1/2' }, round('2'))
    expect(other.io.outputs.accounts_synced).toBe(String(ACCOUNTS - 1))
    await shard.end()
    const late = await run({ 'account-shard': '2/2' }, round('2'))
    expect(late.io.outputs.accounts_synced).toBe('1')
    const rows = await withClient(world.db.url, (c) => c.query(`SELECT shard FROM "${world.schema}".stripe_sync_accounts WHERE account_id = $1`, [held]))
    expect(rows.rows[0].shard).toBe('2/2')
  })

  it('a dry run of every account fetches and reports, and writes nothing', async () => {
    const { outcome, io } = await run({ 'dry-run': 'true', incremental: 'false', 'database-url': '', limit: '5' })
    expect(outcome.ok).toBe(true)
    expect(io.outputs.accounts_synced).toBe(String(ACCOUNTS))
    expect(JSON.parse(io.outputs.accounts_skipped!)).toHaveLength(1)
    // The five newest of each reachable account.
    const reachable = [platform.own, ...[...platform.accounts].filter(([id]) => !platform.revoked.includes(id)).map(([, c]) => c)]
    expect(Number(io.outputs.charge_count)).toBe(reachable.reduce((n, c) => n + Math.min(5, c.length), 0))
    const tables = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
    expect(tables.rowCount).toBe(0)
  })

  it('a list whose every account revoked access fails naming them; nothing created', async () => {
    const [other] = [...platform.accounts.keys()]
    world.stripe.revoke(other!)
    const { outcome, io } = await run({ 'stripe-account': `${platform.revoked[0]}, ${other}` })
    expect(outcome.ok).toBe(false)
    expect(io.failed).toMatch(/^None of the 2 connected accounts in stripe-account could be synced: acct_\w+, acct_\w+ — .*account_invalid/)
    for (const id of [platform.revoked[0]!, other!]) expect(io.failed).toContain(id)
    expect(io.outputs.accounts_synced).toBe('0')
    expect(
      JSON.parse(io.outputs.accounts_skipped!)
        .map((s: { id: string }) => s.id)
        .sort()
    ).toEqual([platform.revoked[0], other].sort())
    const schema = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
    expect(schema.rowCount).toBe(0)
  })

  it('one revoked account named by stripe-account fails with what happened, not a missing permission', async () => {
    const { outcome, io } = await run({ 'stripe-account': platform.revoked[0]! })
    expect(outcome.ok).toBe(false)
    expect(io.failed).toContain('account_invalid')
    expect(io.failed).not.toContain('lacks the permission')
  })

  it('refuses a malformed account list and a shard without several accounts, before any request', async () => {
    expect((await run({ 'stripe-account': 'acct_1, nope' })).io.failed).toContain('Input `stripe-account`: "nope" is not a connected account id')
    expect((await run({ 'stripe-account': '', 'account-shard': '1/2' })).io.failed).toContain('Input `account-shard`')
    expect((await run({ 'account-shard': '3/2' })).io.failed).toContain('Input `account-shard`: "3/2" is not a shard')
    expect(world.stripe.requests).toHaveLength(0)
  })
})
