/**
 * Money stays in integer minor units (as Stripe sends it) until it is formatted; formatting is
 * string arithmetic on those integers, so no amount is ever rounded through a float.
 */

/** Stripe's zero-decimal currencies: amount 500 means 500 units. */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'])

/** Stripe's three-decimal currencies: amount 1500 means 1.500 units. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd'])

// Stripe's documented special cases ISK, HUF and TWD are charged in whole units but remain
// two-decimal in the API (ISK 100 = 1 króna), so they take the default exponent of 2.

/** How many digits of an API amount are decimals for this currency. */
export function currencyExponent(currency: string): number {
  const c = currency.toLowerCase()
  if (ZERO_DECIMAL.has(c)) return 0
  if (THREE_DECIMAL.has(c)) return 3
  return 2
}

/** Minor units as a plain decimal string in major units: 150000 usd → "1500.00", 1500 jpy → "1500", 1500 kwd → "1.500". */
export function formatMinor(minor: number | bigint, currency: string): string {
  const exponent = currencyExponent(currency)
  const value = BigInt(minor)
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0')
  const whole = digits.slice(0, digits.length - exponent)
  const fraction = digits.slice(digits.length - exponent)
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`
}

/** For people: thousands separators and the upper-case code, e.g. "1,500.00 USD". */
export function formatMoney(minor: number | bigint, currency: string): string {
  const plain = formatMinor(minor, currency)
  const [whole = '', fraction] = plain.split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`} ${currency.toUpperCase()}`
}

export interface CurrencyTotal {
  count: number
  /** Sum of `amount`, minor units. */
  amountMinor: number
  /** Sum of `amount_refunded`, minor units. */
  refundedMinor: number
}

/**
 * Per-currency running totals, and gross per UTC day per currency for the chart. Memory grows with
 * currencies × days, never with the number of charges.
 */
export class Totals {
  readonly byCurrency = new Map<string, CurrencyTotal>()
  /** currency → UTC day number (Unix seconds / 86400) → gross minor units. */
  readonly daily = new Map<string, Map<number, number>>()

  add(charge: { currency: string; amount: number; amount_refunded?: number | null; created?: number }): void {
    const currency = charge.currency.toLowerCase()
    let total = this.byCurrency.get(currency)
    if (!total) {
      total = { count: 0, amountMinor: 0, refundedMinor: 0 }
      this.byCurrency.set(currency, total)
    }
    total.count += 1
    total.amountMinor += charge.amount
    total.refundedMinor += charge.amount_refunded ?? 0
    if (charge.created !== undefined) {
      let days = this.daily.get(currency)
      if (!days) this.daily.set(currency, (days = new Map()))
      const day = Math.floor(charge.created / 86400)
      days.set(day, (days.get(day) ?? 0) + charge.amount)
    }
  }

  get count(): number {
    let n = 0
    for (const t of this.byCurrency.values()) n += t.count
    return n
  }

  /** Currencies by charge count, most first (ties by code), so "main currency" is stable. */
  currencies(): string[] {
    return [...this.byCurrency.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0])).map(([c]) => c)
  }
}

/**
 * A decimal amount in major units ("1000", "99.5") as minor units of `currency`, rounded up when it
 * has more decimals than the currency (a threshold of 99.5 JPY means 100 JPY). String arithmetic: exact.
 */
export function majorToMinor(major: string, currency: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(major)
  if (!match) throw new Error(`not a decimal amount: ${major}`)
  const exponent = currencyExponent(currency)
  const fraction = match[2] ?? ''
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0')
  const roundUp = /[1-9]/.test(fraction.slice(exponent)) ? 1 : 0
  return Number(`${match[1]}${kept}`) + roundUp
}

/** A minor-unit amount as a JSON-safe number of major units, for charts (display only). */
export function minorToNumber(minor: number, currency: string): number {
  return Number(formatMinor(minor, currency))
}
