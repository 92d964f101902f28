import { InputError } from '../../src/config.js'
import { HighValueCollector, highValue } from '../../src/features/high-value/feature.js'
import { parseThresholds, thresholdMinor } from '../../src/features/high-value/thresholds.js'
import { majorToMinor } from '../../src/report/money.js'
import { privacy } from '../../src/report/privacy.js'
import { T, charge, chargesReport, featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// High-value alerts: the threshold input, the charges it announces once, its outputs, notices and section.

/** The run's collector, set up from `high-value-threshold` as a run sets it up. */
const collector = (threshold: string) => featureOf(reportOf(setupOf({ 'high-value-threshold': threshold }), []), HighValueCollector)

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

  it.each(['abc', 'usd:', 'usd:-5', 'usd:1,usd:2', 'jpy:1.5', '100, 200', 'dollars:5', 'usd:1e3'])('rejects %p, naming the input', (value) => {
    expect(() => setupOf({ 'high-value-threshold': value })).toThrow(InputError)
    expect(() => setupOf({ 'high-value-threshold': value })).toThrow(/^Input `high-value-threshold`/)
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

  it('is off without a threshold: no instance, its outputs at their empty values', () => {
    const report = chargesReport([charge('ch_1', 999_999_00, 'usd')])
    expect(report.features.some((f) => f instanceof HighValueCollector)).toBe(false)
    const out = outputsOf(report)
    for (const declared of highValue.outputs) expect(out[declared.name]).toBe(declared.empty)
  })

  it('declares the column it claims charges with', () => {
    expect(highValue.claims).toEqual({ object: 'charges', column: { name: 'alerted_at', type: 'timestamptz', fromRow: false } })
  })
})

describe('the charges it announces', () => {
  it('alerts succeeded charges at or above the threshold once; large failed charges are listed apart', () => {
    const hv = collector('usd:100')
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

  it('keeps the newest 50, flags the cut, and masks what is private', () => {
    const hv = collector('usd:100')
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

  it('publishes high_value_* outputs within size limits', () => {
    const long = 'x'.repeat(5000)
    const charges = Array.from({ length: 80 }, (_, i) =>
      charge(`ch_${i}`, 20000, 'usd', T, { description: long, receipt_email: `${'e'.repeat(100_000)}@example.com` })
    )
    const out = outputsOf(chargesReport(charges, { 'high-value-threshold': 'usd:100' }))
    expect(out.high_value_count).toBe('80')
    expect(out.high_value_truncated).toBe('true')
    const list = JSON.parse(out.high_value_charges!)
    expect(list).toHaveLength(50)
    expect([...list[0].description]).toHaveLength(200)
    expect(out.high_value_charges!.length).toBeLessThan(30_000)
  })
})

describe('its section', () => {
  const mixed = () => [
    charge('ch_a', 250000, 'usd', T, { amount_refunded: 50000, receipt_email: 'big@example.com' }),
    charge('ch_b', 1000, 'usd', T - 86400),
    charge('ch_c', 120000, 'jpy', T - 2 * 86400)
  ]

  it('lists high-value charges by size against their threshold, with short links', () => {
    const setup = setupOf({ 'high-value-threshold': 'usd:1000, jpy:100000' })
    const md = summaryOf(setup, reportOf(setup, [{ objects: mixed() }]))
    const section = md.slice(md.indexOf('### High-value charges (2)'), md.indexOf('### Charges by currency'))
    expect(section).toContain('Succeeded charges at or above usd:1000, jpy:100000, announced once each')
    // 2,500 USD is 2.5 × its threshold, 120,000 JPY 1.2 ×.
    expect(section.indexOf('2,500.00&nbsp;USD')).toBeLessThan(section.indexOf('120,000&nbsp;JPY'))
    expect(section).toContain(
      '| 2,500.00&nbsp;USD | `big@example.com` |  | 2026-11-20&nbsp;12:00 | [View ↗](https://dashboard.stripe.com/test/payments/ch_a) |'
    )
    expect(section).not.toContain('ch_b')
  })

  it('names neither the threshold nor an amount when amounts are hidden', () => {
    const setup = setupOf({ 'high-value-threshold': 'usd:1000', 'summary-amounts': 'hide' })
    const report = reportOf(setup, [{ objects: mixed() }])
    const md = summaryOf(setup, report)
    expect(md).toContain('at or above the `high-value-threshold`')
    expect(md).not.toContain('1000')
    expect(md).not.toContain('2,500')
  })
})
