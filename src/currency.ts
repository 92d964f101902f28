/** Facts about currencies as Stripe's API represents amounts in them. */

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

/** The same rule as SQL, for views: minor units of `currency` as a numeric in major units. */
export function exponentSql(currencyExpr: string): string {
  return (
    `CASE WHEN lower(${currencyExpr}) IN (${[...ZERO_DECIMAL].map((c) => `'${c}'`).join(', ')}) THEN 0 ` +
    `WHEN lower(${currencyExpr}) IN (${[...THREE_DECIMAL].map((c) => `'${c}'`).join(', ')}) THEN 3 ELSE 2 END`
  )
}
