import type Stripe from 'stripe'
import { parseThresholds, InputError } from '../../src/config.js'
import { HighValueCollector, thresholdMinor } from '../../src/report/alerts.js'
import { MAX_BARS, bucketize, mermaidBarChart, niceMax } from '../../src/report/chart.js'
import { majorToMinor } from '../../src/report/money.js'
import { buildOutputs } from '../../src/report/outputs.js'
import { renderSummary, type SummaryContext } from '../../src/report/summary.js'
import { emptyProgress, recordPage } from '../../src/sync.js'
import { makeCharge } from '../../test-support/fixtures.js'
import { mermaidBlock, xychartProblems } from '../../test-support/mermaid.js'

const DAY = 86400
const T = Date.UTC(2026, 10, 20, 12) / 1000

const ctx: SummaryContext = {
  dryRun: false,
  statuses: new Set(['succeeded'] as const),
  limit: Infinity,
  createdGte: T - 6 * DAY,
  createdLt: T + DAY,
  schema: 'public',
  table: 'processed_charges',
  stripeAccount: undefined,
  runUrl: undefined
}

function charge(id: string, amount: number, currency: string, created = T, more: Partial<Parameters<typeof makeCharge>[0]> = {}): Stripe.Charge {
  return makeCharge({ id, created, amount, currency, status: 'succeeded', ...more })
}

describe('majorToMinor', () => {
  it.each([
    ['1000', 'usd', 100000],
    ['1000', 'jpy', 1000],
    ['1000', 'kwd', 1000000],
    ['99.5', 'usd', 9950],
    ['99.5', 'jpy', 100],
    ['0.001', 'usd', 1],
    ['12.345', 'kwd', 12345]
  ])('%s %s → %i', (major, currency, minor) => expect(majorToMinor(major, currency)).toBe(minor))
})

describe('high-value-threshold', () => {
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

  it('collects at-or-above charges, keeps the newest 50, flags the cut', () => {
    const hv = new HighValueCollector(parseThresholds('usd:100')!)
    const charges = Array.from({ length: 80 }, (_, i) => charge(`ch_${i}`, 10000 + i, 'usd', T - i))
    hv.add(charge('ch_small', 9999, 'usd'), 'newest-first')
    for (const c of charges) hv.add(c, 'newest-first')
    expect(hv.count).toBe(80)
    expect(hv.kept).toHaveLength(50)
    expect(hv.truncated).toBe(true)
    expect(hv.entries()[0]).toEqual({
      id: 'ch_0',
      amount: '100.00',
      amount_minor: 10000,
      currency: 'usd',
      customer_email: null,
      description: null,
      created: '2026-11-20T12:00:00Z',
      dashboard_url: 'https://dashboard.stripe.com/test/payments/ch_0'
    })
  })

  it('keeps the newest when charges arrive oldest first', () => {
    const hv = new HighValueCollector(parseThresholds('1')!)
    for (let i = 0; i < 60; i++) hv.add(charge(`ch_${i}`, 500, 'usd', T + i), 'oldest-first')
    expect(hv.kept[0]!.id).toBe('ch_59')
    expect(hv.kept.at(-1)!.id).toBe('ch_10')
  })

  it('publishes high_value_* outputs within size limits', () => {
    const p = emptyProgress()
    p.highValue = new HighValueCollector(parseThresholds('usd:100')!)
    const long = 'x'.repeat(5000)
    recordPage(p, 80, Array.from({ length: 80 }, (_, i) => charge(`ch_${i}`, 20000, 'usd', T, { description: long })), { inserted: 80, updated: 0 }, 'newest-first')
    const out = buildOutputs(p, false)
    expect(out.high_value_count).toBe('80')
    expect(out.high_value_truncated).toBe('true')
    const list = JSON.parse(out.high_value_charges!)
    expect(list).toHaveLength(50)
    expect(list[0].description).toHaveLength(200)
    expect(out.high_value_charges!.length).toBeLessThan(30_000)
  })
})

describe('chart', () => {
  it('buckets by day up to MAX_BARS days, with empty days as zero', () => {
    const day = Math.floor(T / DAY)
    const chart = bucketize(new Map([[day, 150000], [day - 2, 1]]), day - 3, day, 'usd')
    expect(chart.unit).toBe('day')
    expect(chart.bars).toEqual([
      { label: '11-17', value: 0 },
      { label: '11-18', value: 0.01 },
      { label: '11-19', value: 0 },
      { label: '11-20', value: 1500 }
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
    expect(monthly.bars.at(-1)!.label).toBe('2026-11')
  })

  it('renders valid xychart-beta', () => {
    const block = mermaidBarChart(bucketize(new Map([[100, 123456]]), 98, 100, 'kwd'), 'kwd')
    expect(xychartProblems(block)).toEqual([])
    expect(block).toContain('title "Daily gross, KWD"')
    expect(block).toContain('bar [0, 0, 123.456]')
    expect(block).toContain('y-axis "KWD" 0 --> 200')
  })

  it('the checker catches broken charts', () => {
    expect(xychartProblems('```mermaid\nxychart-beta\n    x-axis ["a", "b"]\n    y-axis "U" 0 --> 1\n    bar [1]\n```')).toContain('2 labels but 1 values')
    expect(xychartProblems('```mermaid\nxychart-beta\n    title unquoted\n    bar [1]\n```').length).toBeGreaterThan(0)
  })

  it.each([[0, 1], [1, 1], [3, 5], [1234, 2000], [0.3, 0.5], [99.9, 100]])('niceMax(%p) = %p', (v, m) => expect(niceMax(v)).toBeCloseTo(m))
})

describe('summary with reports', () => {
  function progress() {
    const p = emptyProgress()
    p.highValue = new HighValueCollector(parseThresholds('usd:1000, jpy:100000')!)
    const charges = [
      charge('ch_a', 250000, 'usd', T, { amount_refunded: 50000, receipt_email: 'big@example.com' }),
      charge('ch_b', 1000, 'usd', T - DAY),
      charge('ch_c', 120000, 'jpy', T - 2 * DAY),
      charge('ch_d', 999, 'usd', T - 3 * DAY)
    ]
    recordPage(p, 4, charges, { inserted: 4, updated: 0 }, 'newest-first')
    return p
  }

  it('shows gross, refunded and net per currency', () => {
    const md = renderSummary(progress(), { ...ctx, highValueThreshold: 'usd:1000, jpy:100000' })
    expect(md).toContain('| Currency | Charges | Gross | Refunded | Net |')
    expect(md).toContain('| USD | 3 | 2,519.99 USD | 500.00 USD | 2,019.99 USD |')
    expect(md).toContain('| JPY | 1 | 120,000 JPY | 0 JPY | 120,000 JPY |')
  })

  it('draws the main currency per day over the window', () => {
    const md = renderSummary(progress(), ctx)
    const block = mermaidBlock(md)!
    expect(xychartProblems(block)).toEqual([])
    expect(md).toContain("### Gross over time (USD, the run's most frequent currency)")
    // Window: from six days before T (11-14 12:00) to before T + 1 day (11-21 12:00): eight daily bars.
    expect(block).toContain('x-axis ["11-14", "11-15", "11-16", "11-17", "11-18", "11-19", "11-20", "11-21"]')
    expect(block).toContain('bar [0, 0, 0, 9.99, 0, 10, 2500, 0]')
  })

  it('lists high-value charges with links', () => {
    const md = renderSummary(progress(), { ...ctx, highValueThreshold: 'usd:1000, jpy:100000' })
    const section = md.slice(md.indexOf('### High-value charges (2)'), md.indexOf('### Charges recorded'))
    expect(section).toContain('Threshold: usd:1000, jpy:100000.')
    expect(section).toContain('| [ch_a](https://dashboard.stripe.com/test/payments/ch_a) | 2,500.00 USD | succeeded | big@example.com |')
    expect(section).toContain('[ch_c](https://dashboard.stripe.com/test/payments/ch_c) | 120,000 JPY')
    expect(section).not.toContain('ch_b')
  })

  it('shortens the charges table to fit the size limit, and says so', () => {
    const p = emptyProgress()
    const many = Array.from({ length: 100 }, (_, i) => charge(`ch_${i}`, 100, 'usd', T, { receipt_email: `${'a'.repeat(300)}${i}@example.com` }))
    recordPage(p, 100, many, { inserted: 100, updated: 0 }, 'newest-first')
    const full = renderSummary(p, ctx)
    const md = renderSummary(p, ctx, 20_000)
    expect(Buffer.byteLength(full)).toBeGreaterThan(20_000)
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000)
    expect(md).toContain("(The table was shortened to fit GitHub's 1 MiB job summary limit.)")
    expect(md).toMatch(/…and \d+ more\./)
  })

  it('truncates long descriptions in the table', () => {
    const p = emptyProgress()
    recordPage(p, 1, [charge('ch_long', 100, 'usd', T, { description: '🎉'.repeat(500) })], { inserted: 1, updated: 0 }, 'newest-first')
    const row = renderSummary(p, ctx).split('\n').find((l) => l.startsWith('| [ch_long]'))!
    expect(row).toContain(`${'🎉'.repeat(119)}…`)
    expect(row).not.toContain('🎉'.repeat(120))
  })
})
