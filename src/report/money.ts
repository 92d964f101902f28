/**
 * Money stays in integer minor units (as Stripe sends it) until it is formatted; formatting is
 * string arithmetic on those integers, so no amount is ever rounded through a float.
 */

import { currencyExponent } from '../currency.js'
import { groupThousands } from '../text.js'

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
  const grouped = groupThousands(whole.replace('-', ''))
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`} ${currency.toUpperCase()}`
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
