import type { FeatureDatabase } from '../../report/feature.js'
import { mermaidBandChart } from '../../report/chart.js'
import type { Calendar } from './calendar.js'
import type { Sources } from './engine.js'
import { openKey, type Change } from './incidents.js'
import type { Monitor } from './monitor.js'
import { BLOCK, bandSeries } from './queries.js'

/** How many open incidents get a chart. */
const MAX_CHARTS = 3

/** The last 7 days against the expected band, for each open incident of a monitor that has a chart (the first few), by open key. */
export async function incidentCharts(
  db: FeatureDatabase,
  monitors: readonly Monitor[],
  changes: readonly Change[],
  sources: Sources,
  calendar: Calendar,
  at: number
): Promise<Map<string, string>> {
  const charts = new Map<string, string>()
  for (const change of changes.filter((c) => c.state !== 'resolved').slice(0, MAX_CHARTS)) {
    const monitor = monitors.find((m) => m.name === change.incident.monitor)
    const table = monitor?.chart && sources.tables[monitor.chart.object]
    if (!monitor?.chart || !table) continue
    const zone = calendar.zone
    const points = await bandSeries({ at, query: (sql, params) => db.query(sql, params) }, table, monitor.chart.where, change.incident.account ?? '', zone)
    const labelled = points.map((p) => {
      const d = new Date(p.wall * 1000)
      const label = d.getUTCHours() === 0 ? d.toUTCString().slice(0, 3) : `${String(d.getUTCHours()).padStart(2, '0')}h`
      // The block in progress is marked: its count is not the block's yet.
      return { ...p, label: p.partial ? `${label}*` : label }
    })
    const noun = monitor.chart.noun
    charts.set(
      openKey(change.incident.account, change.incident.monitor, change.incident.key),
      mermaidBandChart(labelled, `${noun} per ${BLOCK / 3600} h, last 7 days (${zone}), against the lowest and highest of the 4 weeks before`, noun)
    )
  }
  return charts
}
