import { Totals } from '../../src/features/daily-report/totals.js'
import { currencyExponent, formatMinor, formatMoney } from '../../src/report/money.js'
import { compareCodes, formatCount } from '../../src/text.js'

describe('currency exponents', () => {
  it.each([
    ['usd', 2],
    ['EUR', 2],
    ['jpy', 0],
    ['krw', 0],
    ['ugx', 0],
    ['xof', 0],
    ['kwd', 3],
    ['bhd', 3],
    ['tnd', 3],
    ['isk', 2],
    ['huf', 2],
    ['twd', 2]
  ])('%s has %i decimals', (currency, exponent) => expect(currencyExponent(currency)).toBe(exponent))
})

describe('formatMinor', () => {
  it.each([
    [150000, 'usd', '1500.00'],
    [1, 'usd', '0.01'],
    [0, 'usd', '0.00'],
    [-250, 'eur', '-2.50'],
    [1500, 'jpy', '1500'],
    [1500, 'kwd', '1.500'],
    [5, 'kwd', '0.005'],
    [100, 'isk', '1.00'],
    [9007199254740991, 'usd', '90071992547409.91'],
    [12345678901234567890n, 'usd', '123456789012345678.90']
  ])('%p %s → %s', (minor, currency, expected) => expect(formatMinor(minor, currency)).toBe(expected))
})

describe('formatMoney', () => {
  it.each([
    [150000, 'usd', '1,500.00 USD'],
    [123456789, 'jpy', '123,456,789 JPY'],
    [1234567, 'kwd', '1,234.567 KWD'],
    [-100000, 'gbp', '-1,000.00 GBP'],
    [99, 'usd', '0.99 USD']
  ])('%p %s → %s', (minor, currency, expected) => expect(formatMoney(minor, currency)).toBe(expected))
})

describe('formatCount (no ICU: its first use maps about 6 MB of node into memory)', () => {
  it('writes counts as en-US toLocaleString does', () => {
    const values = [0, 7, 999, 1000, 12345, -12345, 1234567.5, 2.5, 0.125, 0.1239, -0.4, 12.0001, 999999.9999, 2 ** 53, -0, -0.0001, NaN, Infinity, -Infinity]
    for (const n of values) expect([n, formatCount(n)]).toEqual([n, n.toLocaleString('en-US')])
  })

  it('orders currency codes as localeCompare does', () => {
    const codes = ['usd', 'eur', 'gbp', 'aud', 'jpy', 'eur', 'chf']
    expect([...codes].sort(compareCodes)).toEqual([...codes].sort((a, b) => a.localeCompare(b)))
  })
})

describe('Totals', () => {
  it('sums per currency in minor units and orders by count', () => {
    const t = new Totals()
    t.add({ currency: 'usd', amount: 1000, amount_refunded: 0, status: 'succeeded' })
    t.add({ currency: 'USD', amount: 2550, amount_refunded: 550, status: 'succeeded' })
    t.add({ currency: 'usd', amount: 9000, status: 'failed' })
    t.add({ currency: 'jpy', amount: 300 })
    expect(t.count).toBe(4)
    expect(t.byCurrency.get('usd')).toEqual({
      count: 3,
      amountMinor: 12550,
      succeededCount: 2,
      pendingCount: 0,
      failedCount: 1,
      grossMinor: 3550,
      refundedMinor: 550,
      failedMinor: 9000,
      pendingMinor: 0
    })
    expect(t.currencies()).toEqual(['usd', 'jpy'])
  })

  it('adds 0.1 + 0.2 dollars exactly', () => {
    const t = new Totals()
    t.add({ currency: 'usd', amount: 10 })
    t.add({ currency: 'usd', amount: 20 })
    expect(formatMinor(t.byCurrency.get('usd')!.amountMinor, 'usd')).toBe('0.30')
  })
})
