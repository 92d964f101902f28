import pg from 'pg'
import type { ConnectionOptions } from 'node:tls'
import { ActionError } from '../errors.js'

/** Postgres could not be reached or refused us: the message says which and what to check. */
export class DatabaseError extends ActionError {
  constructor(
    message: string,
    readonly code?: string
  ) {
    super(message)
    this.name = 'DatabaseError'
  }
}

/** TLS without checking the certificate: libpq's `require` (and the first try of `prefer`). */
const ENCRYPT_ONLY: ConnectionOptions = { rejectUnauthorized: false }

/**
 * TLS from the URL's sslmode, with libpq's meaning (pg on its own treats `require` as
 * `verify-full`, which breaks most hosted databases that libpq users connect to fine). For
 * `prefer` (libpq's default, also with no sslmode) and `allow`, this is the first try; `connect`
 * falls back as libpq does.
 */
export function sslOptions(sslmode: string | null, ca?: string): false | ConnectionOptions {
  switch (sslmode) {
    case 'disable':
    case 'allow':
      return false
    case null:
    case 'prefer':
    case 'require':
    case 'no-verify':
      return ENCRYPT_ONLY
    case 'verify-ca':
      // Chain checked against the CA; the host name is not (libpq's verify-ca).
      return { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { rejectUnauthorized: true, ca }
    default:
      throw new DatabaseError(`Unknown sslmode "${sslmode}"`)
  }
}

export function clientConfig(databaseUrl: string, ca?: string): pg.ClientConfig {
  const url = new URL(databaseUrl)
  const sslmode = url.searchParams.get('sslmode')
  // TLS is set here, not by pg's own URL parser.
  for (const key of ['sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'uselibpqcompat']) url.searchParams.delete(key)
  return {
    connectionString: url.toString(),
    ssl: sslOptions(sslmode, ca),
    application_name: 'stripe-payment-monitor',
    connectionTimeoutMillis: 15_000
  }
}

/** The server has no TLS: what pg says when asked for it. */
function noTlsOnServer(error: unknown): boolean {
  return /does not support SSL/i.test((error as Error)?.message ?? '')
}

/** The server refused a plain connection for want of encryption (pg_hba.conf has only hostssl lines for us). */
function tlsRequired(error: unknown): boolean {
  const e = error as { code?: string; message?: string }
  return e?.code === '28000' && /no encryption|SSL off/i.test(e.message ?? '')
}

async function attempt(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config)
  // An idle client whose server goes away emits 'error'; without a listener Node would crash the step.
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}

/** How a connection is opened: its retries of what providers answer while waking or full. */
export interface ConnectOptions {
  /** Progress for the log (each retry, with why). */
  log?: (message: string) => void
  /** How long to keep retrying; default 60 s. */
  retrySeconds?: number
  sleep?: (ms: number) => Promise<void>
}

export const CONNECT_RETRY_SECONDS = 60

/**
 * What a provider answers for a while and then no longer: full (53300, a pooler's client limit),
 * waking (Neon's compute starting, 57P03), restarting (57P01), or a connection dropped as it opened.
 * Returns the reason in words, or undefined for an answer that retrying cannot change (a wrong
 * password, host or database).
 */
export function transientConnectFailure(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string }
  const message = e?.message ?? ''
  if (e?.code === '53300' || /too many (clients|connections)/i.test(message)) return 'the server has too many connections (53300)'
  if (e?.code === '57P03' || /starting up|not yet accepting connections/i.test(message)) return 'the database is starting up (57P03)'
  if (e?.code === '57P01' || e?.code === '57P02') return `the server ended the connection (${e.code})`
  if (/max_client_conn|max client connections|no more connections allowed|pool.*(full|exhausted)/i.test(message)) return "the pooler's client limit is reached"
  if (/compute node|waking|cold start/i.test(message) && !/disabled|suspended by/i.test(message)) return 'the database is waking up'
  if (e?.code === 'ECONNRESET' || /Connection terminated (unexpectedly|due to connection timeout)|timeout expired/i.test(message))
    return 'the connection dropped while opening'
  return undefined
}

/** Waits before retry `attempt` (1-based): 0.5 s doubling to 8 s, each between half and all of it. */
export function connectDelayMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(8000, 500 * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/**
 * Connects as libpq would: `prefer` (and no sslmode) tries TLS first and falls back to a plain
 * connection only when the server has no TLS; `allow` tries plain first and falls back to TLS
 * only when the server insists on it. Answers that pass (a full or waking server) are retried with
 * backoff for up to `retrySeconds`, then reported with what was tried.
 */
export async function connect(databaseUrl: string, ca?: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const config = clientConfig(databaseUrl, ca)
  const sslmode = new URL(databaseUrl).searchParams.get('sslmode')
  const host = new URL(config.connectionString!).host
  const where = `connect to Postgres at ${host}`
  const budgetMs = (options.retrySeconds ?? CONNECT_RETRY_SECONDS) * 1000
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const started = Date.now()
  for (let tries = 1; ; tries++) {
    try {
      return await connectOnce(config, sslmode)
    } catch (error) {
      const why = transientConnectFailure(error)
      const waited = Date.now() - started
      const delay = connectDelayMs(tries)
      if (why === undefined) throw describeDatabaseError(error, where)
      if (waited + delay > budgetMs) {
        throw describeDatabaseError(error, `${where} (${why}; tried ${tries} times over ${Math.round(waited / 1000)} s)`)
      }
      options.log?.(
        `Postgres at ${host}: ${why}; retrying in ${(delay / 1000).toFixed(1)} s (attempt ${tries + 1}, for up to ${Math.round(budgetMs / 1000)} s).`
      )
      await sleep(delay)
    }
  }
}

async function connectOnce(config: pg.ClientConfig, sslmode: string | null): Promise<pg.Client> {
  try {
    return await attempt(config)
  } catch (error) {
    const fallback =
      (sslmode === null || sslmode === 'prefer') && noTlsOnServer(error) ? false : sslmode === 'allow' && tlsRequired(error) ? ENCRYPT_ONLY : undefined
    if (fallback === undefined) throw error
    return await attempt({ ...config, ssl: fallback })
  }
}

/** Turns a driver error into a message that names what failed and what to check. */
export function describeDatabaseError(error: unknown, doing: string): DatabaseError {
  if (error instanceof DatabaseError) return error
  const e = error as { code?: string; message?: string }
  const detail = e.message ?? String(error)
  const hints: Record<string, string> = {
    ECONNREFUSED: 'nothing is listening there; check the host and port in database-url',
    ENOTFOUND: 'the host name does not resolve; check database-url',
    ETIMEDOUT: 'the connection timed out; check the host, port and firewall',
    '28P01': 'password authentication failed; check the user and password in database-url',
    '28000': 'the server refused this user or client; check pg_hba.conf and sslmode',
    '3D000': 'the database does not exist; check the database name in database-url',
    '42501': 'permission denied; see "Database permissions" in the README for the grants the action needs',
    '57014': "the statement was cancelled (statement_timeout); raise the role's statement_timeout",
    '25P03': "the server ended a transaction left idle (idle_in_transaction_session_timeout); raise the role's idle_in_transaction_session_timeout",
    '57P01': 'the server shut down during the run; what was committed is kept, re-run the step',
    '57P03': 'the database is still starting up; re-run the step',
    '53300': 'the server has too many connections; lower max_connections use elsewhere, or connect through its pooler',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed; pass its CA in database-ca-cert',
    SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain is not trusted; pass its CA in database-ca-cert',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by a trusted CA; pass the right CA in database-ca-cert',
    ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host; use the host name on the certificate, or sslmode=verify-ca',
    CERT_HAS_EXPIRED: 'the server certificate has expired'
  }
  const hint =
    (e.code && hints[e.code]) ??
    (/timeout/i.test(detail)
      ? hints.ETIMEDOUT
      : /does not support SSL|server does not support/i.test(detail)
        ? 'the server does not offer TLS; use sslmode=disable or enable ssl on the server'
        : undefined)
  return new DatabaseError(`Postgres: could not ${doing}: ${detail}${hint ? ` (${hint})` : ''}`, e.code)
}
