import type { FeatureDatabase } from '../../report/feature.js'
import { evaluate, type Sources } from './engine.js'
import { openKey } from './incidents.js'
import { HOUR } from './queries.js'
import { isoSeconds as iso } from '../../time.js'
import type { Calendar } from './calendar.js'
import type { Monitor, MonitorName, Severity } from './monitor.js'

/** An incident the monitors would have raised. */
export interface BacktestIncident {
  monitor: MonitorName
  account: string | null
  key: string
  severity: Severity
  opened_at: string
  /** Null: still open at the end of the window. */
  resolved_at: string | null
  summary: string
}

export interface Backtest {
  window: { from: string; to: string }
  /** When the stored history is shorter than the window asked: where it begins (the first weeks only learn). */
  history_from?: string
  /** Moments evaluated (hours). */
  evaluations: number
  incidents: BacktestIncident[]
}

/**
 * The monitors replayed hour by hour over the stored history, `seconds` back from `at`: what they
 * would have raised and when it would have resolved. Nothing is stored, no issue opened, nothing
 * fails: the noise a user would get, seen before turning paging on. Each hour sees the rows created
 * before it (a payout's status is today's: the history keeps no earlier one).
 */
export async function backtest(
  db: Pick<FeatureDatabase, 'query'>,
  monitors: readonly Monitor[],
  levels: Readonly<Record<MonitorName, Readonly<Record<string, number>>>>,
  sources: Sources,
  at: number,
  seconds: number,
  calendar: Calendar,
  historyFrom?: number
): Promise<Backtest> {
  const from = Math.ceil((at - seconds) / HOUR) * HOUR
  const open = new Map<string, BacktestIncident>()
  const incidents: BacktestIncident[] = []
  let evaluations = 0
  // Every hour, and the run's own moment last: the replay ends where monitoring would stand now.
  const moments: number[] = []
  for (let t = from; t <= at; t += HOUR) moments.push(t)
  if (moments[moments.length - 1] !== at) moments.push(at)
  for (const t of moments) {
    evaluations += 1
    const outcomes = await evaluate(
      db,
      monitors,
      levels,
      sources,
      t,
      {
        isOpen: (account, monitor, key) => open.has(openKey(account, monitor, key)),
        openedAt: (account, monitor, key) => {
          const incident = open.get(openKey(account, monitor, key))
          return incident ? Date.parse(incident.opened_at) / 1000 : undefined
        },
        openSince: (account, monitor, since) =>
          incidents.some((i) => i.account === account && i.monitor === monitor && (i.resolved_at === null || Date.parse(i.resolved_at) / 1000 >= since))
      },
      calendar
    )
    const seen = new Set<string>()
    for (const outcome of outcomes) {
      for (const f of outcome.findings) {
        const key = openKey(f.account, outcome.monitor.name, f.key)
        seen.add(key)
        const before = open.get(key)
        if (before) {
          if (f.severity === 'critical') before.severity = 'critical'
          continue
        }
        const incident: BacktestIncident = {
          monitor: outcome.monitor.name,
          account: f.account,
          key: f.key,
          severity: f.severity,
          opened_at: iso(t),
          resolved_at: null,
          summary: f.summary
        }
        open.set(key, incident)
        incidents.push(incident)
      }
    }
    for (const [key, incident] of open) {
      const ran = outcomes.some((o) => o.monitor.name === incident.monitor && !o.unavailable)
      if (!seen.has(key) && ran) {
        incident.resolved_at = iso(t)
        open.delete(key)
      }
    }
  }
  const short = historyFrom !== undefined && historyFrom > at - seconds
  return { window: { from: iso(from), to: iso(at) }, ...(short ? { history_from: iso(historyFrom) } : {}), evaluations, incidents }
}
