/**
 * Money stays in integer minor units (as Stripe sends it) until it is formatted; formatting is
 * string arithmetic on those integers, so no amount is ever rounded through a float.
 */

import { currencyExponent } from '../currency.js'

export { currencyExponent }

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
  /** Charges in the run in this currency, whatever their status (as filtered by `status`). */
  count: number
  /** Sum of `amount` over them, minor units (the original job's total). */
  amountMinor: number
  succeededCount: number
  pendingCount: number
  failedCount: number
  /** Succeeded charges only: money that is money. */
  grossMinor: number
  refundedMinor: number
  failedMinor: number
  pendingMinor: number
}

/**
 * Per-currency running totals, and succeeded gross per UTC day per currency for the chart. Memory
 * grows with currencies × days, never with the number of charges.
 */
export class Totals {
  readonly byCurrency = new Map<string, CurrencyTotal>()
  /** currency → UTC day number (Unix seconds / 86400) → succeeded gross, minor units. */
  readonly daily = new Map<string, Map<number, number>>()
  /** The oldest and newest `created` among the charges added. */
  firstCreated: number | undefined
  lastCreated: number | undefined

  add(charge: { currency: string; amount: number; amount_refunded?: number | null; created?: number; status?: string }): void {
    const currency = charge.currency.toLowerCase()
    let total = this.byCurrency.get(currency)
    if (!total) {
      total = { count: 0, amountMinor: 0, succeededCount: 0, pendingCount: 0, failedCount: 0, grossMinor: 0, refundedMinor: 0, failedMinor: 0, pendingMinor: 0 }
      this.byCurrency.set(currency, total)
    }
    total.count += 1
    total.amountMinor += charge.amount
    if (charge.created !== undefined) {
      if (this.firstCreated === undefined || charge.created < this.firstCreated) this.firstCreated = charge.created
      if (this.lastCreated === undefined || charge.created > this.lastCreated) this.lastCreated = charge.created
    }
    if (charge.status === 'failed') {
      total.failedCount += 1
      total.failedMinor += charge.amount
      return
    }
    if (charge.status === 'pending') {
      total.pendingCount += 1
      total.pendingMinor += charge.amount
      return
    }
    // Only succeeded charges are money (a status Stripe adds later is left out).
    if (charge.status !== undefined && charge.status !== 'succeeded') return
    total.succeededCount += 1
    total.grossMinor += charge.amount
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

/** A count as people write it: 12,345. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
