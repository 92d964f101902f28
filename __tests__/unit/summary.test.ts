import type Stripe from 'stripe'
import { InputError, parseJournal, parseThresholds } from '../../src/config.js'
import type { ObjectName } from '../../src/objects/registry.js'
import { RecurringRevenue } from '../../src/features/billing.js'
import { PayoutReconciliation } from '../../src/features/reconciliation.js'
import { DailyReport } from '../../src/features/daily-report.js'
import { HighValueCollector, thresholdMinor } from '../../src/features/high-value.js'
import { MAX_BARS, axisLabels, bucketize, mermaidBarChart, niceMax } from '../../src/report/chart.js'
import { RunReport } from '../../src/report/collect.js'
import { dashboardUrl } from '../../src/report/links.js'
import { majorToMinor } from '../../src/report/money.js'
import { buildOutputs } from '../../src/report/outputs.js'
import { maskEmail, privacy } from '../../src/report/privacy.js'
import { VISIBLE_ROWS, emailCell, escapeCell, renderSummary } from '../../src/report/summary.js'
import type { SummaryContext } from '../../src/report/view.js'
import type { ArrivalOrder } from '../../src/sync/run.js'
import { makeCharge } from '../../test-support/fixtures.js'
import { mermaidBlock, xychartProblems } from '../../test-support/mermaid.js'

const DAY = 86400
const T = Date.UTC(2026, 10, 20, 12) / 1000

type Spec = Parameters<typeof makeCharge>[0]
function charge(id: string, amount: number, currency: string, created = T, more: Partial<Spec> = {}): Stripe.Charge {
  return makeCharge({ id, created, amount, currency, status: 'succeeded', ...more })
}

/** A report as a run builds it: every charge observed as stored, alerted when it qualifies. */
function reportOf(charges: Stripe.Charge[], options: { threshold?: string; order?: ArrivalOrder; objects?: ObjectName[]; stored?: number } = {}): RunReport {
  const objects = options.objects ?? ['charges']
  const report = new RunReport(objects)
  // The run's features, as main.ts lists them: the daily report, high-value alerts when a threshold is set.
  report.features.push(new DailyReport({ ...config, objects }))
  if (options.threshold) report.features.push(new HighValueCollector(parseThresholds(options.threshold)!))
  const claimed = new Set(report.claim('charges', charges) ?? [])
  report.observe('charges', charges, options.order ?? 'newest-first', claimed)
  const p = report.of('charges')
  p.matched = charges.length
  p.scanned = charges.length
  p.pages = 1
  p.stored = options.stored ?? charges.length
  return report
}

const config: SummaryContext['config'] = {
  dryRun: false,
  statuses: new Set(['succeeded'] as const),
  limit: Infinity,
  createdGte: T - 6 * DAY,
  createdLt: T + DAY,
  schema: 'public',
  table: 'processed_charges',
  stripeAccount: undefined,
  incremental: false,
  objects: ['charges'],
  highValueThreshold: undefined,
  keyMode: 'test',
  customerDetails: 'show',
  summaryAmounts: 'show',
  amountsHiddenBecause: undefined,
  mrrDiscounts: 'forever'
}
/** The run's daily report (charges' totals, fees). */
const dailyOf = (report: RunReport) => report.features.find((f): f is DailyReport => f instanceof DailyReport)!

const ctx: SummaryContext = { config, privacy: privacy('show'), now: new Date((T + 2 * DAY) * 1000) }
const show = privacy('show')

describe('outputs', () => {
  it('match the seed job for a USD-only run', () => {
    const out = buildOutputs(reportOf([charge('ch_1', 100000, 'usd'), charge('ch_2', 50000, 'usd')]), { dryRun: false, privacy: show })
    expect(out.message).toBe('Successfully processed 2 Stripe charges')
    expect(out.total_amount_cents).toBe('150000')
    expect(out.total_amount_usd).toBe('1500.00')
    expect(out.charge_count).toBe('2')
    expect(out.charges_stored).toBe('2')
    expect(out.charges_updated).toBe('0')
    expect(out.currency).toBe('usd')
    expect(out.total_amount).toBe('1500.00')
    expect(JSON.parse(out.totals)).toEqual({
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
    expect(JSON.parse(out.result)).toEqual({
      message: 'Successfully processed 2 Stripe charges',
      total_amount_cents: 150000,
      total_amount_usd: 1500,
      charge_count: 2,
      charges_stored: 2,
      charges_updated: 0,
      totals: JSON.parse(out.totals),
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
    const out = buildOutputs(reportOf(charges), { dryRun: false, privacy: show })
    const usd = JSON.parse(out.totals).usd
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
    const out = buildOutputs(reportOf([charge('ch_1', 1234, 'usd'), charge('ch_2', 5000, 'jpy'), charge('ch_3', 1500, 'kwd')]), {
      dryRun: false,
      privacy: show
    })
    expect(out.total_amount_cents).toBe('1234')
    expect(out.total_amount_usd).toBe('12.34')
    expect(out.currency).toBe('mixed')
    expect(out.total_amount).toBe('')
    expect(JSON.parse(out.totals).jpy.amount).toBe('5000')
    expect(JSON.parse(out.totals).kwd.amount).toBe('1.500')
  })

  it('describe an empty dry run', () => {
    const out = buildOutputs(reportOf([]), { dryRun: true, privacy: show })
    expect(out.message).toBe('Dry run: found 0 Stripe charges; nothing stored')
    expect(out.currency).toBe('')
    expect(out.totals).toBe('{}')
    expect(JSON.parse(out.result).dry_run).toBe(true)
  })

  it('list every object in a multi-object message', () => {
    const report = reportOf([charge('ch_1', 100, 'usd')], { objects: ['charges', 'refunds', 'disputes'] })
    report.of('refunds').matched = 3
    report.of('disputes').matched = 1
    expect(buildOutputs(report, { dryRun: false, privacy: show }).message).toBe('Successfully processed 1 Stripe charges, 3 refunds and 1 dispute')
  })
})

describe('high-value alerts', () => {
  it('reads one amount, per-currency amounts, or both', () => {
    const t = parseThresholds('500, usd:1000, JPY:150000')!
    expect(t.all).toBe('500')
    expect(thresholdMinor(t, 'usd')).toBe(100000)
    expect(thresholdMinor(t, 'jpy')).toBe(150000)
    expect(thresholdMinor(t, 'eur')).toBe(50000)
    expect(thresholdMinor(parseThresholds('usd:10')!, 'eur')).toBeUndefined()
    expect(parseThresholds('')).toBeUndefined()
  })

  it.each(['abc', 'usd:', 'usd:-5', 'usd:1,usd:2', 'jpy:1.5', '100, 200', 'dollars:5', 'usd:1e3'])('rejects %p', (value) => {
    expect(() => parseThresholds(value)).toThrow(InputError)
  })

  it.each([
    ['1000', 'usd', 100000],
    ['1000', 'jpy', 1000],
    ['1000', 'kwd', 1000000],
    ['99.5', 'usd', 9950],
    ['99.5', 'jpy', 100],
    ['0.001', 'usd', 1],
    ['12.345', 'kwd', 12345]
  ])('majorToMinor(%s, %s) = %i', (major, currency, minor) => expect(majorToMinor(major, currency)).toBe(minor))

  it('alert succeeded charges at or above the threshold once; large failed charges are listed apart', () => {
    const hv = new HighValueCollector(parseThresholds('usd:100')!)
    const ok = charge('ch_ok', 10000, 'usd')
    const failed = charge('ch_failed', 900000, 'usd', T, { status: 'failed' })
    const pending = charge('ch_pending', 900000, 'usd', T, { status: 'pending' })
    expect(hv.claimIds([ok, failed, pending, charge('ch_small', 9999, 'usd')])).toEqual(['ch_ok'])
    hv.add(ok, 'newest-first', true)
    hv.add(ok, 'newest-first', false)
    hv.add(failed, 'newest-first', false)
    hv.add(pending, 'newest-first', false)
    expect(hv.count).toBe(1)
    expect(hv.failedCount).toBe(1)
    expect(hv.failed.map((c) => c.id)).toEqual(['ch_failed'])
  })

  it('keep the newest 50, flag the cut, and mask what is private', () => {
    const hv = new HighValueCollector(parseThresholds('usd:100')!)
    for (let i = 0; i < 80; i++)
      hv.add(charge(`ch_${i}`, 10000 + i, 'usd', T - i, { receipt_email: 'jane.doe@example.com', description: 'Plan' }), 'newest-first', true)
    expect(hv.count).toBe(80)
    expect(hv.kept).toHaveLength(50)
    expect(hv.truncated).toBe(true)
    expect(hv.entries(privacy('mask'))[0]).toEqual({
      id: 'ch_0',
      amount: '100.00',
      amount_minor: 10000,
      currency: 'usd',
      customer_email: 'j…@e….com',
      description: null,
      created: '2026-11-20T12:00:00Z',
      dashboard_url: 'https://dashboard.stripe.com/test/payments/ch_0'
    })
    expect(hv.entries(privacy('hide'))[0]!.customer_email).toBeNull()
    expect(hv.entries(privacy('show'))[0]!.description).toBe('Plan')
  })

  it('publish high_value_* outputs within size limits', () => {
    const long = 'x'.repeat(5000)
    const report = reportOf(
      Array.from({ length: 80 }, (_, i) => charge(`ch_${i}`, 20000, 'usd', T, { description: long, receipt_email: `${'e'.repeat(100_000)}@example.com` })),
      { threshold: 'usd:100' }
    )
    const out = buildOutputs(report, { dryRun: false, privacy: show })
    expect(out.high_value_count).toBe('80')
    expect(out.high_value_truncated).toBe('true')
    const list = JSON.parse(out.high_value_charges)
    expect(list).toHaveLength(50)
    expect([...list[0].description]).toHaveLength(200)
    expect(out.high_value_charges.length).toBeLessThan(30_000)
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
    ['[x](javascript:alert(1))', '\\[x\\](javascript\\:alert(1))'],
    ['*bold* _it_ `c`', '\\*bold\\* \\_it\\_ \\`c\\`'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    [null, '']
  ])('escapeCell(%p) = %p', (input, expected) => expect(escapeCell(input)).toBe(expected))

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
  const mixed = () => [
    charge('ch_a', 250000, 'usd', T, { amount_refunded: 50000, receipt_email: 'big@example.com' }),
    charge('ch_b', 1000, 'usd', T - DAY),
    charge('ch_c', 120000, 'jpy', T - 2 * DAY),
    charge('ch_d', 999, 'usd', T - 3 * DAY),
    charge('ch_e', 745_000_00, 'usd', T - 3 * DAY, { status: 'failed' })
  ]
  const allStatuses = { ...config, statuses: new Set(['succeeded', 'pending', 'failed'] as const) }

  it('opens with the headline: net received per currency, the period, new charges, refunds, failure rate', () => {
    const md = renderSummary(reportOf(mixed(), { stored: 5 }), { ...ctx, config: allStatuses })
    const first = md.split('\n\n')[1]!
    // Succeeded only: USD 2,500.00 + 10.00 + 9.99 − 500.00 refunded; the failed 745,000.00 is not money.
    expect(first).toBe('**Charged, net of refunds: 2,019.99 USD; 120,000 JPY** — Nov 14 – Nov 21, 2026 (UTC)')
    const facts = md.split('\n\n')[2]!
    // Short labelled parts, one a line; `·` no longer separates both facts and currencies.
    expect(facts).toBe('- **Charges:** 5 new; refunded 500.00 USD; failure rate 20 % (1 of 5)')
    expect(md.indexOf('Charged, net of refunds')).toBeLessThan(md.indexOf('Settings'))
    // Counts are written as people write them.
    const many = renderSummary(reportOf(mixed(), { stored: 12_345 }), { ...ctx, config: allStatuses })
    expect(many.split('\n\n')[2]).toMatch(/^- \*\*Charges:\*\* 12,345 new; /)
  })

  it('compares with the previous period of the same length when the table holds it', () => {
    const report = reportOf(mixed())
    dailyOf(report).previous = new Map([['usd', 180000]])
    const md = renderSummary(report, ctx)
    // (201999 − 180000) / 180000 = +12.2 %
    expect(md).toContain('USD +12 % vs the previous 7 days')
  })

  it('shows gross, refunded, net and failures per currency', () => {
    const md = renderSummary(reportOf(mixed()), { ...ctx, config: allStatuses })
    expect(md).toContain('| Currency | Succeeded | Gross | Refunded | Net | Failed |')
    expect(md).toContain('| USD | 3 | 2,519.99&nbsp;USD | 500.00&nbsp;USD | 2,019.99&nbsp;USD | 1 (745,000.00&nbsp;USD) |')
    expect(md).toContain('| JPY | 1 | 120,000&nbsp;JPY | 0&nbsp;JPY | 120,000&nbsp;JPY | 0 |')
  })

  it('draws the main currency per day over the window, saying what share it is', () => {
    const md = renderSummary(reportOf(mixed()), ctx)
    const block = mermaidBlock(md)!
    expect(xychartProblems(block)).toEqual([])
    // Window: from six days before T (Nov 14 12:00) to before T + 1 day (Nov 21 12:00): eight bars, both ends partial.
    expect(block).toContain('x-axis ["Nov 14*", "Nov 15", "Nov 16", "Nov 17", "Nov 18", "Nov 19", "Nov 20", "Nov 21*"]')
    expect(block).toContain('bar [0, 0, 0, 9.99, 0, 10, 2500, 0]')
    expect(md).toContain("USD is 75 % of this run's succeeded charges (3 of 4)")
    expect(md).toContain('* The run covers only part of this day.')
  })

  it('draws no chart for fewer than three buckets', () => {
    const md = renderSummary(reportOf([charge('ch_1', 100, 'usd')]), { ...ctx, config: { ...config, createdGte: T - 3600, createdLt: T + 3600 } })
    expect(mermaidBlock(md)).toBeUndefined()
  })

  it('lists high-value charges by size against their threshold, with short links', () => {
    const md = renderSummary(reportOf(mixed(), { threshold: 'usd:1000, jpy:100000' }), {
      ...ctx,
      config: { ...config, highValueThreshold: 'usd:1000, jpy:100000' }
    })
    const section = md.slice(md.indexOf('### High-value charges (2)'), md.indexOf('### Charges by currency'))
    // 2,500 USD is 2.5 × its threshold, 120,000 JPY 1.2 ×.
    expect(section.indexOf('2,500.00&nbsp;USD')).toBeLessThan(section.indexOf('120,000&nbsp;JPY'))
    expect(section).toContain(
      '| 2,500.00&nbsp;USD | `big@example.com` |  | 2026-11-20&nbsp;12:00 | [View ↗](https://dashboard.stripe.com/test/payments/ch_a) |'
    )
    expect(section).not.toContain('ch_b')
  })

  it('keeps at most 20 rows in view; the rest are folded', () => {
    const many = Array.from({ length: 100 }, (_, i) => charge(`ch_${i}`, 100, 'usd', T - i))
    const md = renderSummary(reportOf(many), ctx)
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

  it('masks emails and leaves descriptions out when customer details are masked', () => {
    const report = reportOf([charge('ch_1', 100, 'usd', T, { receipt_email: 'jane@example.com', description: 'Secret project' })])
    const md = renderSummary(report, { ...ctx, privacy: privacy('mask') })
    expect(md).toContain('`j…@e….com`')
    expect(md).not.toContain('jane@example.com')
    expect(md).not.toContain('example.com')
    expect(md).not.toContain('Secret project')
    expect(md).not.toContain('| Description |')
  })

  it('cuts descriptions and keeps money on one line', () => {
    const md = renderSummary(reportOf([charge('ch_long', 100, 'usd', T, { description: '🎉'.repeat(500) })]), ctx)
    const row = md.split('\n').find((l) => l.includes('ch_long'))!
    expect(row).toContain(`${'🎉'.repeat(39)}…`)
    expect(row).not.toContain('🎉'.repeat(40))
    expect(row).toContain('1.00&nbsp;USD')
  })

  it('stays under the size limit with huge emails, shortening every table together', () => {
    const many = Array.from({ length: 60 }, (_, i) => charge(`ch_${i}`, 500000, 'usd', T, { receipt_email: `${'a'.repeat(100_000)}${i}@example.com` }))
    const report = reportOf(many, { threshold: 'usd:100' })
    const md = renderSummary(report, { ...ctx, config: { ...config, highValueThreshold: 'usd:100' } }, String, 20_000)
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000)
  })

  it('says "up to date" in one line when nothing is new', () => {
    const report = reportOf([], { stored: 0, objects: ['charges', 'refunds'] })
    const md = renderSummary(report, {
      ...ctx,
      config: { ...config, objects: ['charges', 'refunds'], incremental: true },
      lastRunAt: new Date('2026-11-27T06:38:00Z')
    })
    expect(md.split('\n')[2]).toBe('Up to date — no new charges or refunds, and no changes, since 2026-11-27 06:38 UTC.')
    expect(Buffer.byteLength(md)).toBeLessThan(1000)
    expect(md).toContain('<details><summary>Settings</summary>')
  })

  it('says so in a dry run', () => {
    const md = renderSummary(reportOf([charge('ch_1', 100, 'usd')]), { ...ctx, config: { ...config, dryRun: true } })
    expect(md).toContain('_Dry run: nothing was written._')
    expect(md).toContain('| Dry run | yes: nothing was written |')
  })
})

describe('summary-amounts: hide', () => {
  /** A report with every money section: charges, a high-value one, fees, payouts, MRR and receivables. */
  function fullReport(): RunReport {
    const charges = Array.from({ length: 40 }, (_, i) =>
      charge(`ch_${i}`, 1000 + i * 3217, i % 3 === 0 ? 'eur' : 'usd', T - i * 3600 * 5, { amount_refunded: i % 7 === 0 ? 500 : 0 })
    )
    const report = reportOf(charges, { threshold: 'usd:50', objects: ['charges', 'balance_transactions', 'payouts', 'subscriptions', 'invoices'] })
    dailyOf(report).balance.set('usd', { count: 40, feeMinor: 3_912, netMinor: 120_345, grossMinor: 124_257 })
    const reconciliation = new PayoutReconciliation({ keyMode: 'test', stripeAccount: undefined, ...parseJournal('csv', '', 'Tax Exempt') })
    report.features.push(reconciliation)
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
    report.reconciled({ reconciled: ['po_1', 'po_2'], transactions: 123, balanced: 1, failed: 0 })
    const billing = new RecurringRevenue({ subscriptions: true, invoices: true, amounts: true })
    billing.mrr = [
      { currency: 'usd', mrr: 12_345_00, activeSubscriptions: 40, customers: 38, activeSubscribers: 36, trialingSubscriptions: 3, trialMrr: 297_00 }
    ]
    const month = (m: string, mrr: number) => ({
      month: m,
      currency: 'usd',
      mrr,
      newMrr: 900_00,
      reactivationMrr: 99_00,
      expansionMrr: 50_00,
      contractionMrr: 20_00,
      churnedMrr: 300_00,
      activeSubscribers: 36,
      churnedSubscribers: 2,
      subscriberChurnRate: '5.26'
    })
    billing.months = [month('2026-09-01', 11_000_00), month('2026-10-01', 11_716_00), month('2026-11-01', 12_345_00)]
    billing.topProducts = [
      { currency: 'usd', productId: 'prod_pro', name: 'Pro | *Plus* <b>', mrr: 9_000_00 },
      { currency: 'usd', productId: 'prod_x', name: null, mrr: 3_345_00 }
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
    report.features.push(billing)
    return report
  }
  const reconciliationOf = (report: RunReport) => report.features.find((f): f is PayoutReconciliation => f instanceof PayoutReconciliation)!
  const moneyPattern = /\d(?:&nbsp;| )(?:USD|EUR)\b/
  const full = { ...config, objects: ['charges', 'balance_transactions', 'payouts', 'subscriptions', 'invoices'] as ObjectName[], highValueThreshold: 'usd:50' }

  it('shows amounts, a chart and money tables that add up when amounts are shown', () => {
    const md = renderSummary(fullReport(), { ...ctx, config: full })
    expect(md).toMatch(moneyPattern)
    expect(md).toContain('```mermaid')
    // The payouts table adds up: 61,835.42 − 2,253.82 − 1,251.24 − 2,008.69 = 56,321.67, the disputes in their own column.
    expect(md).toContain('| Arrival | Amount | Status | Charges | Refunds | Disputes | Fees | Balanced |')
    expect(md).toContain('| 56,321.67&nbsp;USD | paid | 61,835.42&nbsp;USD | -2,253.82&nbsp;USD | -1,251.24&nbsp;USD | -2,008.69&nbsp;USD | ✓ |')
    // Other appears when a payout has adjustments, and still adds up.
    const adjusted = fullReport()
    const payouts = reconciliationOf(adjusted).payouts
    payouts[0] = { ...payouts[0]!, charges: 61_835_42 - 10_00, other: 10_00 }
    const withOther = renderSummary(adjusted, { ...ctx, config: full })
    expect(withOther).toContain('| Charges | Refunds | Disputes | Fees | Other | Balanced |')
    expect(withOther).toContain(
      '| 56,321.67&nbsp;USD | paid | 61,825.42&nbsp;USD | -2,253.82&nbsp;USD | -1,251.24&nbsp;USD | -2,008.69&nbsp;USD | 10.00&nbsp;USD | ✓ |'
    )
    // An unbalanced payout says where the rest is; one in transit is not reconciled yet, not unbalanced.
    expect(md).toContain('✗ -50.00&nbsp;USD unexplained')
    const transit = fullReport()
    const inTransit = reconciliationOf(transit).payouts
    inTransit[1] = { ...inTransit[1]!, status: 'in_transit', transactionCount: 0 }
    expect(renderSummary(transit, { ...ctx, config: full })).toMatch(/\| in\\_transit \|[^\n]*\| — \|\n/)
    // Two nets, named apart; the second says its currency.
    expect(md).toContain('**Charged, net of refunds:')
    expect(md).toContain('### Fees and net to your Stripe balance, in the settlement currency')
    expect(md).toContain('| USD | 40 | 1,242.57&nbsp;USD | 39.12&nbsp;USD | 1,203.45&nbsp;USD |')
    expect(md).not.toContain('Amounts are hidden')
  })

  it.each([
    ['public', 'because this repository is public'],
    ['unknown', "because this repository's visibility is unknown"],
    ['input', '(`summary-amounts: hide`)']
  ] as const)('leaves out every amount, chart value and total (hidden: %s), and says so first', (because, why) => {
    const md = renderSummary(fullReport(), { ...ctx, config: { ...full, summaryAmounts: 'hide', amountsHiddenBecause: because } })
    expect(md.split('\n\n')[1]).toContain(`Amounts are hidden ${why}`)
    if (because !== 'input') expect(md.split('\n\n')[1]).toContain('`summary-amounts: show`')
    expect(md).not.toMatch(moneyPattern)
    expect(md).not.toContain('mermaid')
    expect(md).not.toContain('usd:50')
    for (const figure of ['56,321.67', '12,345.00', '1,203.45', '4,000.00', '39.12']) expect(md).not.toContain(figure)
    // Counts, statuses, ids and percentages stay.
    expect(md).toContain('- **Charges:** 40 new')
    expect(md).toContain('- **Payouts:** 2 reconciled: 1 balanced, **1 not balanced**')
    expect(md).toContain('| Arrival | Status | Transactions | Balanced |')
    expect(md).toContain('payouts/po_1')
    expect(md).toContain('| Currency | Active subscribers | Active subscriptions | Trialing |')
    expect(md).toContain('| USD | 36 | 40 | 3 |')
    expect(md).not.toContain('Top products')
    expect(md).toContain('ch_0')
  })

  it('recurring revenue: MRR with subscribers and trials, a 12-month line chart, last month in one line, top products escaped', () => {
    const md = renderSummary(fullReport(), { ...ctx, config: full })
    expect(md).toContain('| Currency | MRR | Active subscribers | Active subscriptions | Trialing (MRR when they convert) |')
    expect(md).toContain('| USD | 12,345.00&nbsp;USD | 36 | 40 | 3 (+297.00&nbsp;USD) |')
    // A line per month end, the current month last.
    const chart = md.slice(md.indexOf('MRR at each month end, USD'))
    expect(chart).toContain('x-axis ["Sep 26", "Oct 26", "Nov 26"]')
    expect(chart).toMatch(/line \[11, 11\.72, 12\.35\]/)
    // Last month is the one before the current.
    expect(md).toContain(
      '**October 2026, USD:** +900.00 USD new, +99.00 USD reactivation, +50.00 USD expansion, −20.00 USD contraction, −300.00 USD churn; 5.26 % of subscribers churned.'
    )
    // Product names are the account's text: no table break, emphasis or HTML.
    expect(md).toContain('| Pro \\| \\*Plus\\* &lt;b&gt; | USD | 9,000.00&nbsp;USD |')
    expect(md).toContain('| prod\\_x | USD |')
    expect(md).toContain('forever coupons subtracted')
    expect(renderSummary(fullReport(), { ...ctx, config: { ...full, mrrDiscounts: 'none' } })).toContain('at list price (no discount subtracted)')
    // Movements that did not happen are left out; a month without any says so.
    const quiet = fullReport()
    const revenue = quiet.features.find((f): f is RecurringRevenue => f instanceof RecurringRevenue)!
    revenue.months = revenue.months.map((m) => ({ ...m, newMrr: 0, reactivationMrr: 0, expansionMrr: 0, contractionMrr: 0, subscriberChurnRate: null }))
    expect(renderSummary(quiet, { ...ctx, config: full })).toContain('**October 2026, USD:** −300.00 USD churn.')
    revenue.months = revenue.months.map((m) => ({ ...m, churnedMrr: 0 }))
    expect(renderSummary(quiet, { ...ctx, config: full })).toContain('**October 2026, USD:** no movement.')
  })
})
