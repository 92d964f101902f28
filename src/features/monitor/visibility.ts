import { specOf, type ObjectName } from '../../objects/registry.js'
import type { RunFacts } from '../../report/feature.js'
import { isMissingPermission } from '../../stripe/errors.js'
import { compactUtc, isoDay } from '../../time.js'
import type { Outcome } from './engine.js'
import { formatCount } from '../../text.js'

/**
 * What the monitors cannot see, said before anything else: monitors that cannot watch (an object not
 * synced, failed charges not kept, a key that may not read an object, a monitor that failed) and
 * data that is not current (a backfill still under way). While either holds, the status is never
 * `ok`: `partial` or `stale`.
 */

/** A copy is current when it is complete to within this of the run (a capped backfill is further behind). */
export const CURRENT_SECONDS = 3600

/** An object whose synced copy is not complete up to the run. */
export interface StaleObject {
  object: ObjectName
  /** Every object created before this (Unix seconds) is stored; undefined when the run does not know (a `limit`). */
  through?: number
  /**
   * Why: an incremental backfill still under way; a `created-before` that ends the run's window
   * before now; a `limit` a run without `incremental` reached (only the newest were listed).
   */
  why: 'backfill' | 'window' | 'limit'
}

/** Why an object the monitors read was not synced this run, in words a user acts on. */
export function unsyncedReasons(objects: readonly ObjectName[], run: Pick<RunFacts, 'failures' | 'unreadable'>): Map<ObjectName, string> {
  const out = new Map<ObjectName, string>()
  for (const name of objects) {
    const plural = specOf(name).plural
    if (run.unreadable.has(name)) out.set(name, `the key cannot read ${plural} (it lacks "${run.unreadable.get(name)}")`)
    else if (run.failures.has(name)) {
      out.set(
        name,
        isMissingPermission(run.failures.get(name)) ? `the key cannot read ${plural}` : `the sync of ${plural} failed this run (see the error above)`
      )
    }
  }
  return out
}

/**
 * The objects (of `read`) whose copy is not complete to within `CURRENT_SECONDS` of the run: the
 * copy's horizon. The monitors that read them judge nothing this run (an hour past a window's end
 * or a backfill's reach is not a silence), and say what to change.
 */
export function staleObjects(
  read: readonly ObjectName[],
  run: Pick<RunFacts, 'incremental' | 'progress'>,
  at: number,
  config: { limit: number; createdLt: number | undefined } = { limit: Infinity, createdLt: undefined }
): StaleObject[] {
  return read.flatMap((object): StaleObject[] => {
    const report = run.incremental.get(object)
    if (report) return report.cursor < at - CURRENT_SECONDS ? [{ object, through: report.cursor, why: 'backfill' }] : []
    if (config.createdLt !== undefined && config.createdLt < at - CURRENT_SECONDS) return [{ object, through: config.createdLt, why: 'window' }]
    if (Number.isFinite(config.limit) && (run.progress.get(object)?.matched ?? 0) >= config.limit) return [{ object, why: 'limit' }]
    return []
  })
}

/** "charges complete through 2026-10-11 — backfill in progress, 30 of about 9,200". */
export function staleLine(stale: StaleObject, stored: number, oldest: number | undefined, at: number, limit: number): string {
  const plural = specOf(stale.object).plural
  if (stale.why === 'window') {
    return `${plural} synced only up to ${compactUtc(stale.through!)} UTC (\`created-before\`): nothing after it is judged — leave \`created-before\` out to watch up to now`
  }
  if (stale.why === 'limit' || stale.through === undefined) {
    return `${plural}: only the newest ${formatCount(limit)} were listed (\`limit\`), so the weeks compared are incomplete — set \`limit: all\` or \`incremental: true\``
  }
  // The share of time covered so far stands for the share of objects: "about".
  const estimate = oldest !== undefined && stale.through > oldest ? Math.round((stored * (at - oldest)) / (stale.through - oldest)) : undefined
  const progress = estimate !== undefined && estimate > stored ? `, ${formatCount(stored)} of about ${formatCount(roundish(estimate))}` : ''
  const advice = Number.isFinite(limit) ? ` (each run stores ${formatCount(limit)}: set \`limit: all\` to finish in one run)` : ''
  return `${plural} complete through ${isoDay(stale.through)} — backfill in progress${progress}${advice}`
}

function roundish(n: number): number {
  if (n < 1000) return n
  const step = 10 ** (Math.floor(Math.log10(n)) - 1)
  return Math.round(n / step) * step
}

/** The monitors that cannot watch, grouped by what they need: "declines, card-testing: need `status: all`". */
export function cannotWatch(outcomes: readonly Outcome[]): string[] {
  const byWhy = new Map<string, string[]>()
  for (const o of outcomes) {
    if (!o.unavailable) continue
    byWhy.set(o.unavailable, [...(byWhy.get(o.unavailable) ?? []), o.monitor.name])
  }
  return [...byWhy].map(([why, names]) => `**${names.join(', ')}**: ${names.length > 1 ? why.replace(/^needs /, 'need ') : why}`)
}
