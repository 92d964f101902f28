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

/** Whether a value writes its own JSON (`toJSON`): the SDK's decimals do, from a BigInt that JSON cannot hold. */
function hasToJson(value: object): value is { toJSON(): unknown } {
  return 'toJSON' in value && typeof value.toJSON === 'function'
}

/**
 * A deep copy with every string and key cleaned: of what each value writes as JSON, so that a value
 * with its own JSON (the SDK's decimals: a BigInt inside, `"12.5"` outside) keeps it, and a bare
 * BigInt (an int64 the SDK coerced) is written as its digits.
 */
export function cleanValue(value: unknown): unknown {
  if (typeof value === 'string') return cleanString(value)
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(cleanValue)
  if (value !== null && typeof value === 'object') {
    if (hasToJson(value)) return cleanValue(value.toJSON())
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) out[cleanString(key)] = cleanValue(inner)
    return out
  }
  return value
}

/** JSON of the rows that Postgres's jsonb accepts. */
export function cleanJson(rows: readonly unknown[]): string {
  let json: string
  try {
    json = JSON.stringify(rows)
  } catch (error) {
    // A BigInt JSON cannot write (an int64 the SDK coerced): the cleaned copy writes its digits.
    if (!(error instanceof TypeError)) throw error
    return JSON.stringify(cleanValue(rows))
  }
  return needsCleaning(json) ? JSON.stringify(cleanValue(rows)) : json
}
