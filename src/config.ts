/**
 * Inputs → a typed, validated Config. Nothing here touches the network or a database:
 * every bad input is reported before the first Stripe request or Postgres connection.
 */

import type { Thresholds } from './report/alerts.js'
import { currencyExponent } from './report/money.js'

export const CHARGE_STATUSES = ['succeeded', 'pending', 'failed'] as const
export type ChargeStatus = (typeof CHARGE_STATUSES)[number]

/** Defaults, kept equal to action.yml's (a unit test compares them). */
export const INPUT_DEFAULTS = {
  'stripe-secret-key': '',
  'database-url': '',
  limit: '10',
  status: 'succeeded',
  'created-after': '',
  'created-before': '',
  table: 'processed_charges',
  schema: 'public',
  'dry-run': 'false',
  'stripe-account': '',
  'stripe-api-base': 'https://api.stripe.com',
  incremental: 'false',
  'lock-timeout': '0',
  'high-value-threshold': '',
  'max-requests-per-second': '20',
  'database-ca-cert': ''
} as const

export type InputName = keyof typeof INPUT_DEFAULTS

export interface Config {
  stripeKey: string
  /** `live` or `test`, from the key's prefix. */
  keyMode: 'live' | 'test'
  keyKind: 'secret' | 'restricted'
  /** Undefined only in a dry run. */
  databaseUrl: string | undefined
  /** Maximum number of matching charges to record; `Infinity` for `all`. */
  limit: number
  /** The statuses to keep; all three for `all`. */
  statuses: ReadonlySet<ChargeStatus>
  /** Window on `created`, in Unix seconds: `gte` inclusive, `lt` exclusive. */
  createdGte: number | undefined
  createdLt: number | undefined
  table: string
  schema: string
  dryRun: boolean
  stripeAccount: string | undefined
  stripeApiBase: URL
  /** Continue from the cursor kept in Postgres, oldest first, and replay change events. */
  incremental: boolean
  /** Seconds to wait for another run's lock before skipping. */
  lockTimeoutSeconds: number
  /** Amounts (major units) at or above which a charge is high-value; undefined when not set. */
  highValue: Thresholds | undefined
  /** The threshold as written, for the summary. */
  highValueThreshold: string | undefined
  /** Ceiling on Stripe requests per second for the whole run. */
  maxRequestsPerSecond: number
  /** PEM certificate(s) of the CA that signed the database server's certificate (verify-ca, verify-full). */
  databaseCaCert: string | undefined
}

/** A bad input: names the input and says what it accepts. */
export class InputError extends Error {
  constructor(
    readonly input: InputName | `${InputName} / ${InputName}`,
    detail: string
  ) {
    super(`Input \`${input}\`: ${detail}`)
    this.name = 'InputError'
  }
}

export type InputReader = (name: InputName) => string

export interface ReadConfigOptions {
  /** Read one input; an empty string means "not given". */
  input: InputReader
  env?: NodeJS.ProcessEnv
  /** Called with every secret before validation, so nothing later can print it unmasked. */
  mask?: (secret: string) => void
  now?: Date
}

export function readConfig({ input, env = {}, mask = () => {}, now = new Date() }: ReadConfigOptions): Config {
  const get = (name: InputName): string => {
    const value = input(name).trim()
    return value === '' ? INPUT_DEFAULTS[name] : value
  }

  // Secrets first: masked before anything can be logged, even when they turn out invalid.
  const stripeKey = get('stripe-secret-key') || (env.STRIPE_SECRET_KEY ?? '').trim()
  const databaseUrl = get('database-url') || (env.DATABASE_URL ?? '').trim()
  for (const secret of secretsOf(stripeKey, databaseUrl)) mask(secret)

  const key = parseStripeKey(stripeKey)
  const dryRun = parseBoolean('dry-run', get('dry-run'))
  const createdGte = parseTime('created-after', get('created-after'), now)
  const createdLt = parseTime('created-before', get('created-before'), now)
  if (createdGte !== undefined && createdLt !== undefined && createdGte >= createdLt) {
    throw new InputError(
      'created-after / created-before',
      `the window is empty: created-after (${isoSeconds(createdGte)}) must be earlier than created-before (${isoSeconds(createdLt)}).`
    )
  }

  const incremental = parseBoolean('incremental', get('incremental'))
  if (incremental && dryRun) {
    throw new InputError('incremental', 'cannot be combined with `dry-run: true`: an incremental run keeps its cursor in Postgres. Use one or the other.')
  }

  return {
    stripeKey,
    ...key,
    databaseUrl: dryRun && databaseUrl === '' ? undefined : parseDatabaseUrl(databaseUrl),
    limit: parseLimit(get('limit')),
    statuses: parseStatuses(get('status')),
    createdGte,
    createdLt,
    table: parseIdentifier('table', get('table')),
    schema: parseIdentifier('schema', get('schema')),
    dryRun,
    stripeAccount: parseStripeAccount(get('stripe-account')),
    stripeApiBase: parseApiBase(get('stripe-api-base')),
    incremental,
    lockTimeoutSeconds: parseLockTimeout(get('lock-timeout')),
    highValue: parseThresholds(get('high-value-threshold')),
    highValueThreshold: get('high-value-threshold') || undefined,
    maxRequestsPerSecond: parseRequestsPerSecond(get('max-requests-per-second')),
    databaseCaCert: parseCaCert(input('database-ca-cert'), dryRun && databaseUrl === '' ? undefined : databaseUrl)
  }
}

/** PEM text as pasted into a secret or a YAML block (kept whole: no trimming inside). */
export function parseCaCert(value: string, databaseUrl: string | undefined): string | undefined {
  if (value.trim() === '') return undefined
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(value)) {
    throw new InputError('database-ca-cert', 'not a PEM certificate. Paste the CA certificate, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.')
  }
  const sslmode = databaseUrl ? new URL(databaseUrl).searchParams.get('sslmode') : null
  if (sslmode !== 'verify-ca' && sslmode !== 'verify-full') {
    throw new InputError(
      'database-ca-cert',
      `is only used to verify the server, with sslmode=verify-ca or sslmode=verify-full in database-url (it has ${sslmode ? `sslmode=${sslmode}` : 'no sslmode'}).`
    )
  }
  return value.trim()
}

export function parseRequestsPerSecond(value: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw new InputError(
      'max-requests-per-second',
      `"${value}" is not a whole number from 1 to 100. Stripe allows about 25 requests per second on one endpoint (100 in all in live mode), shared with your own application.`
    )
  }
  return Number(value)
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
  for (const part of value.split(',').map((p) => p.trim())) {
    const pair = /^([A-Za-z]{3})\s*:\s*(\d{1,15}(?:\.\d{1,3})?)$/.exec(part)
    if (pair) {
      const currency = pair[1]!.toLowerCase()
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

export function parseLockTimeout(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 21600) {
    throw new InputError('lock-timeout', `"${value}" is not a number of seconds from 0 to 21600 (6 hours, a job's limit).`)
  }
  return Number(value)
}

/** The strings that must never be printed: the key, the URL, and the URL's password (raw and decoded). */
export function secretsOf(stripeKey: string, databaseUrl: string): string[] {
  const secrets = new Set<string>()
  if (stripeKey) secrets.add(stripeKey)
  if (databaseUrl) {
    secrets.add(databaseUrl)
    let password: string | undefined
    try {
      password = new URL(databaseUrl).password
    } catch {
      // Not a URL (parseDatabaseUrl will say so); still mask what looks like a password.
      password = /^[a-z]+:\/\/[^:/?#@]*:(.*)@[^@]*$/i.exec(databaseUrl)?.[1]
    }
    if (password) {
      secrets.add(password)
      try {
        secrets.add(decodeURIComponent(password))
      } catch {
        // A malformed %-escape: the raw form is masked, and parseDatabaseUrl rejects the URL.
      }
    }
  }
  return [...secrets].filter((s) => s.length >= 4)
}

export function parseStripeKey(key: string): Pick<Config, 'keyMode' | 'keyKind'> {
  if (key === '') {
    throw new InputError(
      'stripe-secret-key',
      'no Stripe key given. Set the input (for example `${{ secrets.STRIPE_SECRET_KEY }}`) or the STRIPE_SECRET_KEY environment variable.'
    )
  }
  if (/^pk_/.test(key)) {
    throw new InputError(
      'stripe-secret-key',
      'this is a publishable key (pk_…), which cannot read charges. Use a secret key (sk_live_/sk_test_) or a restricted key (rk_live_/rk_test_) with Charges: Read.'
    )
  }
  const match = /^(sk|rk)_(live|test)_[A-Za-z0-9]+$/.exec(key)
  if (!match) {
    throw new InputError(
      'stripe-secret-key',
      'not a Stripe secret key. Expected sk_live_…, sk_test_…, rk_live_… or rk_test_… (letters and digits only, no spaces or quotes).'
    )
  }
  return { keyKind: match[1] === 'sk' ? 'secret' : 'restricted', keyMode: match[2] === 'live' ? 'live' : 'test' }
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']

export function parseDatabaseUrl(value: string): string {
  if (value === '') {
    throw new InputError(
      'database-url',
      'no database URL given. Set the input (for example `${{ secrets.DATABASE_URL }}`) or the DATABASE_URL environment variable, or use `dry-run: true`.'
    )
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError('database-url', 'not a URL. Expected postgres://user:password@host:5432/database.')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InputError(
      'database-url',
      `unsupported scheme "${url.protocol.replace(/:$/, '')}". Expected postgres://user:password@host:5432/database (or postgresql://).`
    )
  }
  if (url.hostname === '' && !url.searchParams.get('host')) {
    throw new InputError('database-url', 'the URL has no host. Expected postgres://user:password@host:5432/database.')
  }
  try {
    decodeURIComponent(url.password)
  } catch {
    throw new InputError('database-url', 'the password has an invalid %-escape; percent-encode special characters.')
  }
  const sslmode = url.searchParams.get('sslmode')
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw new InputError('database-url', `unknown sslmode "${sslmode}". Expected one of: ${SSL_MODES.join(', ')}.`)
  }
  return value
}

export function parseLimit(value: string): number {
  if (value.toLowerCase() === 'all') return Number.POSITIVE_INFINITY
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1) {
    throw new InputError('limit', `"${value}" is not a positive whole number or \`all\` (e.g. 10, 500, all).`)
  }
  return Number(value)
}

export function parseStatuses(value: string): ReadonlySet<ChargeStatus> {
  const parts = value.split(',').map((part) => part.trim().toLowerCase())
  if (parts.includes('all')) return new Set(CHARGE_STATUSES)
  const statuses = new Set<ChargeStatus>()
  for (const part of parts) {
    if (!(CHARGE_STATUSES as readonly string[]).includes(part)) {
      throw new InputError(
        'status',
        `unknown status "${part}". Expected succeeded, pending, failed, a comma-separated combination, or all.`
      )
    }
    statuses.add(part as ChargeStatus)
  }
  return statuses
}

export function parseBoolean(name: InputName, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(name, `"${value}" is not a boolean. Expected true or false.`)
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

export function parseIdentifier(name: 'table' | 'schema', value: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new InputError(
      name,
      `"${value}" is not a plain identifier. Use letters, digits and underscores (not starting with a digit), at most 63 characters.`
    )
  }
  return value
}

export function parseStripeAccount(value: string): string | undefined {
  if (value === '') return undefined
  if (!/^acct_[A-Za-z0-9]{1,64}$/.test(value)) {
    throw new InputError('stripe-account', `"${value}" is not a connected account id. Expected acct_ followed by letters and digits.`)
  }
  return value
}

export function parseApiBase(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError('stripe-api-base', `"${value}" is not a URL. Expected e.g. https://api.stripe.com.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('stripe-api-base', `"${value}" must be an http:// or https:// URL.`)
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new InputError(
      'stripe-api-base',
      `"${value}" must be a bare origin such as https://api.stripe.com (no path, query or credentials).`
    )
  }
  return url
}

// Years 2000–9999: anything outside is a typo, and Stripe has no charges before 2010 anyway.
const MIN_TIME = Date.UTC(2000, 0, 1) / 1000
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000
const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * A point in time as Unix seconds, rounded up: Stripe's `created` is whole seconds, so
 * `created >= 10.5` and `created < 10.5` are `created >= 11` and `created < 11`.
 */
export function parseTime(name: 'created-after' | 'created-before', value: string, now: Date): number | undefined {
  if (value === '') return undefined
  const accepted = 'Expected an ISO 8601 date or date-time (2026-01-31, 2026-01-31T09:30:00Z), Unix seconds, or an age such as 30m, 24h, 7d.'
  let seconds: number
  const age = /^(\d{1,9})\s*([smhdw])$/i.exec(value)
  if (/^\d+$/.test(value)) {
    if (value.length >= 13) {
      throw new InputError(name, `"${value}" looks like milliseconds; give Unix time in seconds. ${accepted}`)
    }
    seconds = Number(value)
  } else if (age) {
    seconds = now.getTime() / 1000 - Number(age[1]) * AGE_UNITS[age[2]!.toLowerCase()]!
  } else {
    const m = ISO.exec(value)
    if (!m) throw new InputError(name, `"${value}" is not a date or time I can read. ${accepted}`)
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset = 'Z'] = m
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
    const check = new Date(ms)
    if (
      check.getUTCFullYear() !== Number(y) ||
      check.getUTCMonth() !== Number(mo) - 1 ||
      check.getUTCDate() !== Number(d) ||
      check.getUTCHours() !== Number(h) ||
      check.getUTCMinutes() !== Number(mi) ||
      check.getUTCSeconds() !== Number(s)
    ) {
      throw new InputError(name, `"${value}" is not a real calendar date or time. ${accepted}`)
    }
    let offsetSeconds = 0
    if (offset.toUpperCase() !== 'Z') {
      const om = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!
      if (Number(om[2]) > 14 || Number(om[3]) > 59) throw new InputError(name, `"${value}" has an invalid UTC offset. ${accepted}`)
      offsetSeconds = (om[1] === '-' ? -1 : 1) * (Number(om[2]) * 3600 + Number(om[3]) * 60)
    }
    seconds = ms / 1000 + (frac ? Number(`0${frac}`) : 0) - offsetSeconds
  }
  if (!(seconds >= MIN_TIME && seconds <= MAX_TIME)) {
    throw new InputError(name, `"${value}" is out of range; it must fall between 2000-01-01 and 9999-12-31. ${accepted}`)
  }
  return Math.ceil(seconds)
}

export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}
