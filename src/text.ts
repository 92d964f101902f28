/** Cut to `max` characters (code points, so an emoji is never split), with an ellipsis. */
export function cut(text: string, max: number): string {
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, Math.max(1, max - 1)).join('')}…` : text
}

/**
 * Characters text from Stripe must not bring into what people read: NUL and the other C0 and C1
 * controls (tab and line breaks aside: each place that shows text folds those its own way), and the
 * bidirectional controls that reverse what a cell shows (U+202A–U+202E, U+2066–U+2069; the marks
 * U+200E, U+200F, U+061C).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

/** Text from Stripe as it may be shown (log, annotations, summary, outputs): without those characters, cut to `max`. */
export function shown(text: string, max = Infinity): string {
  const plain = text.isWellFormed() ? text : text.toWellFormed()
  return cut(plain.replace(HIDDEN, ''), max)
}

/** An id from Stripe as a message quotes it: at most 64 characters (a 100,000-character "id" makes no 100 KB annotation). */
export function shownId(id: string): string {
  return shown(id, 64)
}

/**
 * A count as people write it: 12,345 (at most three decimals: 2.5, 0.125). Not toLocaleString:
 * the first ICU format of a run maps about 6 MB of node's binary (its number and locale data) into
 * the runner's memory, for commas.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '∞' : n < 0 ? '-∞' : 'NaN'
  // toFixed writes exponents from 1e21 on, as String does.
  if (Math.abs(n) >= 1e21) return String(n)
  const [whole = '', fraction = ''] = Math.abs(n).toFixed(3).split('.')
  const decimals = fraction.replace(/0+$/, '')
  const sign = n < 0 || Object.is(n, -0) ? '-' : ''
  return `${sign}${groupThousands(whole)}${decimals ? `.${decimals}` : ''}`
}

/** Digits with a comma every three from the right: "1234567" → "1,234,567". */
export function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Orders plain codes (currencies: "eur" before "usd") without localeCompare, which loads ICU's collation data. */
export function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
