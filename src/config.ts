/**
 * Inputs → a typed, validated Config. Nothing here touches the network or a database:
 * every bad input is reported before the first Stripe request or Postgres connection.
 */

import { ActionError } from './errors.js'
import { OBJECTS } from './objects/registry.js'
import { statusValues } from './objects/spec.js'
import type { ObjectName } from './objects/registry.js'
import { secretsOf } from './secrets.js'
import { ageSeconds, isoSeconds } from './time.js'
import { formatCount } from './text.js'

/** `customer-details`: what the log, summary and outputs show of customers (see report/privacy.ts). */
export const CUSTOMER_DETAILS = ['show', 'mask', 'hide'] as const
export type CustomerDetails = (typeof CUSTOMER_DETAILS)[number]

/**
 * The default: `show` on a private repository, `mask` when it is public or its visibility is
 * unknown (outside GitHub, or an event payload without the repository).
 */
export function defaultCustomerDetails(repositoryPrivate: boolean | undefined): CustomerDetails {
  return repositoryPrivate === true ? 'show' : 'mask'
}

/** `summary-amounts`: whether the job summary and annotations show money amounts. */
export const SUMMARY_AMOUNTS = ['show', 'hide'] as const
export type SummaryAmounts = (typeof SUMMARY_AMOUNTS)[number]

/** Why amounts are hidden, for the summary's first line; undefined when they are shown. */
export type AmountsHiddenBecause = 'public' | 'unknown' | 'input'

/** The default follows the repository's visibility, as `customer-details` does: shown only where the repository is known to be private. */
export function defaultSummaryAmounts(repositoryPrivate: boolean | undefined): SummaryAmounts {
  return repositoryPrivate === true ? 'show' : 'hide'
}

/**
 * An input of the action: a public contract (workflows name it), so names never change. action.yml
 * and the README's inputs table are written from these declarations (`npm run docs`).
 */
export interface InputDeclaration {
  name: string
  /** The value when the input is empty (action.yml's default). */
  default: string
  description: string
  /** The release that added it. */
  since: string
}

/** The inputs every run reads; each feature declares its own in its folder. */
export const GENERIC_INPUTS = [
  {
    name: 'stripe-secret-key',
    default: '',
    since: '1.0.0',
    description:
      'Secret (sk_live_/sk_test_) or restricted (rk_live_/rk_test_) Stripe key. Falls back to env STRIPE_SECRET_KEY. Publishable keys (pk_) are refused.'
  },
  {
    name: 'database-url',
    default: '',
    since: '1.0.0',
    description:
      'postgres:// or postgresql:// URL of the database to write to; sslmode in the query is honoured. Falls back to env DATABASE_URL. Not needed with dry-run.'
  },
  {
    name: 'limit',
    default: '10',
    since: '1.0.0',
    description:
      'How many objects to record per object, newest first (charges matching `status`). A positive integer or `all`; with `incremental`, how many each run processes, oldest first.'
  },
  {
    name: 'status',
    default: 'succeeded',
    since: '1.0.0',
    description:
      'Charges to keep - succeeded, pending, failed, a comma-separated combination, or all. Stripe cannot filter by status, so the action does while paging. Other objects are not filtered.'
  },
  {
    name: 'created-after',
    default: '',
    since: '1.0.0',
    description:
      'Only objects created at or after this - an ISO 8601 date or date-time (UTC without an offset), Unix seconds, or an age such as 30m, 24h, 7d. For incremental runs, where the first run starts.'
  },
  {
    name: 'created-before',
    default: '',
    since: '1.0.0',
    description: 'Only objects created before this (exclusive). Same formats as created-after.'
  },
  {
    name: 'table',
    default: 'processed_charges',
    since: '1.0.0',
    description:
      'Table for charges - letters, digits and underscores, at most 48 characters, used exactly as written. Other objects have fixed tables (stripe_balance_transactions, stripe_refunds, ...).'
  },
  {
    name: 'schema',
    default: 'public',
    since: '1.0.0',
    description: 'Postgres schema of every table and view, in lower case (as Postgres folds unquoted names); created if missing.'
  },
  {
    name: 'dry-run',
    default: 'false',
    since: '1.0.0',
    description: 'Fetch, filter and report, but write nothing and open no database connection (high-value alerts then list every qualifying charge).'
  },
  {
    name: 'stripe-account',
    default: '',
    since: '1.0.0',
    description:
      "Connect: a connected account id (acct_...), sent as the Stripe-Account header and recorded in account_id; or all (the platform's own account and every connected account, each row with its account_id); or a comma-separated list of connected account ids. Accounts that revoked the platform's access are skipped with a warning (output accounts_skipped); a list none of whose accounts answers fails, naming them."
  },
  {
    name: 'stripe-api-base',
    default: 'https://api.stripe.com',
    since: '1.0.0',
    description: 'Base URL of the Stripe API (a proxy, stripe-mock, or a local stand-in).'
  },
  {
    name: 'incremental',
    default: 'false',
    since: '1.0.0',
    description:
      "Continue from a cursor per object kept in Postgres (table stripe_sync_state), oldest first, replaying each object's change events. Recommended for scheduled runs, with limit all."
  },
  {
    name: 'lock-timeout',
    default: '0',
    since: '1.0.0',
    description: 'Seconds to wait when another run is writing to the same schema; then this run skips (output skipped=true) and succeeds without writing.'
  },
  {
    name: 'lock-lease',
    default: '120',
    since: '1.4.0',
    description:
      "Seconds the run's lock on the schema lasts unless renewed (it is renewed every quarter of that while the run works, and released at its end): a run killed without releasing it holds up the next run at most this long, and a run that cannot renew it in time stops writing. 10 to 3600."
  },
  {
    name: 'max-requests-per-second',
    default: '20',
    since: '1.0.0',
    description:
      "Ceiling on Stripe API requests per second to any one endpoint (1-100). The default stays below Stripe's per-endpoint limit of 25 so your own application keeps its share."
  },
  {
    name: 'database-ca-cert',
    default: '',
    since: '1.0.0',
    description: "PEM certificate of the CA that signed your database server's certificate, for sslmode=verify-ca or verify-full in database-url."
  },
  {
    name: 'objects',
    default: 'charges',
    since: '1.1.0',
    // Written from the registry: a new object is listed here (and in action.yml and the README) by being registered.
    description: `What to sync: ${OBJECTS.map((o) => o.name).join(', ')}, a comma-separated list of them, or all (every object the action supports, including ones added later; with all, an object the restricted key may not read is skipped with a warning). Each has its own table in \`schema\`; charges keep \`table\`.`
  },
  {
    name: 'max-total-requests-per-second',
    default: '',
    since: '1.1.0',
    description:
      "Ceiling on Stripe API requests per second over all endpoints together (1-100). Empty means 80 with a live key and 20 with a test key, below Stripe's global limits of 100 and 25."
  },
  {
    name: 'customer-details',
    default: '',
    since: '1.1.0',
    description:
      'What the log, annotations, job summary and outputs show of customers: show, mask (j…@e….com, no descriptions) or hide. Empty means show on a private repository and mask on a public one or when unknown. The database always stores everything.'
  },
  {
    name: 'summary-amounts',
    default: '',
    since: '1.2.0',
    description:
      'Whether the job summary and annotations show money amounts: show or hide (counts, statuses, ids, dates and percentages stay). Empty means show on a private repository and hide on a public one or when unknown. Step outputs always carry the amounts.'
  },
  {
    name: 'account-shard',
    default: '',
    since: '1.2.0',
    description:
      "With several accounts: this runner's share in a matrix, k/n (e.g. ${{ matrix.shard }}/4). Shards share one database and take accounts from a work queue there, so uneven accounts balance and a killed shard's accounts are taken by the others. Empty: this runner syncs every account."
  }
] as const satisfies readonly InputDeclaration[]

export type InputName = (typeof GENERIC_INPUTS)[number]['name']

/** Each generic input's default. */
export const INPUT_DEFAULTS = Object.fromEntries(GENERIC_INPUTS.map((i) => [i.name, i.default])) as Readonly<Record<InputName, string>>

export interface Config {
  stripeKey: string
  /** `live` or `test`, from the key's prefix. */
  keyMode: 'live' | 'test'
  keyKind: 'secret' | 'restricted'
  /** Undefined only in a dry run. */
  databaseUrl: string | undefined
  /** Maximum number of matching charges to record; `Infinity` for `all`. */
  limit: number
  /** The statuses to keep (of objects whose spec has a status filter); every one for `all`. */
  statuses: ReadonlySet<string>
  /** Window on `created`, in Unix seconds: `gte` inclusive, `lt` exclusive. */
  createdGte: number | undefined
  createdLt: number | undefined
  table: string
  schema: string
  dryRun: boolean
  /** The one connected account every request is made for (the `Stripe-Account` header); undefined: the key's own, or several. */
  stripeAccount: string | undefined
  /** Several accounts (`stripe-account: all` or a list): each synced in turn, under one request budget. */
  accounts: { kind: 'all' } | { kind: 'list'; ids: readonly string[] } | undefined
  /** This runner's share of the accounts, in a matrix (`account-shard: k/n`). */
  accountShard: { index: number; total: number } | undefined
  stripeApiBase: URL
  /** Continue from the cursor kept in Postgres, oldest first, and replay change events. */
  incremental: boolean
  /** Seconds to wait for another run's lock before skipping. */
  lockTimeoutSeconds: number
  /** Seconds the run's lease lasts unrenewed (lock-lease). */
  leaseSeconds: number
  /** Ceiling on Stripe requests per second to any one endpoint. */
  maxRequestsPerSecond: number
  /** Ceiling on Stripe requests per second for the whole run, all endpoints together. */
  maxTotalRequestsPerSecond: number
  /** The objects to sync, in the registry's order. */
  objects: readonly ObjectName[]
  /**
   * `objects` said `all`: an object the key may not read (one added to `all` by a later version) is
   * skipped with a warning instead of failing the run.
   */
  objectsAll: boolean
  /** What of customers' data the log, summary and outputs show. */
  customerDetails: CustomerDetails
  /** Whether the job summary and annotations show amounts (outputs always carry them). */
  summaryAmounts: SummaryAmounts
  /** Why amounts are hidden (for the summary's notice); undefined when shown. */
  amountsHiddenBecause: AmountsHiddenBecause | undefined
  /** Whether the repository is private, from the event payload; undefined when unknown. */
  repositoryPrivate: boolean | undefined
  /** PEM certificate(s) of the CA that signed the database server's certificate (verify-ca, verify-full). */
  databaseCaCert: string | undefined
}

/** A bad input: names the input and says what it accepts. */
/**
 * A message that quotes what a user wrote, as it may be printed: control and bidi characters shown
 * escaped (`\n`, `\u202e`), a long quoted value cut (a 120 KB input makes no 120 KB annotation), the
 * whole at most 2,000 characters.
 */
export function echoed(detail: string): string {
  const escaped = detail.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what is escaped
    /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g,
    (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  const quotesCut = escaped.replace(/"([^"]{81,})"/g, (_, value: string) => `"${[...value].slice(0, 60).join('')}…" (${formatCount(value.length)} characters)`)
  return quotesCut.length > 2000 ? `${quotesCut.slice(0, 1999)}…` : quotesCut
}

export class InputError extends ActionError {
  constructor(
    /** The input's name (or two, `created-after / created-before`, when they conflict). */
    readonly input: string,
    detail: string
  ) {
    super(`Input \`${input}\`: ${echoed(detail)}`)
    this.name = 'InputError'
  }
}

export type InputReader = (name: string) => string

export interface ReadConfigOptions {
  /** Read one input; an empty string means "not given". */
  input: InputReader
  env?: NodeJS.ProcessEnv
  /** Called with every secret before validation, so nothing later can print it unmasked. */
  mask?: (secret: string, strength: 'strong' | 'weak') => void
  now?: Date
  /** Whether the repository is private (from the event payload); undefined when unknown. */
  repositoryPrivate?: boolean
}

export function readConfig({ input, env = {}, mask = () => {}, now = new Date(), repositoryPrivate }: ReadConfigOptions): Config {
  const get = (name: InputName): string => {
    const value = input(name).trim()
    return value === '' ? INPUT_DEFAULTS[name] : value
  }

  // Secrets first: masked before anything can be logged, even when they turn out invalid.
  const stripeKey = get('stripe-secret-key') || (env.STRIPE_SECRET_KEY ?? '').trim()
  const databaseUrl = get('database-url') || (env.DATABASE_URL ?? '').trim()
  const secrets = secretsOf(stripeKey, databaseUrl)
  for (const secret of secrets.strong) mask(secret, 'strong')
  for (const secret of secrets.weak) mask(secret, 'weak')

  const key = parseStripeKey(stripeKey)
  const dryRun = parseBoolean('dry-run', get('dry-run'))
  const createdGte = parseTime('created-after', get('created-after'), now)
  if (createdGte !== undefined && createdGte > Math.ceil(now.getTime() / 1000)) {
    // Nothing can be created after it yet; an incremental cursor started there would skip what comes meanwhile.
    throw new InputError(
      'created-after',
      `"${get('created-after')}" (${isoSeconds(createdGte)}) is in the future: it is now ${isoSeconds(Math.floor(now.getTime() / 1000))}. Give a past date or an age such as 7d.`
    )
  }
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

  const accounts = parseStripeAccount(get('stripe-account'))
  const accountShard = parseAccountShard(get('account-shard'), accounts.accounts)
  if (accountShard && dryRun) {
    throw new InputError('account-shard', 'cannot be combined with `dry-run: true`: shards share their accounts through a table in Postgres.')
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
    ...accounts,
    accountShard,
    stripeApiBase: parseApiBase(get('stripe-api-base')),
    incremental,
    lockTimeoutSeconds: parseLockTimeout(get('lock-timeout')),
    leaseSeconds: parseLease(get('lock-lease')),
    maxRequestsPerSecond: parseRequestsPerSecond('max-requests-per-second', get('max-requests-per-second')),
    maxTotalRequestsPerSecond: get('max-total-requests-per-second')
      ? parseRequestsPerSecond('max-total-requests-per-second', get('max-total-requests-per-second'))
      : key.keyMode === 'live'
        ? LIVE_TOTAL_DEFAULT
        : TEST_TOTAL_DEFAULT,
    ...parseObjects(get('objects')),
    customerDetails: parseCustomerDetails(get('customer-details'), repositoryPrivate),
    ...parseSummaryAmounts(get('summary-amounts'), repositoryPrivate),
    repositoryPrivate,
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

/** The default global ceiling: below Stripe's 100 requests/s in live mode and 25 in a sandbox, leaving your application room. */
export const LIVE_TOTAL_DEFAULT = 80
export const TEST_TOTAL_DEFAULT = 20

export function parseRequestsPerSecond(name: 'max-requests-per-second' | 'max-total-requests-per-second', value: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw new InputError(
      name,
      `"${value}" is not a whole number from 1 to 100. Stripe allows about 25 requests per second on one endpoint, and 100 in all in live mode (25 in a sandbox), shared with your own application.`
    )
  }
  return Number(value)
}

/** `charges`, a comma-separated list of objects, or `all`. Returned in the registry's order. */
export function parseObjects(value: string): Pick<Config, 'objects' | 'objectsAll'> {
  const known = OBJECTS.map((o) => o.name as string)
  const parts = value
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '')
  if (parts.length === 0) throw new InputError('objects', `nothing given. Expected ${known.join(', ')}, a comma-separated list of them, or all.`)
  // Every word is checked, `all` or not: a typo next to `all` is still a typo.
  for (const part of parts) {
    if (part !== 'all' && !known.includes(part))
      throw new InputError('objects', `unknown object "${part}". Expected ${known.join(', ')}, a comma-separated list of them, or all.`)
  }
  if (parts.includes('all')) return { objects: OBJECTS.map((o) => o.name), objectsAll: true }
  return { objects: OBJECTS.filter((o) => parts.includes(o.name)).map((o) => o.name), objectsAll: false }
}

export function parseCustomerDetails(value: string, repositoryPrivate: boolean | undefined): CustomerDetails {
  if (value === '') return defaultCustomerDetails(repositoryPrivate)
  const mode = value.toLowerCase()
  if (!(CUSTOMER_DETAILS as readonly string[]).includes(mode)) {
    throw new InputError('customer-details', `"${value}" is not one of show, mask, hide (empty: show on a private repository, mask otherwise).`)
  }
  return mode as CustomerDetails
}

export function parseSummaryAmounts(value: string, repositoryPrivate: boolean | undefined): Pick<Config, 'summaryAmounts' | 'amountsHiddenBecause'> {
  if (value === '') {
    const summaryAmounts = defaultSummaryAmounts(repositoryPrivate)
    return { summaryAmounts, amountsHiddenBecause: summaryAmounts === 'show' ? undefined : repositoryPrivate === false ? 'public' : 'unknown' }
  }
  const mode = value.toLowerCase()
  if (!(SUMMARY_AMOUNTS as readonly string[]).includes(mode)) {
    throw new InputError('summary-amounts', `"${value}" is not one of show, hide (empty: show on a private repository, hide otherwise).`)
  }
  return { summaryAmounts: mode as SummaryAmounts, amountsHiddenBecause: mode === 'hide' ? 'input' : undefined }
}

export function parseLockTimeout(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 21600) {
    throw new InputError('lock-timeout', `"${value}" is not a number of seconds from 0 to 21600 (6 hours, a job's limit).`)
  }
  return Number(value)
}

export function parseLease(value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 10 || Number(value) > 3600) {
    throw new InputError('lock-lease', `"${value}" is not a number of seconds from 10 to 3600.`)
  }
  return Number(value)
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

export function parseStatuses(value: string): ReadonlySet<string> {
  const known = statusValues(OBJECTS)
  const parts = value.split(',').map((part) => part.trim().toLowerCase())
  const statuses = new Set<string>()
  // Every word is checked, `all` or not: a typo next to `all` is still a typo.
  for (const part of parts) {
    if (part === 'all') continue
    if (!known.includes(part)) {
      throw new InputError('status', `unknown status "${part}". Expected ${known.join(', ')}, a comma-separated combination, or all.`)
    }
    statuses.add(part)
  }
  return parts.includes('all') ? new Set(known) : statuses
}

export function parseBoolean(name: string, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(name, `"${value}" is not a boolean. Expected true or false.`)
}

/** Postgres truncates identifiers to 63 bytes; every name the action derives must fit. */
const MAX_IDENTIFIER_BYTES = 63

/**
 * The longest table name whose derived names fit: `<table>_created_at_idx` (15 more),
 * `<table>_charge_id_key`, `<table>_monitor_idx`, `<table>_daily`.
 */
export const MAX_TABLE_NAME = MAX_IDENTIFIER_BYTES - '_created_at_idx'.length

export function parseIdentifier(name: 'table' | 'schema', value: string): string {
  const max = name === 'table' ? MAX_TABLE_NAME : MAX_IDENTIFIER_BYTES
  if (!new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${max - 1}}$`).test(value)) {
    throw new InputError(
      name,
      `"${value}" is not a plain identifier of at most ${max} characters. Use letters, digits and underscores (not starting with a digit)` +
        (name === 'table' ? `; ${max} leaves room for the names derived from it (indexes, the _daily view) within Postgres's ${MAX_IDENTIFIER_BYTES}.` : '.')
    )
  }
  if (name === 'table' && /^pg_/i.test(value)) throw new InputError('table', `"${value}": names starting with pg_ are reserved by Postgres.`)
  if (name === 'schema' && /^(pg_|information_schema$)/i.test(value)) {
    throw new InputError('schema', `"${value}" is a system schema. Use public or a schema of your own.`)
  }
  // Refused rather than folded: folding would move a run that used "Finance" before to a new, empty finance.
  if (name === 'schema' && value !== value.toLowerCase()) {
    throw new InputError(
      'schema',
      `"${value}" has capital letters. Postgres folds unquoted names to lower case (SELECT … FROM ${value}.x reads ${value.toLowerCase()}), so it would be a second schema beside ${value.toLowerCase()}. Write it in lower case: ${value.toLowerCase()}.`
    )
  }
  return value
}

const ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,64}$/

/** `stripe-account`: one connected account (the header of every request), or several: `all`, or a list. */
export function parseStripeAccount(value: string): Pick<Config, 'stripeAccount' | 'accounts'> {
  const text = value.trim()
  if (text === '') return { stripeAccount: undefined, accounts: undefined }
  if (text.toLowerCase() === 'all') return { stripeAccount: undefined, accounts: { kind: 'all' } }
  const ids = text.split(',').map((v) => v.trim())
  if (ids.includes('')) {
    throw new InputError(
      'stripe-account',
      `"${value}" has an empty item (two commas together, or one at either end). Expected acct_… ids separated by commas, or all.`
    )
  }
  for (const id of ids) {
    if (!ACCOUNT_ID.test(id)) {
      throw new InputError(
        'stripe-account',
        `"${id}" is not a connected account id. Expected acct_ followed by letters and digits, a comma-separated list of them, or all.`
      )
    }
  }
  const unique = [...new Set(ids)]
  if (unique.length === 1) return { stripeAccount: unique[0], accounts: undefined }
  return { stripeAccount: undefined, accounts: { kind: 'list', ids: unique } }
}

/** `account-shard`: `k/n`, this runner's share of the accounts of a matrix of n. */
export function parseAccountShard(value: string, accounts: Config['accounts']): Config['accountShard'] {
  const text = value.trim()
  if (text === '') return undefined
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text)
  const index = Number(match?.[1])
  const total = Number(match?.[2])
  if (!match || total < 1 || total > 256 || index < 1 || index > total) {
    throw new InputError('account-shard', `"${value}" is not a shard. Expected k/n with 1 ≤ k ≤ n ≤ 256, e.g. 1/4 (from a matrix: \${{ matrix.shard }}/4).`)
  }
  if (!accounts) throw new InputError('account-shard', 'applies to several accounts: set `stripe-account: all` or a list of account ids.')
  return { index, total }
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
    throw new InputError('stripe-api-base', `"${value}" must be a bare origin such as https://api.stripe.com (no path, query or credentials).`)
  }
  return url
}

// Years 2000–9999: anything outside is a typo, and Stripe has no charges before 2010 anyway.
const MIN_TIME = Date.UTC(2000, 0, 1) / 1000
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59) / 1000
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * A point in time as Unix seconds, rounded up: Stripe's `created` is whole seconds, so
 * `created >= 10.5` and `created < 10.5` are `created >= 11` and `created < 11`.
 */
export function parseTime(name: 'created-after' | 'created-before', value: string, now: Date): number | undefined {
  if (value === '') return undefined
  const accepted = 'Expected an ISO 8601 date or date-time (2026-01-31, 2026-01-31T09:30:00Z), Unix seconds, or an age such as 30m, 24h, 7d.'
  let seconds: number
  const age = ageSeconds(value)
  if (/^\d+$/.test(value)) {
    if (value.length >= 13) {
      throw new InputError(name, `"${value}" looks like milliseconds; give Unix time in seconds. ${accepted}`)
    }
    seconds = Number(value)
  } else if (age !== undefined) {
    seconds = now.getTime() / 1000 - age
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
