import { DailyReport } from '../../src/features/daily-report/feature.js'
import { mermaidBlock, xychartProblems } from '../../test-support/mermaid.js'
import { DAY, T, charge, chargesReport, chargesSummary, featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// The daily report: the original job's outputs (totals per currency, `result`), the headline's net
// and its comparison, charges by currency, the chart and the charges recorded.

describe('the original job’s outputs', () => {
  it('match the seed job for a USD-only run', () => {
    const out = outputsOf(chargesReport([charge('ch_1', 100000, 'usd'), charge('ch_2', 50000, 'usd')]))
    expect(out.message).toBe('Successfully processed 2 Stripe charges')
    expect(out.total_amount_cents).toBe('150000')
    expect(out.total_amount_usd).toBe('1500.00')
    expect(out.charge_count).toBe('2')
    expect(out.charges_stored).toBe('2')
    expect(out.charges_updated).toBe('0')
    expect(out.currency).toBe('usd')
    expect(out.total_amount).toBe('1500.00')
    expect(JSON.parse(out.totals!)).toEqual({
      usd: {
        count: 2,
        amount_minor: 150000,
        amount: '1500.00',
        refunded_minor: 0,
        refunded: '0.00',
        net_minor: 150000,
        net: '1500.00',
        succeeded_count: 2,
        pending_count: 0,
        failed_count: 0,
        failed_amount_minor: 0,
        failed_amount: '0.00'
      }
    })
    expect(JSON.parse(out.result!)).toEqual({
      message: 'Successfully processed 2 Stripe charges',
      total_amount_cents: 150000,
      total_amount_usd: 1500,
      charge_count: 2,
      charges_stored: 2,
      charges_updated: 0,
      totals: JSON.parse(out.totals!),
      dry_run: false
    })
  })

  it('count money from succeeded charges only, with counts by status; total_amount_cents keeps the job meaning', () => {
    const charges = [
      charge('ch_s1', 10000, 'usd', T, { amount_refunded: 2500 }),
      charge('ch_s2', 5000, 'usd'),
      charge('ch_f', 745000, 'usd', T, { status: 'failed' }),
      charge('ch_p', 700, 'usd', T, { status: 'pending' })
    ]
    const out = outputsOf(chargesReport(charges, { status: 'all' }))
    const usd = JSON.parse(out.totals!).usd
    // Computed by hand from the four charges above.
    expect(usd).toMatchObject({
      count: 4,
      amount_minor: 15000,
      refunded_minor: 2500,
      net_minor: 12500,
      succeeded_count: 2,
      failed_count: 1,
      pending_count: 1,
      failed_amount_minor: 745000
    })
    expect(out.total_amount_cents).toBe(String(10000 + 5000 + 745000 + 700))
  })

  it('keep USD totals USD-only and report mixed currencies', () => {
    const out = outputsOf(chargesReport([charge('ch_1', 1234, 'usd'), charge('ch_2', 5000, 'jpy'), charge('ch_3', 1500, 'kwd')]))
    expect(out.total_amount_cents).toBe('1234')
    expect(out.total_amount_usd).toBe('12.34')
    expect(out.currency).toBe('mixed')
    expect(out.total_amount).toBe('')
    expect(JSON.parse(out.totals!).jpy.amount).toBe('5000')
    expect(JSON.parse(out.totals!).kwd.amount).toBe('1.500')
  })

  it('describe an empty dry run', () => {
    const out = outputsOf(chargesReport([], { 'dry-run': 'true' }), true)
    expect(out.message).toBe('Dry run: found 0 Stripe charges; nothing stored')
    expect(out.currency).toBe('')
    expect(out.totals).toBe('{}')
    expect(JSON.parse(out.result!).dry_run).toBe(true)
  })

  it('leave changed charges out of the period’s money', () => {
    const setup = setupOf()
    const report = reportOf(setup, [{ objects: [charge('ch_1', 100, 'usd')] }, { objects: [charge('ch_old', 999_00, 'usd')], changed: true }])
    expect(JSON.parse(outputsOf(report).totals!).usd.amount_minor).toBe(100)
  })

  it('add fees and net to the balance from balance transactions, payouts left out', () => {
    const setup = setupOf({ objects: 'charges, balance_transactions' })
    const txn = (id: string, amount: number, fee: number, type: string, category: string) => ({
      id,
      object: 'balance_transaction',
      amount,
      fee,
      net: amount - fee,
      currency: 'usd',
      created: T,
      type,
      reporting_category: category
    })
    const report = reportOf(setup, [
      { objects: [charge('ch_1', 10_000, 'usd')] },
      { name: 'balance_transactions', objects: [txn('txn_1', 10_000, 320, 'charge', 'charge'), txn('txn_po', -9_680, 0, 'payout', 'payout')] }
    ])
    expect(JSON.parse(outputsOf(report).totals!).usd).toMatchObject({ fee_minor: 320, balance_net_minor: 9_680 })
    expect(featureOf(report, DailyReport).balance.get('usd')).toEqual({ count: 2, feeMinor: 320, grossMinor: 10_000, netMinor: 9_680 })
  })
})

describe('its part of the summary', () => {
  const mixed = () => [
    charge('ch_a', 250000, 'usd', T, { amount_refunded: 50000, receipt_email: 'big@example.com' }),
    charge('ch_b', 1000, 'usd', T - DAY),
    charge('ch_c', 120000, 'jpy', T - 2 * DAY),
    charge('ch_d', 999, 'usd', T - 3 * DAY),
    charge('ch_e', 745_000_00, 'usd', T - 3 * DAY, { status: 'failed' })
  ]

  it('opens with the headline: net received per currency, the period, new charges, refunds, failure rate', () => {
    const md = chargesSummary(mixed(), { status: 'all' }, { stored: 5 })
    const first = md.split('\n\n')[1]!
    // Succeeded only: USD 2,500.00 + 10.00 + 9.99 − 500.00 refunded; the failed 745,000.00 is not money.
    expect(first).toBe('**Charged, net of refunds: 2,019.99 USD; 120,000 JPY** — Nov 14 – Nov 21, 2026 (UTC)')
    const facts = md.split('\n\n')[2]!
    // Short labelled parts, one a line; `·` no longer separates both facts and currencies.
    expect(facts).toBe('- **Charges:** 5 new; refunded 500.00 USD; failure rate 20 % (1 of 5)')
    expect(md.indexOf('Charged, net of refunds')).toBeLessThan(md.indexOf('Settings'))
    // Counts are written as people write them.
    const many = chargesSummary(mixed(), { status: 'all' }, { stored: 12_345 })
    expect(many.split('\n\n')[2]).toMatch(/^- \*\*Charges:\*\* 12,345 new; /)
  })

  it('compares with the previous period of the same length when the table holds it', () => {
    const setup = setupOf()
    const report = reportOf(setup, [{ objects: mixed() }])
    featureOf(report, DailyReport).previous = new Map([['usd', 180000]])
    // (201999 − 180000) / 180000 = +12.2 %
    expect(summaryOf(setup, report)).toContain('USD +12 % vs the previous 7 days')
  })

  it('shows gross, refunded, net and failures per currency', () => {
    const md = chargesSummary(mixed(), { status: 'all' })
    expect(md).toContain('| Currency | Succeeded | Gross | Refunded | Net | Failed |')
    expect(md).toContain('| USD | 3 | 2,519.99&nbsp;USD | 500.00&nbsp;USD | 2,019.99&nbsp;USD | 1 (745,000.00&nbsp;USD) |')
    expect(md).toContain('| JPY | 1 | 120,000&nbsp;JPY | 0&nbsp;JPY | 120,000&nbsp;JPY | 0 |')
  })

  it('draws the main currency per day over the window, saying what share it is', () => {
    const md = chargesSummary(mixed())
    const block = mermaidBlock(md)!
    expect(xychartProblems(block)).toEqual([])
    // Window: from six days before T (Nov 14 12:00) to before T + 1 day (Nov 21 12:00): eight bars, both ends partial.
    expect(block).toContain('x-axis ["Nov 14*", "Nov 15", "Nov 16", "Nov 17", "Nov 18", "Nov 19", "Nov 20", "Nov 21*"]')
    expect(block).toContain('bar [0, 0, 0, 9.99, 0, 10, 2500, 0]')
    expect(md).toContain("USD is 75 % of this run's succeeded charges (3 of 4)")
    expect(md).toContain('* The run covers only part of this day.')
  })

  it('draws no chart for fewer than three buckets', () => {
    const md = chargesSummary([charge('ch_1', 100, 'usd')], { 'created-after': String(T - 3600), 'created-before': String(T + 3600) })
    expect(mermaidBlock(md)).toBeUndefined()
  })

  it('masks emails and leaves descriptions out when customer details are masked', () => {
    const md = chargesSummary([charge('ch_1', 100, 'usd', T, { receipt_email: 'jane@example.com', description: 'Secret project' })], {
      'customer-details': 'mask'
    })
    expect(md).toContain('`j…@e….com`')
    expect(md).not.toContain('jane@example.com')
    expect(md).not.toContain('example.com')
    expect(md).not.toContain('Secret project')
    expect(md).not.toContain('| Description |')
  })

  it('cuts descriptions and keeps money on one line', () => {
    const md = chargesSummary([charge('ch_long', 100, 'usd', T, { description: '🎉'.repeat(500) })])
    const row = md.split('\n').find((l) => l.includes('ch_long'))!
    expect(row).toContain(`${'🎉'.repeat(39)}…`)
    expect(row).not.toContain('🎉'.repeat(40))
    expect(row).toContain('1.00&nbsp;USD')
  })

  it('hides every amount with summary-amounts: hide, keeping the counts', () => {
    const md = chargesSummary(mixed(), { status: 'all', 'summary-amounts': 'hide' })
    expect(md).not.toMatch(/\d(?:&nbsp;| )(?:USD|JPY)\b/)
    expect(md).not.toContain('mermaid')
    expect(md).toContain('| Currency | Succeeded | Pending | Failed |')
    expect(md).toContain('| USD | 3 | 0 | 1 |')
  })
})
