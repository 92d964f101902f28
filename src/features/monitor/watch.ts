import type { Config } from '../../config.js'
import type { FeatureDatabase, RunFacts } from '../../report/feature.js'
import { dashboardUrl } from '../../report/links.js'
import { unixSeconds } from '../../time.js'
import type { Calendar } from './calendar.js'
import { evaluate, unavailable, type Outcome, type Sources } from './engine.js'
import { incidentsSince, openKey, recordIncidents, type Change, type Incident, type Seen } from './incidents.js'
import type { Monitor } from './monitor.js'
import type { MonitorSettings } from './settings.js'
import { cannotWatch, staleLine, staleObjects, type StaleObject } from './visibility.js'

/** How far back resolved incidents are read (a monitor yields to another's incident within its own window, a day at most). */
const RECENT_SECONDS = 86400

/** What one run of the monitors saw. */
export interface Watched {
  outcomes: Outcome[]
  /** Incidents opened, still open and resolved. */
  changes: Change[]
  /** Monitors that cannot watch, in words. */
  blind: string[]
  /** Data the monitors read that is not current, in words. */
  stale: string[]
}

export interface WatchInput {
  monitors: readonly Monitor[]
  levels: MonitorSettings['levels']
  sources: Sources
  calendar: Calendar
  /** The run's moment (Unix seconds) and as a Date, as the incidents table stores it. */
  at: number
  now: Date
  run: RunFacts
  config: Pick<Config, 'stripeAccount' | 'keyMode' | 'limit' | 'createdLt'>
  /** Whether the incidents table can be read and written: else each finding is told as new, and nothing is stored. */
  remembered: boolean
}

/** Every monitor evaluated once against the synced data, and its findings made incidents: opened once, updated, resolved. */
export async function watch(db: FeatureDatabase, w: WatchInput): Promise<Watched> {
  const { open, recent } = w.remembered ? await incidentsSince(db, w.at - RECENT_SECONDS) : { open: new Map<string, Incident>(), recent: [] }
  // The copy's horizon: what it does not hold is not judged, and never paged on.
  const read = [...new Set(w.monitors.filter((m) => unavailable(m, w.sources) === undefined).flatMap((m) => m.reads))]
  const stale = staleObjects(read, w.run, w.at, w.config)
  const outcomes = await evaluate(
    db,
    w.monitors,
    w.levels,
    { ...w.sources, behind: new Set(stale.map((s) => s.object)) },
    w.at,
    {
      isOpen: (account, monitor, key) => open.has(openKey(account, monitor, key)),
      openedAt: (account, monitor, key) => {
        const incident = open.get(openKey(account, monitor, key))
        return incident ? unixSeconds(incident.openedAt) : undefined
      },
      openSince: (account, monitor, since) =>
        recent.some((i) => i.account === account && i.monitor === monitor && (i.resolvedAt === null || unixSeconds(i.resolvedAt) >= since))
    },
    w.calendar
  )
  const seen: Seen[] = outcomes.flatMap((o) =>
    o.findings.map((f) => ({
      ...f,
      monitor: o.monitor.name,
      dashboardUrl: dashboardLink(f.dashboard, f.account ?? w.config.stripeAccount, w.config.keyMode)
    }))
  )
  const evaluated = new Set(outcomes.filter((o) => !o.unavailable && !o.behind).map((o) => o.monitor.name))
  const changes = w.remembered ? await recordIncidents(db, seen, evaluated, open, w.now) : seen.map((f) => unremembered(f, w.now))
  return { outcomes, changes, blind: cannotWatch(outcomes), stale: await staleness(db, stale, w) }
}

/** A finding told as new when the incidents table cannot be used. */
function unremembered(f: Seen, now: Date): Change {
  return {
    state: 'opened',
    incident: { ...f, id: '', openedAt: now, resolvedAt: null, issueNumber: null, issueState: null, issueSeverity: null, issueClaimedAt: null }
  }
}

/** The Stripe Dashboard page of a finding: in its connected account's dashboard when it has one, test mode's for a test key. */
function dashboardLink(path: string, account: string | null | undefined, keyMode: Config['keyMode']): string {
  return dashboardUrl({ id: '', livemode: keyMode === 'live' }, account ?? undefined, path)
}

/** The objects the monitors read that are not current, in words: how far the copy reaches and what to change. */
async function staleness(db: FeatureDatabase, behind: readonly StaleObject[], w: WatchInput): Promise<string[]> {
  const lines: string[] = []
  for (const stale of behind) {
    const table = w.sources.tables[stale.object]
    const [row] = table
      ? await db.query<{ n: number; oldest: number | null }>(
          `SELECT count(*)::float8 AS n, extract(epoch FROM min(created_at))::float8 AS oldest FROM ${table}`
        )
      : []
    lines.push(staleLine(stale, Number(row?.n ?? 0), row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest), w.at, w.config.limit))
  }
  return lines
}
