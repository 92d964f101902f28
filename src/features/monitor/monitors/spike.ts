import type { ObjectName } from '../../../objects/registry.js'
import { LEARNING_DAYS, learningLine, type AccountNote, type Finding, type Monitor, type MonitorContext, type MonitorName } from '../monitor.js'
import { comparableWeeks, sameLocalHours, weeksText } from '../calendar.js'
import { HOUR, accountOf, historyDays, perWindow, weeksCovered } from '../queries.js'
import { about, counted, leftOutText } from '../wording.js'
import { oneIn, poissonAtLeast } from '../stats.js'

/** What a count monitor counts: rows of a table in a window, narrowed by `where`. */
export interface SpikeCount {
  name: MonitorName
  object: ObjectName
  /** The rows that count (over alias `t`). */
  where: string
  /** "refunds", "failed renewals". */
  noun: string
  dashboard: string
  windowHours: number
  min: number
  rule: string
  /** The history that makes it learn: the table's own, or the charges'. */
  historyOf?: ObjectName
}

/**
 * A relative count monitor: the count in the last hours against the same hours of the week over the
 * last 4 weeks. The busiest of those weeks is the expectation (cautious: days swing by 20 % and
 * more), and it opens when the count is less likely than the probability level at that rate
 * (Poisson tail) and at least `min`. `refunds` and `renewals` are this, with their own counts.
 */
export function spikeMonitor(spec: SpikeCount): Monitor {
  return {
    name: spec.name,
    reads: [spec.object],
    relative: true,
    rule: spec.rule,
    chart: { object: spec.object, where: spec.where, noun: spec.noun },
    levels: {
      window: { default: spec.windowHours, unit: 'hours', min: 1, max: 24 * 7, description: 'the stretch compared' },
      probability: { default: 1e-3, unit: 'probability', min: 1e-12, max: 0.1, description: 'how unlikely the count must be at the usual rate' },
      min: { default: spec.min, unit: 'count', min: 1, max: 1e6, description: `${spec.noun} needed` }
    },
    async evaluate(ctx: MonitorContext) {
      const table = ctx.tables[spec.object]!
      const history = await historyDays(ctx, ctx.tables[spec.historyOf ?? spec.object] ?? table)
      const hours = ctx.levels.window!
      const windows = sameLocalHours(ctx.calendar, ctx.at - hours * HOUR, ctx.at)
      const counts = await perWindow(ctx, table, windows, { n: 'count(*)' }, spec.where)
      const notes: AccountNote[] = []
      const findings: Finding[] = []
      for (const [account, days] of history) {
        if (days < LEARNING_DAYS) {
          notes.push({ account: accountOf(account), state: 'learning', line: learningLine(days) })
          continue
        }
        const list = counts.get(account)?.map((w) => w.n) ?? windows.map(() => 0)
        const covered = weeksCovered(days, hours * HOUR)
        const now = list[0]!
        // Holidays and quiet days are left out of the weeks compared.
        const { weeks, leftOut } = comparableWeeks(ctx.calendar, windows, covered)
        const before = weeks.map((k) => list[k]!)
        const busiest = Math.max(...before)
        const usual = before.reduce((a, b) => a + b, 0) / before.length
        // A quiet history is not a rate of zero: half an event keeps the test honest.
        const chance = poissonAtLeast(now, Math.max(busiest, 0.5))
        const observed = `${counted(now, spec.noun)} in the last ${hours} h`
        const expected = `about ${about(usual)} expected at these hours of the week (the busiest of ${weeksText(weeks.length, covered)}: ${busiest})${leftOutText(leftOut)}`
        if (now >= ctx.levels.min! && chance < ctx.levels.probability!) {
          findings.push({
            account: accountOf(account),
            key: 'spike',
            severity: now >= 3 * Math.max(busiest, 1) + ctx.levels.min! ? 'critical' : 'warning',
            summary: `${observed}; ${expected}. That many is ${oneIn(chance)} at the usual rate.`,
            observed: { count: now, hours },
            expected: { count: Math.round(usual * 10) / 10, busiest_week: busiest, probability: chance },
            dashboard: spec.dashboard
          })
        } else {
          notes.push({ account: accountOf(account), state: 'ok', line: `${observed}; ${expected}` })
        }
      }
      return { notes, findings }
    }
  }
}
