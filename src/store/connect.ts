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

/**
 * The action's statements are short or run once: JIT compilation would cost more than it saves
 * (the MRR views' plans pass jit_above_cost and spent 1.4 s compiling to save milliseconds).
 * Servers before Postgres 11 have no `jit` setting; that one refusal is expected.
 */
async function noJit(client: pg.Client): Promise<void> {
  try {
    await client.query('SET jit = off')
  } catch (error) {
    if ((error as { code?: string }).code !== '42704') throw error
  }
}

async function attempt(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config)
  // An idle client whose server goes away emits 'error'; without a listener Node would crash the step.
  client.on('error', () => {})
  try {
    await client.connect()
    await noJit(client)
    return client
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
}

/**
 * Connects as libpq would: `prefer` (and no sslmode) tries TLS first and falls back to a plain
 * connection only when the server has no TLS; `allow` tries plain first and falls back to TLS
 * only when the server insists on it.
 */
export async function connect(databaseUrl: string, ca?: string): Promise<pg.Client> {
  const config = clientConfig(databaseUrl, ca)
  const sslmode = new URL(databaseUrl).searchParams.get('sslmode')
  const where = `connect to Postgres at ${new URL(config.connectionString!).host}`
  try {
    return await attempt(config)
  } catch (error) {
    const fallback =
      (sslmode === null || sslmode === 'prefer') && noTlsOnServer(error) ? false : sslmode === 'allow' && tlsRequired(error) ? ENCRYPT_ONLY : undefined
    if (fallback === undefined) throw describeDatabaseError(error, where)
    try {
      return await attempt({ ...config, ssl: fallback })
    } catch (second) {
      throw describeDatabaseError(second, where)
    }
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
    '57P01': 'the server shut down during the run; what was committed is kept, re-run the step',
    '53300': 'the server has too many connections',
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
