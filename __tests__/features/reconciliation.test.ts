import { QUICKBOOKS_HEADER, XERO_HEADER, XERO_MAX_LINES, journalNumber, quickbooksFiles, xeroDate, xeroFiles } from '../../src/features/reconciliation/books.js'
import { textCell } from '../../src/features/reconciliation/csv.js'
import { PayoutReconciliation, reconciliation } from '../../src/features/reconciliation/feature.js'
import type { JournalRow } from '../../src/features/reconciliation/queries.js'
import { parseJournal } from '../../src/features/reconciliation/settings.js'
import { JOURNAL_ACCOUNTS } from '../../src/features/reconciliation/views.js'
import type { ObjectName } from '../../src/objects/registry.js'
import { seededRandom } from '../../test-support/fixtures.js'
import { T, charge, featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// Payout reconciliation: its inputs, its outputs, the payouts table of the summary, and the journal
// files as Xero and QuickBooks import them.

// Journal files as Xero and QuickBooks import them, checked against journals built here: ~140
// payouts over ~100 days in two currencies, each balanced, with a bank line equal to the payout.
const CODES = 'Bank=090, Sales=200, Refunds=210, Disputes=215, Stripe fees=404, Adjustments=405, Other Stripe activity=406, Stripe balance (unreconciled)=890'
const accounts = parseJournal('xero', CODES, 'Tax Exempt').journalAccounts.xero
const options = { accounts, taxRate: 'Tax Exempt' }

interface Payout {
  id: string
  currency: string
  date: string
  amount: bigint
}

function journals(): { payouts: Payout[]; lines: JournalRow[] } {
  const random = seededRandom(18)
  const payouts: Payout[] = []
  const lines: JournalRow[] = []
  for (let day = 0; day < 100; day++) {
    for (const currency of day % 3 === 0 ? ['usd'] : ['usd', 'gbp']) {
      if (payouts.length >= 140) break
      const id = `po_${(day * 7919 + currency.length).toString(36).padStart(6, '0')}${'X'.repeat(20)}${payouts.length}`
      const date = new Date(Date.UTC(2026, 7, 1) + day * 86400_000).toISOString().slice(0, 10)
      const sales = BigInt(Math.floor(random() * 5_000_000) + 10_000)
      const refunds = BigInt(Math.floor(random() * 200_000))
      const fees = BigInt(Math.floor(Number(sales) * 0.03))
      const disputes = day % 9 === 0 ? BigInt(Math.floor(random() * 100_000)) : 0n
      const amount = sales - refunds - fees - disputes
      payouts.push({ id, currency, date, amount })
      const line = (n: number, account: string, debit: bigint, credit: bigint): JournalRow => ({
        date,
        payout_id: id,
        account,
        debit_minor: String(debit),
        credit_minor: String(credit),
        currency,
        memo: `Stripe payout ${id} (12 transactions)`,
        ...{ line: n }
      })
      lines.push(line(1, 'Bank', amount, 0n), line(2, 'Sales', 0n, sales), line(3, 'Refunds', refunds, 0n), line(5, 'Stripe fees', fees, 0n))
      if (disputes > 0n) lines.push(line(4, 'Disputes', disputes, 0n))
    }
  }
  return { payouts, lines }
}

const parse = (content: string) =>
  content
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','))

describe('Xero manual journals', () => {
  const { payouts, lines } = journals()
  const files = xeroFiles(lines, options, 'stamp')

  it('has each paid payout exactly once, as one balanced journal, never split across files', () => {
    expect(payouts).toHaveLength(140)
    const seen = new Map<string, number>()
    for (const [i, file] of files.entries()) {
      const rows = parse(file.content)
      expect(rows[0]).toEqual([...XERO_HEADER])
      expect(rows.length).toBeLessThanOrEqual(XERO_MAX_LINES)
      const sums = new Map<string, bigint>()
      for (const [narration, , , , , amount] of rows.slice(1)) {
        const id = narration!.replace('Stripe payout ', '')
        expect(seen.get(id) ?? i).toBe(i)
        seen.set(id, i)
        sums.set(id, (sums.get(id) ?? 0n) + BigInt(amount!.replace('.', '')))
      }
      for (const sum of sums.values()) expect(sum).toBe(0n)
    }
    expect([...seen.keys()].sort()).toEqual(payouts.map((p) => p.id).sort())
    expect(files.length).toBeGreaterThan(2)
  })

  it('writes the bank line as the payout, dated its arrival without ambiguity, with codes from journal-accounts', () => {
    const codes = new Set(accounts.values())
    const rows = files.flatMap((f) => parse(f.content).slice(1))
    for (const p of payouts) {
      const bank = rows.find((r) => r[0] === `Stripe payout ${p.id}` && r[3] === '090')!
      expect(BigInt(bank[5]!.replace('.', ''))).toBe(p.amount)
      expect(bank[1]).toBe(xeroDate(p.date))
      expect(bank[1]).toMatch(/^\d{2} [A-Z][a-z]{2} \d{4}$/)
    }
    for (const r of rows) {
      expect(codes.has(r[3]!)).toBe(true)
      expect(r[4]).toBe('Tax Exempt')
    }
  })

  it('keeps one file set per currency', () => {
    for (const f of files)
      expect(
        new Set(
          parse(f.content)
            .slice(1)
            .map(() => f.currency)
        ).size
      ).toBe(1)
    expect(new Set(files.map((f) => f.currency))).toEqual(new Set(['usd', 'gbp']))
  })
})

describe('QuickBooks journal entries', () => {
  const { payouts, lines } = journals()
  const files = quickbooksFiles(lines, { accounts: new Map(), taxRate: '' }, 'stamp')

  it('one balanced journal per payout, numbered in at most 21 characters, unique', () => {
    const numbers = new Map<string, string>()
    for (const file of files) {
      const rows = parse(file.content)
      expect(rows[0]).toEqual([...QUICKBOOKS_HEADER])
      const sums = new Map<string, { d: bigint; c: bigint }>()
      for (const [no, date, , debit, credit, description] of rows.slice(1)) {
        expect(no!.length).toBeLessThanOrEqual(21)
        expect(date).toMatch(/^\d{2}\/\d{2}\/\d{4}$/)
        const id = /Stripe payout (\S+):/.exec(description!)![1]!
        expect(numbers.get(no!) ?? id).toBe(id)
        numbers.set(no!, id)
        const s = sums.get(no!) ?? { d: 0n, c: 0n }
        if (debit) s.d += BigInt(debit.replace('.', ''))
        if (credit) s.c += BigInt(credit.replace('.', ''))
        sums.set(no!, s)
      }
      for (const s of sums.values()) expect(s.d).toBe(s.c)
    }
    expect(numbers.size).toBe(payouts.length)
    expect(journalNumber('po_1234567890')).toBe('po_1234567890')
  })
})

describe('CSV cells from Stripe text', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1 555', "'+1 555"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['plain, with comma', '"plain, with comma"'],
    ['Stripe payout po_1', 'Stripe payout po_1']
  ])('%p is written inert as %p', (value, cell) => expect(textCell(value)).toBe(cell))
})

describe('journal inputs', () => {
  it('xero with an incomplete chart of accounts names journal-accounts and what is missing', () => {
    expect(() => parseJournal('xero', 'Bank=090, Sales=200', 'Tax Exempt')).toThrow(
      /^Input `journal-accounts`: journal-format xero needs an account code for every account a journal can use; missing: Refunds, Disputes/
    )
  })

  it.each([
    ['csv, xeor', 'Bank=1', /^Input `journal-format`: unknown format "xeor"/],
    ['quickbooks', 'Bnak=1', /^Input `journal-accounts`: unknown account "Bnak"/],
    ['quickbooks', 'Bank', /^Input `journal-accounts`: "Bank" is not Account=code/],
    ['quickbooks', 'Bank=1, bank=2', /^Input `journal-accounts`: Bank is given twice/]
  ])('%p / %p: an error naming the input', (format, mapping, error) => expect(() => parseJournal(format, mapping, 'Tax Exempt')).toThrow(error))

  it('quickbooks takes names, and unmapped accounts keep ours', () => {
    const { journalAccounts, journalFormats } = parseJournal('csv,quickbooks', 'Bank=Checking, Stripe fees=Bank charges', 'x')
    expect([...journalFormats]).toEqual(['csv', 'quickbooks'])
    expect(journalAccounts.quickbooks.get('Bank')).toBe('Checking')
    expect(journalAccounts.quickbooks.size).toBe(2)
    expect(JOURNAL_ACCOUNTS).toContain('Sales')
  })

  // The ways people write a mapping: a YAML block (one pair a line), semicolons, commas, or a mix.
  it.each([
    ['one pair a line', CODES.split(', ').join('\n') + '\n'],
    ['semicolons', CODES.split(', ').join('; ')],
    ['a mix, with blank lines and CRLF', CODES.split(', ').slice(0, 4).join(';\r\n\r\n') + ',\n' + CODES.split(', ').slice(4).join(' ;')]
  ])('%s: every pair read, the same as commas', (_name, text) => {
    expect(parseJournal('xero', text, 'Tax Exempt').journalAccounts.xero).toEqual(accounts)
  })

  it('a pair prefixed xero: or quickbooks: is for that book only, and wins over an unprefixed one', () => {
    const text = `${CODES}\nquickbooks: Sales=Sales Income\nQuickBooks: Bank=Business Checking ••1234\nxero: Stripe fees=404`
    const { journalAccounts } = parseJournal('xero, quickbooks', text, 'Tax Exempt')
    expect([journalAccounts.xero.get('Sales'), journalAccounts.xero.get('Bank'), journalAccounts.xero.get('Stripe fees')]).toEqual(['200', '090', '404'])
    expect([journalAccounts.quickbooks.get('Sales'), journalAccounts.quickbooks.get('Bank'), journalAccounts.quickbooks.get('Refunds')]).toEqual([
      'Sales Income',
      'Business Checking ••1234',
      '210'
    ])
  })

  it.each([
    ['xero', 'Bank: 090', /^Input `journal-accounts`: "Bank: 090" is not Account=code/],
    ['xero', `${CODES}; Sales=Sales Income`, /^Input `journal-accounts`: Sales is given twice/],
    [
      'xero, quickbooks',
      CODES.replace('Sales=200', 'Sales=Sales Income'),
      /"Sales Income" \(Sales\) is longer than a Xero account code can be \(10 characters\)\. Give each book its own/
    ],
    ['quickbooks', `Bank=${'x'.repeat(101)}`, /is longer than a QuickBooks account name can be \(100 characters\)/],
    ['quickbooks', `Bank=090\u0000`, /the value for Bank holds a control character/],
    ['quickbooks', `quickbooks: Bank=1; quickbooks: bank=2`, /Bank is given twice for QuickBooks/],
    ['quickbooks', 'Bank=1,'.repeat(600), /is 4200 characters long; at most 4000/]
  ])('%p / %p: refused, naming the input', (format, mapping, error) => expect(() => parseJournal(format, mapping, 'Tax Exempt')).toThrow(error))

  it('warns when no file this run writes uses the mapping, or a book it names', () => {
    const warnings: string[] = []
    parseJournal('csv', 'Bank=090', 'x', (m) => warnings.push(m))
    parseJournal('csv, quickbooks', 'Bank=Checking\nxero: Bank=090', 'x', (m) => warnings.push(m))
    parseJournal('csv, quickbooks', 'Bank=Checking', 'x', (m) => warnings.push(m))
    parseJournal('csv', '', 'x', (m) => warnings.push(m))
    expect(warnings).toEqual([
      'journal-accounts is set but no journal file this run writes uses it: the CSV keeps our account names. Add xero or quickbooks to journal-format.',
      'journal-accounts has xero: pairs, but journal-format writes no Xero file.'
    ])
  })
})

describe('the payouts in the summary and outputs', () => {
  const objects = 'charges, balance_transactions, payouts'
  /** A run that reconciled two payouts, one balanced and one not (read back as the view has them). */
  function run(inputs: Record<string, string> = {}) {
    const setup = setupOf({ objects, ...inputs })
    const report = reportOf(setup, [{ objects: [charge('ch_1', 1000, 'usd')] }])
    report.reported({ kind: 'payouts linked', report: { reconciled: ['po_1', 'po_2'], unlisted: [], transactions: 123 } })
    const feature = featureOf(report, PayoutReconciliation)
    feature.links = { reconciled: ['po_1', 'po_2'], unlisted: [], transactions: 123, balanced: 1, failed: 0 }
    feature.payouts = [
      {
        id: 'po_1',
        amount: 56_321_67,
        currency: 'usd',
        arrival_date: T,
        status: 'paid',
        livemode: false,
        balanced: true,
        charges: 61_835_42,
        refunds: -2_253_82,
        disputes: -1_251_24,
        fees: -2_008_69,
        other: 0,
        difference: 0,
        transactionCount: 120
      },
      {
        id: 'po_2',
        amount: 1_000_00,
        currency: 'usd',
        arrival_date: T,
        status: 'paid',
        livemode: false,
        balanced: false,
        charges: 1_100_00,
        refunds: 0,
        disputes: 0,
        fees: -50_00,
        other: 0,
        difference: -50_00,
        transactionCount: 3
      }
    ]
    return { setup, report, feature }
  }

  it('runs only when payouts are synced; its outputs keep their empty values otherwise', () => {
    const setup = setupOf({ objects: 'charges' })
    expect(setup.features.some((f) => f instanceof PayoutReconciliation)).toBe(false)
    const out = outputsOf(reportOf(setup, []))
    for (const declared of reconciliation.outputs) expect(out[declared.name]).toBe(declared.empty)
    expect(setupOf({ objects: 'payouts' }).features.some((f) => f instanceof PayoutReconciliation)).toBe(true)
  })

  it('reads the payouts the sync linked from the run', async () => {
    const { report, feature } = run()
    feature.links = undefined
    await feature.readBack(undefined, {
      now: new Date(),
      env: {},
      run: report,
      previousRuns: [],
      schedule: undefined,
      account: () => Promise.reject(new Error('the reconciliation does not ask where the account lives'))
    })
    expect(feature.links).toEqual({ reconciled: ['po_1', 'po_2'], unlisted: [], transactions: 123 })
    expect(outputsOf(report).payouts_reconciled).toBe('2')
  })

  it('has columns that add up: Charges + Refunds + Disputes + Fees (+ Other) = Amount', () => {
    const { setup, report, feature } = run()
    const md = summaryOf(setup, report)
    expect(md).toContain('- **Payouts:** 2 reconciled: 1 balanced, **1 not balanced**')
    // 61,835.42 − 2,253.82 − 1,251.24 − 2,008.69 = 56,321.67, the disputes in their own column.
    expect(md).toContain('| Arrival | Amount | Status | Charges | Refunds | Disputes | Fees | Balanced |')
    expect(md).toContain('| 56,321.67&nbsp;USD | paid | 61,835.42&nbsp;USD | -2,253.82&nbsp;USD | -1,251.24&nbsp;USD | -2,008.69&nbsp;USD | ✓ |')
    // An unbalanced payout says where the rest is.
    expect(md).toContain('✗ -50.00&nbsp;USD unexplained')
    // Other appears when a payout has adjustments, and still adds up.
    feature.payouts[0] = { ...feature.payouts[0]!, charges: 61_835_42 - 10_00, other: 10_00 }
    const withOther = summaryOf(setup, report)
    expect(withOther).toContain('| Charges | Refunds | Disputes | Fees | Other | Balanced |')
    expect(withOther).toContain(
      '| 56,321.67&nbsp;USD | paid | 61,825.42&nbsp;USD | -2,253.82&nbsp;USD | -1,251.24&nbsp;USD | -2,008.69&nbsp;USD | 10.00&nbsp;USD | ✓ |'
    )
    // One in transit is not reconciled yet, not unbalanced.
    feature.payouts[1] = { ...feature.payouts[1]!, status: 'in_transit', transactionCount: 0 }
    expect(summaryOf(setup, report)).toMatch(/\| in\\_transit \|[^\n]*\| — \|\n/)
  })

  it('with amounts hidden: statuses, counts and links only', () => {
    const { setup, report } = run({ 'summary-amounts': 'hide' })
    const md = summaryOf(setup, report)
    expect(md).toContain('| Arrival | Status | Transactions | Balanced |')
    expect(md).toContain('payouts/po_1')
    for (const figure of ['56,321.67', '61,835.42', '50.00']) expect(md).not.toContain(figure)
  })

  it('lists the payouts in its output, amounts in minor and major units', () => {
    const { report } = run()
    const [first] = JSON.parse(outputsOf(report).payouts!)
    expect(first).toEqual({
      id: 'po_1',
      amount: '56321.67',
      amount_minor: 56_321_67,
      currency: 'usd',
      arrival_date: '2026-11-20',
      status: 'paid',
      balanced: true
    })
    const objectsSynced: ObjectName[] = [...report.objects]
    expect(objectsSynced).toContain('payouts')
  })
})
