import { OBJECTS } from '../../src/objects/registry.js'
import { RecurringRevenue } from '../../src/features/billing/feature.js'
import { DailyReport } from '../../src/features/daily-report/feature.js'
import { PayoutReconciliation } from '../../src/features/reconciliation/feature.js'
import { MAX_BARS, axisLabels, bucketize, mermaidBarChart, niceMax } from '../../src/report/chart.js'
import { dashboardUrl } from '../../src/report/links.js'
import { maskEmail, privacy } from '../../src/report/privacy.js'
import { markdownSafe } from '../../src/report/markdown.js'
import { VISIBLE_ROWS, emailCell, escapeCell } from '../../src/report/summary.js'
import { xychartProblems } from '../../test-support/mermaid.js'
import { DAY, T, charge, chargesSummary, featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// The summary's framework: privacy, table cells, charts, folding long tables, GitHub's size limit,
// the one line of an idle run, and what the whole summary hides when amounts are hidden. Each
// feature's own part is tested in __tests__/features/.

describe('the run message', () => {
  it('lists every object in a multi-object message', () => {
    const setup = setupOf({ objects: 'charges, refunds, disputes' })
    const report = reportOf(setup, [{ objects: [charge('ch_1', 100, 'usd')] }])
    report.of('refunds').matched = 3
    report.of('disputes').matched = 1
    expect(outputsOf(report).message).toBe('Successfully processed 1 Stripe charges, 3 refunds and 1 dispute')
  })
})

describe('privacy', () => {
  it.each([
    ['jane.doe@example.com', 'j…@e….com'],
    ['jane@secretclient-corp.com', 'j…@s….com'],
    ['Ünïcode.4@Éxample.org', 'Ü…@É….org'],
    ['x@localhost', 'x…@l…'],
    ['no-at-sign', '…']
  ])('masks %p as %p', (email, masked) => expect(maskEmail(email)).toBe(masked))

  it.each([
    ['mask', 'j…@b….com'],
    ['hide', '(email)']
  ] as const)('redacts emails and cuts free text (%s)', (mode, shown) => {
    const reason = 'Postgres refused it: value too long for type character varying(10): "jane.secret@bigclient.com"'
    const text = privacy(mode).text(reason, 200)
    expect(text).toContain(mode === 'mask' ? `"${shown}"` : '"…"')
    expect(text).not.toContain('bigclient')
    expect(text).not.toContain('jane.secret')
    expect([...privacy(mode).text(`${reason} ${'x'.repeat(500)}`, 120)]).toHaveLength(120)
  })

  it('shows free text as it is with customer-details: show (but cut)', () => {
    expect(privacy('show').text('"jane@bigclient.com"', 100)).toBe('"jane@bigclient.com"')
    expect(privacy('show').text('y'.repeat(300), 160)).toHaveLength(160)
  })
})

describe('cells', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['one\ntwo\r\nthree', 'one two three'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['[x](javascript:alert(1))', '\\[x\\](javascript:alert(1))'],
    ['*bold* _it_ `c`', '\\*bold\\* \\_it\\_ \\`c\\`'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    [null, '']
  ])('escapeCell(%p) = %p', (input, expected) => expect(escapeCell(input)).toBe(expected))

  it('makes text from Stripe inert wherever it goes: no mention, reference, HTML, link, bare URL, strike-through, bidi or table break', () => {
    const hostile =
      '@octocat #1 <img src=x onerror=alert(1)> [click](https://evil.example/phish) ~~gone~~ www.evil.example a|b \u202Eevil\u202C mail@evil.example'
    const safe = markdownSafe(hostile)
    const J = '\u2060'
    expect(safe).toBe(
      `@${J}octocat \\#${J}1 &lt;img src=x onerror=alert(1)&gt; \\[click\\](https:${J}//evil.example/phish) \\~\\~gone\\~\\~ www${J}.evil.example a\\|b evil mail@${J}evil.example`
    )
    // Nothing left that GitHub acts on: a mention, a reference, a tag, a link, a bare URL.
    expect(safe).not.toMatch(/@[a-z]|#\d|<[a-z]|[^\\]\]\(|https:\/\/|www\.|\u202E/i)
    expect(markdownSafe('x'.repeat(10_000), 200)).toHaveLength(200)
    expect(markdownSafe('line\nbreak\ttab')).toBe('line break tab')
  })

  it('shows emails as code spans, so GitHub cannot autolink part of them', () => {
    expect(emailCell('Ünïcode.4@example.org')).toBe('`Ünïcode.4@example.org`')
    expect(emailCell('a`b@x.io')).toBe('`` a`b@x.io ``')
    expect(emailCell('a|b@x.io')).toBe('`a\\|b@x.io`')
  })

  it('links to the Dashboard, test or live, connected account or not, ids encoded', () => {
    expect(dashboardUrl({ id: 'ch_1', livemode: false })).toBe('https://dashboard.stripe.com/test/payments/ch_1')
    expect(dashboardUrl({ id: 'ch_1', livemode: true })).toBe('https://dashboard.stripe.com/payments/ch_1')
    expect(dashboardUrl({ id: 'ch_1', livemode: true }, 'acct_9')).toBe('https://dashboard.stripe.com/acct_9/payments/ch_1')
    expect(dashboardUrl({ id: 'ch_1) [x](y', livemode: true })).toBe('https://dashboard.stripe.com/payments/ch_1)%20%5Bx%5D(y')
  })
})

describe('chart', () => {
  it('buckets by day up to MAX_BARS days, with empty days as zero, marking partial ends', () => {
    const day = Math.floor(T / DAY)
    const chart = bucketize(
      new Map([
        [day, 150000],
        [day - 2, 1]
      ]),
      day - 3,
      day,
      'usd',
      { partialStart: false, partialEnd: true }
    )
    expect(chart.unit).toBe('day')
    expect(chart.bars).toEqual([
      { label: 'Nov 17', value: 0, partial: false },
      { label: 'Nov 18', value: 0.01, partial: false },
      { label: 'Nov 19', value: 0, partial: false },
      { label: 'Nov 20', value: 1500, partial: true }
    ])
  })

  it('switches to weeks, then months, and never draws more than MAX_BARS bars', () => {
    const day = Math.floor(T / DAY)
    const daily = new Map<number, number>()
    for (let d = day - 2000; d <= day; d++) daily.set(d, 100)
    const weekly = bucketize(daily, day - 200, day, 'jpy')
    expect(weekly.unit).toBe('week')
    expect(weekly.bars.reduce((n, b) => n + b.value, 0)).toBe(201 * 100)
    const monthly = bucketize(daily, day - 2000, day, 'jpy')
    expect(monthly.unit).toBe('month')
    expect(monthly.bars).toHaveLength(MAX_BARS)
    expect(monthly.bars.at(-1)!.label).toBe('Nov 26')
    // The month the range ends inside is partial.
    expect(monthly.bars.at(-1)!.partial).toBe(true)
  })

  it('keeps axis labels short enough not to overlap: the month only where it changes', () => {
    const day = Math.floor(T / DAY) // Nov 20
    const daily = new Map<number, number>()
    for (let d = day - 400; d <= day; d++) daily.set(d, 100)
    const month = bucketize(daily, day - 19, day, 'usd', { partialStart: true, partialEnd: false })
    const labels = axisLabels(month)
    expect(labels.slice(0, 3)).toEqual(['Nov 1*', '2', '3'])
    expect(labels).toHaveLength(20)
    expect(labels.filter((l) => l.includes('Nov'))).toHaveLength(1)
    const crossing = axisLabels(bucketize(daily, day - 24, day, 'usd'))
    expect(crossing.slice(0, 7)).toEqual(['Oct 27', '28', '29', '30', '31', 'Nov 1', '2'])
    expect(Math.max(...crossing.map((l) => l.length))).toBeLessThanOrEqual(6)
    const monthly = axisLabels(bucketize(daily, day - 400, day, 'usd'))
    expect(monthly.length).toBeGreaterThan(12)
    expect(monthly.filter((l) => / \d\d/.test(l))).toEqual(['Oct 25*', 'Jan 26'])
    // Few bars keep full labels.
    expect(axisLabels(bucketize(daily, day - 3, day, 'usd'))).toEqual(['Nov 17', 'Nov 18', 'Nov 19', 'Nov 20'])
    expect(mermaidBarChart(month, 'usd')).toContain('x-axis ["Nov 1*", "2", "3", ')
  })

  it('renders valid xychart-beta with a visible colour, a scaled axis, dates with year and UTC', () => {
    const day = Math.floor(T / DAY)
    const block = mermaidBarChart(
      bucketize(
        new Map([
          [day, 123_456_789],
          [day - 1, 5_000_000]
        ]),
        day - 2,
        day,
        'usd',
        { partialStart: false, partialEnd: true }
      ),
      'usd'
    )
    expect(xychartProblems(block)).toEqual([])
    expect(block).toContain('"plotColorPalette": "#2f81f7"')
    expect(block).toContain('title "Succeeded gross per day, Nov 18 – Nov 20, 2026 (UTC)"')
    expect(block).toContain('x-axis ["Nov 18", "Nov 19", "Nov 20*"]')
    expect(block).toContain('y-axis "USD, thousands" 0 --> 2000')
    expect(block).toContain('bar [0, 50, 1234.57]')
  })

  it('the checker catches broken charts', () => {
    expect(xychartProblems('```mermaid\nxychart-beta\n    x-axis ["a", "b"]\n    y-axis "U" 0 --> 1\n    bar [1]\n```')).toContain('2 labels but 1 values')
    expect(xychartProblems('```mermaid\nxychart-beta\n    title unquoted\n    bar [1]\n```').length).toBeGreaterThan(0)
    expect(xychartProblems('```mermaid\n%%{init: {nope}}%%\nxychart-beta\n    x-axis ["a"]\n    y-axis "U" 0 --> 1\n    bar [1]\n```')).toContain(
      'the init directive is not JSON'
    )
  })

  it.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [1234, 2000],
    [0.3, 0.5],
    [99.9, 100]
  ])('niceMax(%p) = %p', (v, m) => expect(niceMax(v)).toBeCloseTo(m))
})

describe('the summary', () => {
  it('keeps at most 20 rows in view; the rest are folded', () => {
    const many = Array.from({ length: 100 }, (_, i) => charge(`ch_${i}`, 100, 'usd', T - i))
    const md = chargesSummary(many)
    let open = 0
    let visible = 0
    let inTable = false
    for (const line of md.split('\n')) {
      if (line.startsWith('<details>')) open++
      if (line.startsWith('</details>')) open--
      if (line.startsWith('| ') && !line.startsWith('| ---') && open === 0) {
        if (inTable) visible++
        inTable = true
      } else if (!line.startsWith('| ')) {
        inTable = false
      }
      expect(visible).toBeLessThanOrEqual(VISIBLE_ROWS + 10)
    }
    expect(md).toContain('<details><summary>80 more charges</summary>')
  })

  it('stays under the size limit with huge emails, shortening every table together', () => {
    const many = Array.from({ length: 60 }, (_, i) => charge(`ch_${i}`, 500000, 'usd', T, { receipt_email: `${'a'.repeat(100_000)}${i}@example.com` }))
    const setup = setupOf({ 'high-value-threshold': 'usd:100' })
    const md = summaryOf(setup, reportOf(setup, [{ objects: many }]), {}, 20_000)
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000)
  })

  it('says "up to date" in one line when nothing is new', () => {
    const setup = setupOf({ objects: 'charges, refunds', incremental: 'true', 'dry-run': 'false', 'database-url': 'postgres://u@h/d' })
    const md = summaryOf(setup, reportOf(setup, []), { lastRunAt: new Date('2026-11-27T06:38:00Z') })
    expect(md.split('\n')[2]).toBe('Up to date — no new charges or refunds, and no changes, since 2026-11-27 06:38 UTC.')
    expect(Buffer.byteLength(md)).toBeLessThan(1000)
    expect(md).toContain('<details><summary>Settings</summary>')
    // Every object: counted, not named, so the line stays a line; then the footer and the folded settings only.
    const all = setupOf({ objects: 'all', incremental: 'true', 'database-url': 'postgres://u@h/d' })
    const idle = summaryOf(all, reportOf(all, []), { lastRunAt: new Date('2026-11-27T06:38:00Z') }).split('\n')
    expect(idle[2]).toBe(`Up to date — nothing new or changed in the ${OBJECTS.length} objects synced since 2026-11-27 06:38 UTC.`)
    expect(idle.slice(3, idle.indexOf('<details><summary>Settings</summary>')).join('\n').trim()).toMatch(
      /^<sub>\d+ Stripe API requests? this run \(retries included\)\.<\/sub>$/
    )
  })

  it('says so in a dry run', () => {
    const md = chargesSummary([charge('ch_1', 100, 'usd')], { 'dry-run': 'true' })
    expect(md).toContain('_Dry run: nothing was written._')
    expect(md).toContain('| Dry run | yes: nothing was written |')
  })
})

describe('summary-amounts: hide', () => {
  const objects = 'charges, balance_transactions, payouts, subscriptions, invoices'
  /** A run with every money section: charges, a high-value one, fees, payouts, MRR and receivables. */
  function fullRun(inputs: Record<string, string> = {}) {
    const setup = setupOf({ objects, 'high-value-threshold': 'usd:50', ...inputs })
    const charges = Array.from({ length: 40 }, (_, i) =>
      charge(`ch_${i}`, 1000 + i * 3217, i % 3 === 0 ? 'eur' : 'usd', T - i * 3600 * 5, { amount_refunded: i % 7 === 0 ? 500 : 0 })
    )
    const report = reportOf(setup, [{ objects: charges }])
    featureOf(report, DailyReport).balance.set('usd', { count: 40, feeMinor: 3_912, netMinor: 120_345, grossMinor: 124_257 })
    const reconciliation = featureOf(report, PayoutReconciliation)
    reconciliation.payouts = [
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
      }
    ]
    reconciliation.links = { reconciled: ['po_1'], unlisted: [], transactions: 120, balanced: 1, failed: 0 }
    const billing = featureOf(report, RecurringRevenue)
    billing.mrr = [
      { currency: 'usd', mrr: 12_345_00, activeSubscriptions: 40, customers: 38, activeSubscribers: 36, trialingSubscriptions: 3, trialMrr: 297_00 }
    ]
    billing.receivables = [
      {
        currency: 'usd',
        openInvoices: 4,
        total: 4_000_00,
        current: 1_000_00,
        overdue1to30: 1_000_00,
        overdue31to60: 1_000_00,
        overdue61to90: 500_00,
        overdue90plus: 500_00
      }
    ]
    return summaryOf(setup, report)
  }
  const moneyPattern = /\d(?:&nbsp;| )(?:USD|EUR)\b/

  it('shows amounts, a chart and both nets, named apart, when amounts are shown', () => {
    const md = fullRun()
    expect(md).toMatch(moneyPattern)
    expect(md).toContain('```mermaid')
    expect(md).toContain('**Charged, net of refunds:')
    expect(md).toContain('### Fees and net to your Stripe balance, in the settlement currency')
    expect(md).toContain('| USD | 40 | 1,242.57&nbsp;USD | 39.12&nbsp;USD | 1,203.45&nbsp;USD |')
    expect(md).not.toContain('Amounts are hidden')
  })

  it.each([
    ['public', 'because this repository is public', {}],
    ['unknown', "because this repository's visibility is unknown", {}],
    ['private', '(`summary-amounts: hide`)', { 'summary-amounts': 'hide' }]
  ] as const)('leaves out every amount, chart value and total (a %s repository), and says so first', (visibility, why, inputs) => {
    const setup = setupOf({ objects, 'high-value-threshold': 'usd:50', ...inputs }, visibility)
    expect(setup.config.summaryAmounts).toBe('hide')
    const md = fullRun({ 'summary-amounts': 'hide' })
    const first = summaryOf(setup, reportOf(setup, [{ objects: [charge('ch_x', 100, 'usd')] }])).split('\n\n')[1]!
    expect(first).toContain(`Amounts are hidden ${why}`)
    if (visibility !== 'private') expect(first).toContain('`summary-amounts: show`')
    expect(md).not.toMatch(moneyPattern)
    expect(md).not.toContain('mermaid')
    expect(md).not.toContain('usd:50')
    for (const figure of ['56,321.67', '12,345.00', '1,203.45', '4,000.00', '39.12']) expect(md).not.toContain(figure)
    // Counts, statuses, ids and percentages stay.
    expect(md).toContain('- **Charges:** 40 new')
    expect(md).toContain('- **Payouts:** 1 reconciled, all balanced')
    expect(md).toContain('payouts/po_1')
    expect(md).toContain('| USD | 36 | 40 | 3 |')
    expect(md).toContain('payments/ch_0')
  })
})
