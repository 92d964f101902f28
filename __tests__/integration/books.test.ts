import { readFileSync } from 'node:fs'
import { runAction } from '../../src/main.js'
import { FAST_RETRY, unpacedClock } from '../../test-support/fixtures.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { scratchDir } from '../../test-support/scratch.js'
import { accountWorld } from '../../test-support/world.js'

// The books: the journal of every reconciled payout as Xero and QuickBooks import it, and Stripe's
// itemized payout reconciliation report as a view, against a stand-in account of about 100 days
// whose payouts the test knows.
const DAY = 86400
const CODES = 'Bank=090, Sales=200, Refunds=210, Disputes=215, Stripe fees=404, Adjustments=405, Other Stripe activity=406, Stripe balance (unreconciled)=890'
const { world, account } = accountWorld('books', (clock) => ({
  count: 2_500,
  seed: 18,
  from: clock - 100 * DAY,
  to: clock - 3600,
  now: clock - 600,
  disputeRate: 0.03
}))

async function run(inputs: Record<string, string>) {
  const io = recorder({
    'stripe-secret-key': 'sk_test_Books18',
    'database-url': world.db.url,
    'stripe-api-base': world.stripe.url,
    schema: world.schema,
    objects: 'charges, balance_transactions, refunds, disputes, payouts',
    incremental: 'true',
    limit: 'all',
    status: 'all',
    'max-requests-per-second': '100',
    'max-total-requests-per-second': '100',
    ...inputs
  })
  await runAction(io, { env: { RUNNER_TEMP: scratchDir('books') }, now: world.now, retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true })
  return io
}

const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','))

describe('the books', () => {
  it('writes every paid payout once as a balanced Xero journal and a QuickBooks journal; the itemized view adds up', async () => {
    const io = await run({ 'journal-format': 'csv, xero, quickbooks', 'journal-accounts': CODES, 'journal-tax-rate': 'No VAT' })
    expect(io.failed).toBeUndefined()
    const paid = account().payouts.filter((p) => p.status === 'paid' && p.automatic)
    expect(paid.length).toBeGreaterThan(100)
    const files: string[] = JSON.parse(io.outputs.journal_files!)
    expect(files).toContain(io.outputs.journal_csv)

    const xero = files.filter((f) => f.includes('-xero-'))
    const seen = new Map<string, { file: string; sum: bigint; bank: bigint; date: string }>()
    const codes = new Set(CODES.split(', ').map((p) => p.split('=')[1]))
    for (const file of xero) {
      const lines = rows(file)
      expect(lines.length).toBeLessThanOrEqual(300)
      for (const [narration, date, , code, tax, amount] of lines.slice(1)) {
        const id = narration!.replace('Stripe payout ', '')
        const entry = seen.get(id) ?? { file, sum: 0n, bank: 0n, date: date! }
        expect(entry.file).toBe(file)
        entry.sum += BigInt(amount!.replace('.', ''))
        if (code === '090') entry.bank += BigInt(amount!.replace('.', ''))
        expect(codes.has(code)).toBe(true)
        expect(tax).toBe('No VAT')
        seen.set(id, entry)
      }
    }
    expect([...seen.keys()].sort()).toEqual(paid.map((p) => p.id).sort())
    for (const p of paid) {
      const entry = seen.get(p.id)!
      expect(entry.sum).toBe(0n)
      expect(entry.bank).toBe(BigInt(p.amount))
      const arrival = new Date(p.arrival_date * 1000)
      expect(entry.date).toBe(`${String(arrival.getUTCDate()).padStart(2, '0')} ${arrival.toUTCString().slice(8, 11)} ${arrival.getUTCFullYear()}`)
    }

    const quickbooks = files.filter((f) => f.includes('-quickbooks-'))
    const numbers = new Map<string, bigint>()
    for (const file of quickbooks) {
      for (const [no, , , debit, credit] of rows(file).slice(1)) {
        expect(no!.length).toBeLessThanOrEqual(21)
        numbers.set(no!, (numbers.get(no!) ?? 0n) + BigInt((debit || '0').replace('.', '')) - BigInt((credit || '0').replace('.', '')))
      }
    }
    expect(numbers.size).toBe(paid.length)
    for (const balance of numbers.values()) expect(balance).toBe(0n)

    // Stripe's itemized report in SQL: per payout, net sums to the payout; every charge line names its charge.
    const itemized = await withClient(world.db.url, (c) =>
      c.query(
        `SELECT automatic_payout_id AS id, sum(net_minor)::bigint AS net, count(*) FILTER (WHERE reporting_category = 'charge' AND charge_id IS NULL)::int AS orphan
           FROM "${world.schema}".stripe_payout_itemized GROUP BY 1`
      )
    )
    const byId = new Map(itemized.rows.map((r) => [r.id as string, r]))
    for (const p of paid) {
      expect(Number(byId.get(p.id)!.net)).toBe(p.amount)
      expect(byId.get(p.id)!.orphan).toBe(0)
    }
  })

  it('journal-format xero with an incomplete journal-accounts fails naming it, and creates nothing', async () => {
    const io = await run({ 'journal-format': 'xero', 'journal-accounts': 'Bank=090, Sales=200' })
    expect(io.failed).toMatch(/^Input `journal-accounts`: journal-format xero needs an account code for every account a journal can use; missing: Refunds/)
    expect(world.stripe.requests).toHaveLength(0)
    const schema = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
    expect(schema.rowCount).toBe(0)
  })
})
