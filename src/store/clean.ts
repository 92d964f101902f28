/**
 * Postgres refuses text and jsonb holding NUL (\u0000) and JSON holding a lone UTF-16 surrogate.
 * Stripe strings can carry both (metadata keys included). They are cleaned away, so one odd value
 * cannot make Postgres refuse a whole batch.
 */

/** Cheap test on the serialized batch: is there anything to clean? (A false positive only costs a pass.) */
const SUSPECT = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i

export function needsCleaning(json: string): boolean {
  // Both are written as \u escapes: a batch without any (nearly every one) needs no regular expression
  // over its megabytes (a substring search is several times faster).
  return json.includes('\\u') && SUSPECT.test(json)
}

function cleanString(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed()
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed
}

/** A deep copy with every string and key cleaned. */
export function cleanValue(value: unknown): unknown {
  if (typeof value === 'string') return cleanString(value)
  if (Array.isArray(value)) return value.map(cleanValue)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) out[cleanString(key)] = cleanValue(inner)
    return out
  }
  return value
}

/** JSON of the rows that Postgres's jsonb accepts. */
export function cleanJson(rows: readonly unknown[]): string {
  const json = JSON.stringify(rows)
  return needsCleaning(json) ? JSON.stringify(cleanValue(rows)) : json
}
