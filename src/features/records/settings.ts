import { InputError } from '../../config.js'
import { cut } from '../../text.js'
import { ageSeconds } from '../../time.js'

/** How a payment finds its record. */
export type RecordsMatch = { by: 'stripe_id' } | { by: 'client_reference_id' } | { by: 'metadata'; key: string }

export interface RecordsSettings {
  /** The user's SELECT, one statement, without a trailing semicolon. */
  query: string
  match: RecordsMatch
  graceSeconds: number
  sinceSeconds: number
}

/** Comments and string literals out, for checking the statement's shape (never what is run). */
function skeleton(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
}

/**
 * `records-query`: one SELECT (or WITH … SELECT). A second statement, or one that starts otherwise,
 * is refused here; whatever writes is refused by the READ ONLY transaction it runs in.
 */
export function parseRecordsQuery(value: string): string | undefined {
  const text = value.trim().replace(/;\s*$/, '')
  if (text === '') return undefined
  const shape = skeleton(text).trim()
  if (!/^(select|with)\b/i.test(shape)) {
    throw new InputError(
      'records-query',
      `"${cut(text, 60)}" is not a SELECT: give one SELECT (or WITH … SELECT) returning record_id, amount, currency, recorded_at.`
    )
  }
  if (shape.includes(';')) throw new InputError('records-query', 'holds more than one statement: give one SELECT.')
  return text
}

export function parseRecordsMatch(value: string): RecordsMatch {
  const text = value.trim()
  if (text === 'stripe_id' || text === 'client_reference_id') return { by: text }
  const metadata = /^metadata\.([A-Za-z0-9_\-.]{1,40})$/.exec(text)
  if (metadata) return { by: 'metadata', key: metadata[1]! }
  throw new InputError('records-match', `"${cut(text, 60)}" is not stripe_id, client_reference_id or metadata.<key> (metadata.order_id).`)
}

export function parseRecordsLength(name: 'records-grace' | 'records-since', value: string, min: number, max: number): number {
  const seconds = ageSeconds(value.trim().toLowerCase())
  if (seconds === undefined || seconds < min || seconds > max) {
    throw new InputError(name, `"${cut(value, 40)}" is not a length from ${min / 60} minutes to ${Math.round(max / 86400)} days (e.g. 30m, 2h, 90d).`)
  }
  return seconds
}
