import { randomUUID } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import type pg from 'pg'
import { qualified } from './columns.js'
import { DatabaseError } from './connect.js'
import { createIfMissing, relationExists } from './schema.js'

/**
 * The run lock as a lease row, claimed and renewed with plain statements: nothing is held across
 * transactions, so it works the same directly, through a session-mode pooler and through a
 * transaction-mode one (PgBouncer, Supavisor on 6543, Neon's -pooler host), where a session-level
 * advisory lock stays behind on a pooled server connection after the run has gone and freezes every
 * later run. A run killed at any instant blocks the next one at most until its lease expires.
 */
export const LEASE_TABLE = 'stripe_sync_lease'

/** The namespace of the fallback session lock (the key versions before 1.4 took, so old and new runs exclude each other). */
export const LOCK_CLASS = 'stripe-payment-monitor'
/** The namespace of the transaction lock runs prepare tables behind (shards, two first runs of a schema). */
export const PREPARE_LOCK_CLASS = 'stripe-payment-monitor prepare'

export async function ensureLeaseTable(client: pg.Client, schema: string): Promise<boolean> {
  return createIfMissing(
    client,
    schema,
    LEASE_TABLE,
    `
    name text PRIMARY KEY,
    holder text NOT NULL,
    run text NOT NULL,
    taken_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    released_at timestamptz,
    backend_pid integer,
    backend_start timestamptz,
    direct boolean NOT NULL DEFAULT false
  `
  )
}

export function leaseTableExists(client: pg.Client, schema: string): Promise<boolean> {
  return relationExists(client, schema, LEASE_TABLE)
}

/** A lease as the table holds it, with the database's clock when it was read. */
export interface LeaseRecord {
  run: string
  takenAt: Date
  renewedAt: Date
  expiresAt: Date
  releasedAt: Date | null
  /** The database's clock at the read: ages are measured on it, not on the runner's. */
  now: Date
}

interface LeaseRow {
  run: string
  taken_at: string | Date
  renewed_at: string | Date
  expires_at: string | Date
  released_at: string | Date | null
  now: string | Date
}

function record(row: LeaseRow): LeaseRecord {
  return {
    run: row.run,
    takenAt: new Date(row.taken_at),
    renewedAt: new Date(row.renewed_at),
    expiresAt: new Date(row.expires_at),
    releasedAt: row.released_at === null ? null : new Date(row.released_at),
    now: new Date(row.now)
  }
}

/** The address and port a client connects to, as the server sees itself when nothing stands between. */
export interface Endpoint {
  address: string
  port: number
}

/**
 * Where `databaseUrl` points: its host resolved to the address the client will reach, and its port;
 * undefined for a Unix socket or a host that does not resolve (the lease is then judged by expiry alone).
 */
export async function endpointOf(databaseUrl: string): Promise<Endpoint | undefined> {
  const url = new URL(databaseUrl)
  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '')
  if (host === '' || host.startsWith('/')) return undefined
  try {
    const { address } = await lookup(host)
    return { address, port: Number(url.port || 5432) }
  } catch {
    // Connecting fails too, and says why; judged by expiry meanwhile.
    return undefined
  }
}

/**
 * The backend that ran the statement, and whether the client reached it directly: the server's own
 * address and port are the ones the client connected to. Through a pooler or proxy they are not, and
 * the backend outlives the client, so only a direct holder's lease can be judged by its backend.
 * `address` and `port` are the statement's parameter numbers for the endpoint.
 */
function me(address: number, port: number): string {
  return `SELECT pg_backend_pid() AS pid, (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS started,
         coalesce(host(inet_server_addr()) = $${address}::text AND inet_server_port() = $${port}::int, false) AS direct`
}

/** Runs a statement and returns its rows: a client's connection, or a feature's database. */
export type Rows = <R extends pg.QueryResultRow>(sql: string, params: unknown[]) => Promise<R[]>

export function rowsOf(client: pg.Client): Rows {
  return async <R extends pg.QueryResultRow>(sql: string, params: unknown[]) => (await client.query<R>(sql, params)).rows
}

export type Claim =
  /** Taken; `abandoned` is the lease it took over, when its holder neither released nor renewed it (a killed run). */
  { taken: true; abandoned?: LeaseRecord } | { taken: false; held: LeaseRecord }

/** A claim by a run whose fallback lock cannot say who holds it. */
export type RunClaim = Claim | { taken: false; held?: undefined }

/**
 * One statement: insert the lease, or take it over when it was released, has expired, or its holder
 * was connected directly and its backend is gone (a killed run: its connection closed with it, so
 * the next run need not wait out the lease). Two runs at once conflict on the primary key; Postgres
 * lets exactly one of them through (the other sees the winner's row, which is live) and the loser
 * reads who holds it.
 */
export async function claimLease(
  query: Rows,
  schema: string,
  name: string,
  holder: string,
  run: string,
  ttlSeconds: number,
  endpoint?: Endpoint
): Promise<Claim> {
  const table = qualified(schema, LEASE_TABLE)
  const claimed = await query<{ prior: LeaseRow | null }>(
    `WITH prior AS (SELECT run, taken_at, renewed_at, expires_at, released_at, now() AS now FROM ${table} WHERE name = $1), me AS (${me(5, 6)})
     INSERT INTO ${table} AS l (name, holder, run, taken_at, renewed_at, expires_at, released_at, backend_pid, backend_start, direct)
     SELECT $1, $2, $3, now(), now(), now() + $4 * interval '1 second', NULL, me.pid, me.started, me.direct FROM me
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, run = EXCLUDED.run, taken_at = now(), renewed_at = now(),
       expires_at = EXCLUDED.expires_at, released_at = NULL, backend_pid = EXCLUDED.backend_pid, backend_start = EXCLUDED.backend_start,
       direct = EXCLUDED.direct
     WHERE l.released_at IS NOT NULL OR l.expires_at <= now()
        OR (l.direct AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.backend_pid AND a.backend_start = l.backend_start))
     RETURNING (SELECT row_to_json(prior) FROM prior) AS prior`,
    [name, holder, run, ttlSeconds, endpoint?.address ?? null, endpoint?.port ?? null]
  )
  if (claimed.length === 1) {
    const prior = claimed[0]!.prior
    return prior && prior.released_at === null ? { taken: true, abandoned: record(prior) } : { taken: true }
  }
  const [held] = await query<LeaseRow>(`SELECT run, taken_at, renewed_at, expires_at, released_at, now() AS now FROM ${table} WHERE name = $1`, [name])
  // Released between the two statements: the next poll takes it.
  const now = new Date()
  if (!held) return { taken: false, held: { run: 'a run that has just finished', takenAt: now, renewedAt: now, expiresAt: now, releasedAt: now, now } }
  return { taken: false, held: record(held) }
}

/** Extends the lease; false when it is no longer this holder's (taken over after it expired). */
export async function renewLease(client: pg.Client, schema: string, name: string, holder: string, ttlSeconds: number, endpoint?: Endpoint): Promise<boolean> {
  const renewed = await client.query(
    `WITH me AS (${me(4, 5)})
     UPDATE ${qualified(schema, LEASE_TABLE)} SET renewed_at = now(), expires_at = now() + $3 * interval '1 second',
            backend_pid = me.pid, backend_start = me.started, direct = me.direct
       FROM me WHERE name = $1 AND holder = $2 AND released_at IS NULL`,
    [name, holder, ttlSeconds, endpoint?.address ?? null, endpoint?.port ?? null]
  )
  return renewed.rowCount === 1
}

export async function releaseLease(query: Rows, schema: string, name: string, holder: string): Promise<void> {
  await query(`UPDATE ${qualified(schema, LEASE_TABLE)} SET released_at = now(), expires_at = now() WHERE name = $1 AND holder = $2 AND released_at IS NULL`, [
    name,
    holder
  ])
}

/** Another run holds the schema's lease: this run writes nothing. */
export class RunLockHeld extends DatabaseError {
  constructor(
    readonly schema: string,
    readonly held: LeaseRecord
  ) {
    super(`another run holds the lock on schema ${schema}`)
    this.name = 'RunLockHeld'
  }
}

/** The lease ran out before it was renewed (the run stalled, or lost the database): it stops writing. */
export class LeaseLostError extends DatabaseError {
  constructor(schema: string, why: string) {
    super(
      `Postgres: the run's lock on schema ${schema} was lost (${why}); it stopped writing so that two runs never write at once. ` +
        'What was committed is kept; re-run the step. If the database is slow to answer, raise lock-lease.'
    )
    this.name = 'LeaseLostError'
  }
}

/** How often a held lease is renewed: four times a lease, so three renewals can be late or lost. */
export const RENEWALS_PER_LEASE = 4

/**
 * A lease this run holds: renewed in the background, released at the end. `check()` is called before
 * every commit: it fails once the lease may have run out by the runner's own clock (measured from
 * when the last successful renewal was sent, so a slow answer only shortens it), before another run
 * could take it over — a fence that costs no query.
 */
export class RunLease {
  readonly holder = randomUUID()
  private validUntil: number
  private lost: string | undefined
  private timer: NodeJS.Timeout | undefined
  private renewing: Promise<void> = Promise.resolve()
  /** Statements the lease has cost this run: the claim (one or two a poll), renewals and the release. */
  queries = 0

  constructor(
    private readonly client: pg.Client,
    readonly schema: string,
    readonly name: string,
    readonly run: string,
    readonly ttlSeconds: number,
    /** Where the run connects: whether its backend can vouch for it (see `me`). */
    readonly endpoint: Endpoint | undefined,
    private readonly monotonicMs: () => number = () => performance.now()
  ) {
    this.validUntil = this.monotonicMs() + ttlSeconds * 1000
    // Its connection gone, a direct holder's lease is free to the next run at once: stop writing now.
    client.on('end', () => {
      if (this.timer) this.lost ??= 'its connection to Postgres closed'
    })
  }

  /** The runner's monotonic clock, in ms (a claim made elsewhere is dated with it). */
  clock(): number {
    return this.monotonicMs()
  }

  /**
   * A role that may not use the lease table (an owner has not granted it yet) falls back to a
   * session advisory lock, as versions before 1.4 took: safe directly, stranded by a
   * transaction-mode pooler (the run says so, with what an owner should run).
   */
  advisory = false

  /** Tries to claim it, polling up to `timeoutSeconds`. */
  async claim(timeoutSeconds: number, pollMs = 250): Promise<RunClaim> {
    const deadline = Date.now() + timeoutSeconds * 1000
    for (;;) {
      const sent = this.monotonicMs()
      this.queries++
      if (this.advisory) {
        const locked = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [LOCK_CLASS, this.name])
        if (locked.rows[0]?.ok) return { taken: true }
        if (Date.now() >= deadline) return { taken: false }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))))
        continue
      }
      const claim = await claimLease(rowsOf(this.client), this.schema, this.name, this.holder, this.run, this.ttlSeconds, this.endpoint)
      if (!claim.taken) this.queries++
      if (claim.taken) {
        this.validUntil = sent + this.ttlSeconds * 1000
        return claim
      }
      if (Date.now() >= deadline) return claim
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))))
    }
  }

  /** Claimed in the transaction that created the table: valid from when that claim was sent. */
  claimedAt(sentMs: number): void {
    this.validUntil = sentMs + this.ttlSeconds * 1000
  }

  /** Held: renew it until `release`. */
  start(): void {
    if (this.advisory) return
    const every = (this.ttlSeconds * 1000) / RENEWALS_PER_LEASE
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew())
    }, every)
    // A renewal never keeps the process alive on its own.
    this.timer.unref()
  }

  private async renew(): Promise<void> {
    if (this.lost) return
    const sent = this.monotonicMs()
    try {
      this.queries++
      if (await renewLease(this.client, this.schema, this.name, this.holder, this.ttlSeconds, this.endpoint)) this.validUntil = sent + this.ttlSeconds * 1000
      else this.lost = 'another run took it over after it expired'
    } catch (error) {
      // The next renewal tries again; `check` fails the run if none succeeds in time.
      if (this.monotonicMs() > this.validUntil) this.lost = `it could not be renewed: ${(error as Error).message}`
    }
  }

  /** Throws when the lease may no longer be this run's. */
  check(): void {
    if (this.advisory) return
    if (!this.lost && this.monotonicMs() > this.validUntil - Math.min(2000, (this.ttlSeconds * 1000) / 10)) {
      this.lost = `not renewed for ${this.ttlSeconds} s`
    }
    if (this.lost) throw new LeaseLostError(this.schema, this.lost)
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.renewing
    if (this.lost) return
    this.queries++
    if (this.advisory) {
      await this.client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [LOCK_CLASS, this.name])
      return
    }
    await releaseLease(rowsOf(this.client), this.schema, this.name, this.holder)
  }
}

/** Who a run is, as a skipped run reports it: the workflow run on GitHub, else the process. */
export function runName(env: NodeJS.ProcessEnv, pid = process.pid): string {
  if (env.GITHUB_RUN_ID) {
    const repo = env.GITHUB_REPOSITORY ? `${env.GITHUB_REPOSITORY} ` : ''
    const job = env.GITHUB_JOB ? `, job ${env.GITHUB_JOB}` : ''
    return `${repo}run ${env.GITHUB_RUN_ID} attempt ${env.GITHUB_RUN_ATTEMPT ?? '1'}${job}`
  }
  return `process ${pid} (not on GitHub Actions)`
}

/** Whether this role can use the lease table: read and write it, or create it where it is missing. */
export async function mayUseLease(client: pg.Client, schema: string): Promise<boolean> {
  const table = qualified(schema, LEASE_TABLE)
  const result = await client.query<{ can: boolean }>(
    `SELECT CASE WHEN to_regclass($1) IS NOT NULL
                 THEN has_table_privilege($1, 'SELECT') AND has_table_privilege($1, 'INSERT') AND has_table_privilege($1, 'UPDATE')
                 WHEN to_regnamespace($2) IS NOT NULL THEN has_schema_privilege($2, 'CREATE')
                 ELSE has_database_privilege(current_database(), 'CREATE') END AS can`,
    [table, schema]
  )
  return result.rows[0]?.can === true
}

/** What the run says when it falls back to the advisory lock, with what an owner should run. */
export function advisoryFallback(schema: string, role: string): string {
  const table = qualified(schema, LEASE_TABLE)
  return (
    `This role may not use ${table}, the run lock of this version, so the run locks the schema with a session advisory lock as 1.3 did: ` +
    'safe on a direct connection, but a transaction-mode pooler (Supabase on port 6543, Neon -pooler, PgBouncer) strands it and freezes later runs. ' +
    `An owner of the schema should run: CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, holder text NOT NULL, run text NOT NULL, ` +
    'taken_at timestamptz NOT NULL, renewed_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, released_at timestamptz, backend_pid integer, ' +
    `backend_start timestamptz, direct boolean NOT NULL DEFAULT false); GRANT SELECT, INSERT, UPDATE ON ${table} TO ${role};`
  )
}
