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

/**
 * The ISO 4217 codes Stripe accepts for charges and payouts (docs: "Supported currencies"), and
 * codes it used to accept, whose old charges an account may still hold.
 */
const STRIPE_CURRENCIES = new Set(
  (
    'aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd btn bwp byn bzd cad cdf chf clp cny cop crc cve czk ' +
    'djf dkk dop dzd eek egp etb eur fjd fkp gbp gel ghs gip gmd gnf gtq gyd hkd hnl hrk htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf ' +
    'krw kwd kyd kzt lak lbp lkr lrd lsl ltl lvl mad mdl mga mkd mmk mnt mop mro mru mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab ' +
    'pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sll sos srd std stn svc szl thb tjs tnd top try ttd twd tzs uah ' +
    'ugx usd uyu uzs vef ves vnd vuv wst xaf xcd xcg xof xpf yer zar zmw'
  ).split(' ')
)

/** Whether Stripe knows this three-letter code (any case). */
export function isStripeCurrency(code: string): boolean {
  return STRIPE_CURRENCIES.has(code.toLowerCase())
}
