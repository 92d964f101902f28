import { shown, shownId } from '../../text.js'
import { isoSeconds, unixSeconds } from '../../time.js'
import type { Change } from './incidents.js'
import type { MonitorName, Severity } from './monitor.js'
import type { MonitorSettings } from './settings.js'

/** How many incidents the `incidents` output lists (outputs have size limits). */
const MAX_LISTED = 100

/** The `incidents` output's entries. */
export interface IncidentEntry {
  id: string
  monitor: MonitorName
  severity: Severity
  state: Change['state']
  account_id: string | null
  opened_at: string
  resolved_at: string | null
  summary: string
  observed: Record<string, unknown>
  expected: Record<string, unknown>
  dashboard_url: string
}

export function incidentEntries(changes: readonly Change[]): IncidentEntry[] {
  return changes.slice(0, MAX_LISTED).map(({ incident: i, state }) => ({
    id: i.id,
    monitor: i.monitor,
    severity: i.severity,
    state,
    account_id: i.account,
    opened_at: isoSeconds(unixSeconds(i.openedAt)),
    resolved_at: i.resolvedAt ? isoSeconds(unixSeconds(i.resolvedAt)) : null,
    summary: i.summary,
    observed: i.observed,
    expected: i.expected,
    dashboard_url: i.dashboardUrl
  }))
}

/** A notice for each incident opened this run (the first ten): GitHub shows them on the run's page. */
export function openedNotices(changes: readonly Change[]): string[] {
  return changes
    .filter((c) => c.state === 'opened')
    .slice(0, 10)
    .map(
      (c) =>
        `Incident (${c.incident.severity}): ${c.incident.monitor}${c.incident.account ? ` in ${shownId(c.incident.account)}` : ''} — ${shown(c.incident.summary, 500)}`
    )
}

/** Why `fail-on` fails the step, or undefined: no incident at its level is open. */
export function failOnVerdict(changes: readonly Change[], level: MonitorSettings['failOn'], acknowledged: ReadonlySet<string> = new Set()): string | undefined {
  if (level === 'never') return undefined
  // An incident whose issue a person closed is acknowledged: it stays listed, but fails no more runs (their e-mails).
  const failing = changes.filter(
    (c) =>
      c.state !== 'resolved' &&
      (level === 'warning' || c.incident.severity === 'critical') &&
      c.incident.issueState !== 'acknowledged' &&
      !acknowledged.has(c.incident.id)
  )
  if (failing.length === 0) return undefined
  const named = failing
    .slice(0, 5)
    .map((c) => `${c.incident.monitor}${c.incident.account ? ` (${shownId(c.incident.account)})` : ''}: ${shown(c.incident.summary, 500)}`)
    .join(' | ')
  return `fail-on: ${level} — ${failing.length} ${level === 'critical' ? 'critical ' : ''}incident${failing.length === 1 ? '' : 's'} open. ${named}${failing.length > 5 ? ` | …and ${failing.length - 5} more` : ''}. Everything was stored; the step fails so that GitHub tells you.`
}
