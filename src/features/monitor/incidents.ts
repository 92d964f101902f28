import { randomUUID } from 'node:crypto'
import type { Column } from '../../objects/spec.js'
import type { FeatureDatabase } from '../../report/feature.js'
import type { TableDefinition } from '../../store/schema.js'
import { claimLease, releaseLease, type Rows } from '../../store/lease.js'
import type { Finding, MonitorName, Severity } from './monitor.js'

export const INCIDENTS_TABLE = 'stripe_monitor_incidents'

/** A column of a feature's own table (filled by the feature, not from a Stripe object). */
export const column = (name: string, type: string, more: Partial<Column> = {}): Column => ({ name, type, fromRow: false, ...more })

/**
 * The incidents, one row each: open while a run still sees it, resolved when one no longer does.
 * `open_key` (account, monitor, key) is unique while it is open and NULL once resolved: at most one
 * open incident per account, monitor and key, even when runs overlap or shards race.
 */
export const INCIDENTS: TableDefinition = {
  table: INCIDENTS_TABLE,
  columns: [
    column('incident_id', 'text', { notNull: true }),
    column('account_id', 'text'),
    column('monitor', 'text', { notNull: true }),
    column('key', 'text', { notNull: true }),
    column('severity', 'text', { notNull: true }),
    column('state', 'text', { notNull: true }),
    column('opened_at', 'timestamptz', { notNull: true }),
    column('last_seen_at', 'timestamptz', { notNull: true }),
    column('resolved_at', 'timestamptz'),
    column('summary', 'text', { notNull: true }),
    column('observed', 'jsonb'),
    column('expected', 'jsonb'),
    column('dashboard_url', 'text'),
    column('issue_number', 'integer'),
    // What GitHub holds for it: creating (claimed, the reply not read yet), open, closed, acknowledged (closed by hand).
    column('issue_state', 'text'),
    // The severity the issue last told (a change is commented on once).
    column('issue_severity', 'text'),
    // When a run last claimed it to create its issue (a lost reply is looked for by marker before creating again).
    column('issue_claimed_at', 'timestamptz'),
    column('open_key', 'text'),
    column('updated_at', 'timestamptz', { default: 'now()' })
  ],
  idColumn: 'incident_id',
  indexes: ['opened_at'],
  unique: ['open_key'],
  optional: 'incidents are not remembered between runs'
}

/** A finding of one monitor, with the link it shows. */
export interface Seen extends Finding {
  monitor: MonitorName
  dashboardUrl: string
}

/** An incident as stored. */
export interface Incident {
  id: string
  account: string | null
  monitor: MonitorName
  key: string
  severity: Severity
  openedAt: Date
  resolvedAt: Date | null
  summary: string
  observed: Record<string, unknown>
  expected: Record<string, unknown>
  dashboardUrl: string
  issueNumber: number | null
  /** What GitHub holds for it (see `IssueState`); null before its issue is first claimed. */
  issueState: IssueState | null
  /** The severity its issue last told. */
  issueSeverity: Severity | null
  issueClaimedAt: Date | null
}

/** What GitHub holds for an incident: an issue being created, open, closed by the log, or closed by hand (acknowledged). */
export type IssueState = 'creating' | 'open' | 'closed' | 'acknowledged'

/** What a run did to an incident. */
export interface Change {
  incident: Incident
  state: 'opened' | 'ongoing' | 'resolved'
  /** Its severity before this run, when the run changed it. */
  previousSeverity?: Severity
}

export function openKey(account: string | null, monitor: string, key: string): string {
  return `${account ?? ''}|${monitor}|${key}`
}

interface Row {
  incident_id: string
  account_id: string | null
  monitor: MonitorName
  key: string
  severity: Severity
  opened_at: Date
  resolved_at: Date | null
  summary: string
  observed: Record<string, unknown> | null
  expected: Record<string, unknown> | null
  dashboard_url: string | null
  issue_number: number | null
  issue_state: IssueState | null
  issue_severity: Severity | null
  issue_claimed_at: Date | null
}

function incidentOf(r: Row): Incident {
  return {
    id: r.incident_id,
    account: r.account_id,
    monitor: r.monitor,
    key: r.key,
    severity: r.severity,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    summary: r.summary,
    observed: r.observed ?? {},
    expected: r.expected ?? {},
    dashboardUrl: r.dashboard_url ?? '',
    issueNumber: r.issue_number,
    issueState: r.issue_state,
    issueSeverity: r.issue_severity,
    issueClaimedAt: r.issue_claimed_at
  }
}

/**
 * The incidents a run starts from, in one read: those open now (by open key), and every one open at
 * any time since `since` (Unix seconds) — open now or resolved after it — for `openSince`.
 */
export async function incidentsSince(db: FeatureDatabase, since: number): Promise<{ open: Map<string, Incident>; recent: Incident[] }> {
  const rows = await db.query<Row & { state: string }>(`SELECT * FROM ${db.table(INCIDENTS_TABLE)} WHERE state = 'open' OR resolved_at >= to_timestamp($1)`, [
    since
  ])
  const recent = rows.map(incidentOf)
  const open = new Map(rows.flatMap((r, k) => (r.state === 'open' ? [[openKey(r.account_id, r.monitor, r.key), recent[k]!] as const] : [])))
  return { open, recent }
}

/**
 * Brings the table in line with what this run saw: a finding with no open incident opens one (a
 * race with another run opens one, not two); one with an open incident updates it; an open incident
 * of a monitor this run evaluated that nothing saw any more is resolved.
 */
export async function recordIncidents(
  db: FeatureDatabase,
  seen: readonly Seen[],
  evaluated: ReadonlySet<MonitorName>,
  open: ReadonlyMap<string, Incident>,
  now: Date
): Promise<Change[]> {
  const table = db.table(INCIDENTS_TABLE)
  const changes: Change[] = []
  const keys = new Set<string>()
  for (const f of seen) {
    const key = openKey(f.account, f.monitor, f.key)
    keys.add(key)
    const values = [f.severity, f.summary, JSON.stringify(f.observed), JSON.stringify(f.expected), f.dashboardUrl, now]
    const before = open.get(key)
    if (!before) {
      const inserted = await db.query<Row>(
        `INSERT INTO ${table} (incident_id, account_id, monitor, key, severity, state, opened_at, last_seen_at, summary, observed, expected, dashboard_url, open_key, updated_at)
         VALUES ($7, $8, $9, $10, $1, 'open', $6, $6, $2, $3, $4, $5, $11, now())
         ON CONFLICT (open_key) DO NOTHING RETURNING *`,
        [...values, `inc_${randomUUID().replaceAll('-', '').slice(0, 20)}`, f.account, f.monitor, f.key, key]
      )
      if (inserted[0]) {
        changes.push({ incident: incidentOf(inserted[0]), state: 'opened' })
        continue
      }
    }
    // Open already (or opened by a run racing this one a moment ago): it is still going on.
    const updated = await db.query<Row & { before: Severity }>(
      `UPDATE ${table} AS i SET severity = $1, summary = $2, observed = $3, expected = $4, dashboard_url = $5, last_seen_at = $6, updated_at = now()
        FROM (SELECT incident_id, severity AS before FROM ${table} WHERE open_key = $7) b
       WHERE i.incident_id = b.incident_id RETURNING i.*, b.before`,
      [...values, key]
    )
    const row = updated[0]
    if (row) changes.push({ incident: incidentOf(row), state: 'ongoing', ...(row.before !== row.severity ? { previousSeverity: row.before } : {}) })
  }
  for (const [key, incident] of open) {
    if (keys.has(key) || !evaluated.has(incident.monitor)) continue
    const resolved = await db.query<Row>(
      `UPDATE ${table} SET state = 'resolved', resolved_at = $2, open_key = NULL, updated_at = now() WHERE incident_id = $1 AND state = 'open' RETURNING *`,
      [incident.id, now]
    )
    if (resolved[0]) changes.push({ incident: incidentOf(resolved[0]), state: 'resolved' })
  }
  return changes
}

/** An incident as the issue log reads it: with whether it is still open. */
export interface LoggedIncident extends Incident {
  open: boolean
}

/** What the issue log records of an incident's issue. */
export interface IssueFields {
  issueNumber?: number
  issueState?: IssueState
  issueSeverity?: Severity
  issueClaimedAt?: Date
}

/**
 * The incidents table as the issue log reads and writes it. `claim` takes an incident for one run
 * (a lease in stripe_sync_lease, named for the incident: two runs at once — shards of a matrix —
 * never both write its issue; a killed run's claim runs out after ISSUE_CLAIM_SECONDS; nothing is
 * held on a connection, which a transaction-mode pooler would hand to someone else).
 */
export interface IssueStore {
  /** The open incidents, those of `ids` (the issues GitHub lists), and resolved ones whose issue is recorded open, each once. */
  incidents(ids: readonly string[]): Promise<LoggedIncident[]>
  /** One incident as it is now (after a claim: another run may have written meanwhile). */
  incident(id: string): Promise<LoggedIncident | undefined>
  claim(id: string): Promise<boolean>
  release(id: string): Promise<void>
  record(id: string, fields: IssueFields): Promise<void>
}

/** The fallback's lock namespace (as 1.3 took it). */
const ISSUE_LOCK = 'stripe-payment-monitor issue'

/** Long enough for one incident's GitHub calls with their retries; a killed run's claim frees itself after it. */
const ISSUE_CLAIM_SECONDS = 300

export function issueStore(db: FeatureDatabase): IssueStore {
  const table = db.table(INCIDENTS_TABLE)
  const holder = randomUUID()
  let advisory = false
  const rows: Rows = (sql, params) => db.query(sql, params)
  const logged = (r: Row & { state: string }): LoggedIncident => ({ ...incidentOf(r), open: r.state === 'open' })
  return {
    incidents: async (ids) =>
      // Resolved ones whose issue is recorded open too: a close whose reply was lost is finished from there.
      (
        await db.query<Row & { state: string }>(
          `SELECT * FROM ${table} WHERE state = 'open' OR incident_id = ANY($1) OR (issue_state = 'open' AND issue_number IS NOT NULL) ORDER BY opened_at`,
          [ids]
        )
      ).map(logged),
    incident: async (id) => {
      const [row] = await db.query<Row & { state: string }>(`SELECT * FROM ${table} WHERE incident_id = $1`, [id])
      return row ? logged(row) : undefined
    },
    claim: async (id) => {
      if (!advisory) {
        try {
          return (await claimLease(rows, db.schema, `issue ${id}`, holder, 'the issue log', ISSUE_CLAIM_SECONDS)).taken
        } catch (error) {
          // No lease table for this role (the run fell back to an advisory lock, and says so): claim the same way.
          if (!['42P01', '42501'].includes((error as { code?: string }).code ?? '')) throw error
          advisory = true
        }
      }
      return (await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [ISSUE_LOCK, id]))[0]?.ok === true
    },
    release: async (id) => {
      if (advisory) await db.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [ISSUE_LOCK, id])
      else await releaseLease(rows, db.schema, `issue ${id}`, holder)
    },
    record: async (id, f) => {
      await db.query(
        `UPDATE ${table} SET issue_number = coalesce($2, issue_number), issue_state = coalesce($3, issue_state), issue_severity = coalesce($4, issue_severity),
                issue_claimed_at = coalesce($5, issue_claimed_at), updated_at = now() WHERE incident_id = $1`,
        [id, f.issueNumber ?? null, f.issueState ?? null, f.issueSeverity ?? null, f.issueClaimedAt ?? null]
      )
    }
  }
}

/** Whether a table of the feature's is there for the run: missing (the role could not create it), denied (no grants), or ok. */
export async function tableAccess(db: FeatureDatabase, name: string): Promise<'missing' | 'denied' | 'ok'> {
  const [row] = await db.query<{ access: 'missing' | 'denied' | 'ok' }>(
    `SELECT CASE WHEN to_regclass($1) IS NULL THEN 'missing' WHEN has_table_privilege($1, 'SELECT, INSERT, UPDATE') THEN 'ok' ELSE 'denied' END AS access`,
    [db.table(name)]
  )
  return row?.access ?? 'missing'
}
