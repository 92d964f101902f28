import { InputError } from '../../config.js'
import { currencyExponent, isStripeCurrency } from '../../currency.js'
import { majorToMinor } from '../../report/money.js'

/** `high-value-threshold`: one amount for every currency, and/or amounts per currency (major units). */
export interface Thresholds {
  all: string | undefined
  byCurrency: ReadonlyMap<string, string>
}

/**
 * `1000` (every currency, in its own major units), `usd:1000, eur:900, jpy:150000` (per currency),
 * or both (`500, jpy:50000`: the bare amount applies to currencies not listed).
 */
export function parseThresholds(value: string): Thresholds | undefined {
  if (value === '') return undefined
  const accepted = 'Expected an amount in major units (1000) and/or currency:amount pairs (usd:1000, eur:900, jpy:150000).'
  let all: string | undefined
  const byCurrency = new Map<string, string>()
  const parts = value.split(',').map((p) => p.trim())
  for (const [i, part] of parts.entries()) {
    // `1,000` splits into "1" and "000": say what went wrong rather than "000 is not an amount".
    if (i > 0 && /^\d{3}(?:\.\d+)?$/.test(part) && /\d$/.test(parts[i - 1]!)) {
      throw new InputError(
        'high-value-threshold',
        `"${parts[i - 1]},${part}": thousands separators are not allowed (a comma separates entries). Write the amount as ${parts[i - 1]!.replace(/^.*:\s*/, '')}${part}. ${accepted}`
      )
    }
    const pair = /^([A-Za-z]{3})\s*:\s*(\d{1,15}(?:\.\d{1,3})?)$/.exec(part)
    if (pair) {
      const currency = pair[1]!.toLowerCase()
      if (!isStripeCurrency(currency)) {
        throw new InputError(
          'high-value-threshold',
          `"${part}": ${pair[1]} is not a currency Stripe supports (an ISO 4217 code such as usd, eur, gbp, jpy). ${accepted}`
        )
      }
      if (byCurrency.has(currency)) throw new InputError('high-value-threshold', `${currency} is given twice. ${accepted}`)
      const decimals = pair[2]!.split('.')[1]?.length ?? 0
      if (decimals > currencyExponent(currency)) {
        throw new InputError('high-value-threshold', `"${part}": ${currency.toUpperCase()} has ${currencyExponent(currency)} decimal place(s). ${accepted}`)
      }
      byCurrency.set(currency, pair[2]!)
    } else if (/^\d{1,15}(?:\.\d{1,3})?$/.test(part) && all === undefined) {
      all = part
    } else {
      throw new InputError('high-value-threshold', `"${part}" is not an amount or currency:amount. ${accepted}`)
    }
  }
  return { all, byCurrency }
}

/** A currency's threshold in its minor units; undefined when none applies to it. */
export function thresholdMinor(thresholds: Thresholds, currency: string): number | undefined {
  const major = thresholds.byCurrency.get(currency.toLowerCase()) ?? thresholds.all
  return major === undefined ? undefined : majorToMinor(major, currency)
}
