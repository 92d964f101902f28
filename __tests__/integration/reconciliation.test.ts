import { FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { readFileSync } from 'node:fs'
import type Stripe from 'stripe'
import { runAction } from '../../src/main.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { accountWorld } from '../../test-support/world.js'
import { scratchDir } from '../../test-support/scratch.js'
import {
  differences,
  expectedBalanceTransactionRow,
  expectedDisputeRow,
  expectedPayoutRow,
  expectedRefundRow,
  readRows,
  readTable,
  tableDifferences
} from '../../test-support/table.js'

// The money's whole path: charges, their balance transactions (fees, net), refunds, disputes and
// payouts, reconciled payout by payout, against a stand-in that serves a linked account.
const DAY = 86400

const { world, account } = accountWorld('recon', (clock) => ({
  count: 900,
  seed: 77,
  from: clock - 40 * DAY,
  to: clock - 600,
  now: clock - 300,
  disputeRate: 0.03
}))

async function run(inputs: Record<string, string> = {}, env: Record<string, string> = { RUNNER_TEMP: scratchDir('runner-temp') }) {
  const io = recorder({
    'stripe-secret-key': 'sk_test_Reconcile123',
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    objects: 'charges, balance_transactions, refunds, disputes, payouts',
    limit: 'all',
    status: 'all',
    'max-requests-per-second': '100',
    'max-total-requests-per-second': '100',
    ...inputs
  })
  const outcome = await runAction(io, { env, now: new Date(world.clock * 1000), retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
  return { io, outcome }
}

/** Every table equals what the stand-in serves now, column by column. */
async function tablesEqualStripe(): Promise<void> {
  expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])
  expect(
    differences(
      await readRows(world.db.url, world.schema, 'stripe_balance_transactions'),
      world.stripe.balanceTransactions.all(),
      'id',
      expectedBalanceTransactionRow
    )
  ).toEqual([])
  expect(differences(await readRows(world.db.url, world.schema, 'stripe_refunds'), world.stripe.refunds.all(), 'id', expectedRefundRow)).toEqual([])
  expect(differences(await readRows(world.db.url, world.schema, 'stripe_disputes'), world.stripe.disputes.all(), 'id', expectedDisputeRow)).toEqual([])
  expect(differences(await readRows(world.db.url, world.schema, 'stripe_payouts'), world.stripe.payouts.all(), 'id', expectedPayoutRow)).toEqual([])
}

interface Truth {
  count: number
  charges: number
  refunds: number
  disputes: number
  fees: number
  other: number
  net: number
}

/** A payout's reconciliation computed from the stand-in's own records, not through the view. */
function truthOf(payout: Stripe.Payout): Truth {
  const t: Truth = { count: 0, charges: 0, refunds: 0, disputes: 0, fees: 0, other: 0, net: 0 }
  for (const txn of world.stripe.payoutTransactions(payout.id)) {
    t.count += 1
    t.net += txn.net
    t.fees -= txn.fee
    if (txn.type === 'charge') t.charges += txn.amount
    else if (txn.type === 'refund' || txn.type === 'refund_failure') t.refunds += txn.amount
    else if (txn.reporting_category === 'dispute' || txn.reporting_category === 'dispute_reversal') t.disputes += txn.amount
    else if (txn.type === 'stripe_fee') t.fees += txn.amount
    else t.other += txn.amount
  }
  return t
}

async function reconciliation(): Promise<Map<string, Record<string, string | boolean | null>>> {
  const rows = await withClient(world.db.url, (c) => c.query(`SELECT * FROM "${world.schema}".stripe_payout_reconciliation`))
  return new Map(rows.rows.map((r) => [r.payout_id as string, r]))
}

describe('reconciliation', () => {
  it('backfills every object exactly, and every paid payout balances to the minor unit', async () => {
    const { io } = await run()
    expect(io.failed).toBeUndefined()
    await tablesEqualStripe()

    const paid = account().payouts.filter((p) => p.status === 'paid')
    expect(paid.length).toBeGreaterThan(20)
    const recon = await reconciliation()
    for (const payout of paid) {
      const row = recon.get(payout.id)!
      const truth = truthOf(payout)
      expect(truth.net).toBe(payout.amount)
      expect({
        balanced: row.balanced,
        count: Number(row.transaction_count),
        charges: Number(row.charges),
        refunds: Number(row.refunds),
        disputes: Number(row.disputes),
        fees: Number(row.fees),
        other: Number(row.other) + Number(row.adjustments),
        net: Number(row.transactions_net)
      }).toEqual({ balanced: true, ...truth })
    }
    // In transit: not reconciled, not balanced yet.
    for (const payout of account().payouts.filter((p) => p.status !== 'paid')) expect(recon.get(payout.id)!.balanced).toBe(false)
    expect(io.outputs.payouts_reconciled).toBe(String(paid.length))
  })

  it('keeps a journal whose debits equal its credits, payout by payout, and writes it as CSV', async () => {
    const { io } = await run({})
    const lines = await withClient(world.db.url, (c) =>
      c.query(`SELECT payout_id, account, debit_minor::bigint AS d, credit_minor::bigint AS c FROM "${world.schema}".stripe_journal`)
    )
    const sums = new Map<string, { d: number; c: number; bank: number }>()
    for (const l of lines.rows) {
      const s = sums.get(l.payout_id) ?? { d: 0, c: 0, bank: 0 }
      s.d += Number(l.d)
      s.c += Number(l.c)
      if (l.account === 'Bank') s.bank += Number(l.d)
      sums.set(l.payout_id, s)
    }
    const paid = account().payouts.filter((p) => p.status === 'paid')
    expect(sums.size).toBe(paid.length)
    for (const payout of paid) {
      const s = sums.get(payout.id)!
      expect(s.d).toBe(s.c)
      expect(s.bank).toBe(payout.amount)
    }
    // Sales are credited with exactly the charges each payout paid out.
    const sales = lines.rows.filter((l) => l.account === 'Sales' && l.payout_id === paid[0]!.id)
    expect(Number(sales[0]!.c)).toBe(truthOf(paid[0]!).charges)

    // The memo counts the payout's transactions as people write them: 1 transaction, 2 transactions.
    const memos = await withClient(world.db.url, (c) =>
      c.query(
        `SELECT DISTINCT j.memo, r.payout_id, r.transaction_count::int AS n FROM "${world.schema}".stripe_journal j JOIN "${world.schema}".stripe_payout_reconciliation r USING (payout_id)`
      )
    )
    for (const m of memos.rows) expect(m.memo).toBe(`Stripe payout ${m.payout_id} (${m.n} transaction${m.n === 1 ? '' : 's'})`)
    const csv = readFileSync(io.outputs.journal_csv!, 'utf8').trim().split('\r\n')
    expect(csv[0]).toBe('date,journal,account,debit,credit,currency,memo')
    expect(csv.length - 1).toBe(lines.rowCount)
    expect(csv.find((l) => l.includes(paid[0]!.id) && l.includes(',Bank,'))).toMatch(
      new RegExp(`,Bank,${(paid[0]!.amount / 100).toFixed(2)},,USD|,Bank,${(paid[0]!.amount / 100).toFixed(2)},,GBP`)
    )
  })

  it('gives each charge its fee and net, and totals gain fees per currency', async () => {
    const { io } = await run()
    const fees = await withClient(world.db.url, (c) =>
      c.query(`SELECT charge_id, settlement_currency, fee::bigint AS fee, net::bigint AS net, exchange_rate FROM "${world.schema}".stripe_charge_fees`)
    )
    const bts = new Map(account().balanceTransactions.map((t) => [t.id, t]))
    const succeeded = account().charges.filter((c) => c.status === 'succeeded')
    expect(fees.rowCount).toBe(succeeded.length)
    for (const row of fees.rows) {
      const charge = succeeded.find((c) => c.id === row.charge_id)!
      const txn = bts.get(charge.balance_transaction as string)!
      expect([row.settlement_currency, Number(row.fee), Number(row.net)]).toEqual([txn.currency, txn.fee, txn.net])
      expect(row.exchange_rate === null ? null : Number(row.exchange_rate)).toBe(txn.exchange_rate)
    }
    const totals = JSON.parse(io.outputs.totals!)
    const usdFees = account()
      .balanceTransactions.filter((t) => t.currency === 'usd')
      .reduce((n, t) => n + t.fee, 0)
    expect(totals.usd.fee_minor).toBe(usdFees)
    expect(io.summary).toContain('### Fees and net to your Stripe balance, in the settlement currency')
    expect(io.summary).toContain('### Payouts')
  })

  it('replays events: a failed refund, disputes won and lost, a failed payout', async () => {
    await run({ incremental: 'true' })
    world.clock += 3600
    const refund = account().refunds[0]!
    const [won, lost] = account().disputes
    const payout = account().payouts.find((p) => p.status === 'paid')!
    world.stripe.failRefund(refund.id)
    world.stripe.closeDispute(won!.id, 'won')
    world.stripe.closeDispute(lost!.id, 'lost')
    world.stripe.failPayout(payout.id)
    world.clock += 60
    const { io } = await run({ incremental: 'true' })
    expect(io.failed).toBeUndefined()
    await tablesEqualStripe()
    const refunds = await readRows(world.db.url, world.schema, 'stripe_refunds')
    expect(refunds.find((r) => r.id === refund.id)!.status).toBe('failed')
    const disputes = await readRows(world.db.url, world.schema, 'stripe_disputes')
    expect(disputes.find((d) => d.id === won!.id)!.status).toBe('won')
    expect(disputes.find((d) => d.id === lost!.id)!.status).toBe('lost')
    const row = (await reconciliation()).get(payout.id)!
    expect(row.status).toBe('failed')
    expect(row.balanced).toBe(false)
    expect(JSON.parse(io.outputs.payouts!).find((p: { id: string }) => p.id === payout.id)).toMatchObject({ status: 'failed', balanced: false })
    expect(io.summary).toMatch(/\| failed \|.*\| ✗ \|/)
  })

  it('brings pending balance transactions up to date without events or re-listing history', async () => {
    await run({ incremental: 'true' })
    const pending = async () => (await readRows(world.db.url, world.schema, 'stripe_balance_transactions')).filter((r) => r.status === 'pending').length
    expect(await pending()).toBeGreaterThan(10)
    world.clock += 3 * DAY
    const before = world.stripe.requests.length
    const { io } = await run({ incremental: 'true' })
    expect(io.failed).toBeUndefined()
    expect(await pending()).toBe(0)
    await tablesEqualStripe()
    // The stretch of pending transactions is listed once, not the account's history.
    const listed = world.stripe.requests.slice(before).filter((r) => r.path === '/v1/balance_transactions' && r.query.payout === undefined)
    expect(listed.length).toBeLessThan(10)
  })

  it('an idle incremental run of every object is cheap and says "up to date"', async () => {
    await run({ incremental: 'true' })
    // A run a minute: several runs make it a schedule (one interval that short could be runs by hand).
    for (let n = 0; n < 3; n++) {
      world.clock += 60
      await run({ incremental: 'true' })
    }
    world.clock += 60
    const before = world.stripe.requests.length
    const { io } = await run({ incremental: 'true' })
    expect(io.failed).toBeUndefined()
    // One read of the change stream for every object, and nothing to list.
    const made = world.stripe.requests.slice(before)
    expect(made.map((r) => r.path)).toEqual(['/v1/events'])
    expect(io.outputs.stripe_requests).toBe('1')
    expect(io.summary).toContain('Up to date — no new charges, balance transactions, refunds, disputes or payouts, and no changes, since')
    // A minute apart, one request a run is about 43,200 a month: the summary says so, and warns.
    expect(io.summary).toContain(
      '1 Stripe API request this run (retries included); about 43,200 a month at 1 request a run every 1 min (the median of the last 4 intervals and runs)'
    )
    expect(io.warnings.join('\n')).toContain('more than 10,000, the smallest monthly read allocation')
  })

  it('refuses an unknown object before any request', async () => {
    const { io } = await run({ objects: 'charges, foo' })
    expect(io.failed).toBe(
      'Input `objects`: unknown object "foo". Expected charges, balance_transactions, refunds, disputes, payouts, customers, subscriptions, invoices, products, prices, coupons, application_fees, transfers, payment_intents, checkout_sessions, a comma-separated list of them, or all.'
    )
    expect(world.stripe.requests).toHaveLength(0)
  })
})
