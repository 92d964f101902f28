import type { ObjectName } from '../../objects/registry.js'
import type { FeatureDatabase } from '../../report/feature.js'
import type { Calendar } from './calendar.js'
import type { AccountNote, Finding, Monitor, MonitorName } from './monitor.js'
import { quietAt } from './quiet.js'

/** What one monitor said at one moment: its findings and its notes, or why it could not look. */
export interface Outcome {
  monitor: Monitor
  notes: AccountNote[]
  findings: Finding[]
  /** Why it did not run (an object not synced, failed charges not kept): said once in the summary. */
  unavailable?: string
  /** The hours it looked back over (its `window` level). */
  window?: number
  /** Findings not opened because a quiet window holds the moment (`monitor-quiet`). */
  muted?: Finding[]
  /** Not judged: the objects it reads are not current in the copy (their lines say why). Its open incidents stay as they are. */
  behind?: ObjectName[]
}

/** What the monitors read, as this run keeps it. */
export interface Sources {
  /** Each synced object's table, qualified. */
  tables: Partial<Record<ObjectName, string>>
  /** The charges table keeps failed charges (`status` includes failed). */
  failedCharges: boolean
  /** Several accounts (Connect) share the tables. */
  accounts: boolean
  /** The tables that have the monitors' index (`ACCOUNT_INDEX`), qualified. */
  indexed: ReadonlySet<string>
  /** Objects asked for that this run could not sync, and why in words ("the key cannot read refunds"). */
  unsynced?: ReadonlyMap<ObjectName, string>
  /** Objects whose copy stops short of the run (a backfill under way, a window, a limit): what reads them is not judged. */
  behind?: ReadonlySet<ObjectName>
}

/** Why a monitor cannot look in this run, or undefined when it can: in words that say what to change. */
export function unavailable(monitor: Monitor, sources: Sources): string | undefined {
  const unsynced = monitor.reads.map((o) => sources.unsynced?.get(o)).filter((why) => why !== undefined)
  if (unsynced.length > 0) return unsynced.join('; ')
  const missing = monitor.reads.filter((o) => !sources.tables[o])
  if (missing.length > 0) return `needs ${missing.join(' and ')} synced (add ${missing.length === 1 ? 'it' : 'them'} to \`objects\`)`
  if (monitor.needsFailedCharges && !sources.failedCharges) return 'needs failed charges: set `status: all`'
  return undefined
}

/**
 * Every monitor at one moment `at` (Unix seconds), each reading every account at once. `isOpen`:
 * the incidents open before (a monitor may keep one open on a longer look). Queries run one after
 * another on the run's connection.
 */
export async function evaluate(
  db: Pick<FeatureDatabase, 'query'>,
  monitors: readonly Monitor[],
  levels: Readonly<Record<MonitorName, Readonly<Record<string, number>>>>,
  sources: Sources,
  at: number,
  past: PastIncidents,
  calendar: Calendar
): Promise<Outcome[]> {
  const memo = new Map<string, Promise<unknown>>()
  const base = {
    at,
    calendar,
    accounts: sources.accounts,
    tables: sources.tables,
    indexed: (table: string) => sources.indexed.has(table),
    query: <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<R>(sql, params),
    once: <T>(key: string, compute: () => Promise<T>): Promise<T> => {
      if (!memo.has(key)) memo.set(key, compute())
      return memo.get(key) as Promise<T>
    }
  }
  const outcomes: Outcome[] = []
  for (const monitor of monitors) {
    const why = unavailable(monitor, sources)
    if (why) {
      outcomes.push({ monitor, notes: [], findings: [], unavailable: why })
      continue
    }
    const behind = monitor.reads.filter((o) => sources.behind?.has(o))
    if (behind.length > 0) {
      outcomes.push({ monitor, notes: [], findings: [], behind })
      continue
    }
    let result: Awaited<ReturnType<Monitor['evaluate']>>
    try {
      result = await monitor.evaluate({
        ...base,
        levels: levels[monitor.name]!,
        // Each monitor asks after its own incidents only.
        isOpen: (account, key) => past.isOpen(account, monitor.name, key),
        openedAt: (account, key) => past.openedAt(account, monitor.name, key)
      })
    } catch (error) {
      // One monitor that cannot run must not blind the others, nor pass for "all clear": it is told as not watching.
      outcomes.push({
        monitor,
        notes: [],
        findings: [],
        unavailable: `could not run (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`
      })
      continue
    }
    outcomes.push({ monitor, ...result, window: levels[monitor.name]!.window })
  }
  const quiet = quietAt(calendar.quiet, at, calendar.zone)
  return outcomes.map((o) => yielded(o, outcomes, past, at)).map((o) => (quiet ? muted(o, past) : o))
}

/** During a quiet window: findings that are not open incidents already are kept aside, not opened. */
function muted(outcome: Outcome, past: PastIncidents): Outcome {
  const held = outcome.findings.filter((f) => !past.isOpen(f.account, outcome.monitor.name, f.key))
  if (held.length === 0) return outcome
  return { ...outcome, findings: outcome.findings.filter((f) => !held.includes(f)), muted: held }
}

/** The incidents before an evaluation: the open ones, and whether one of a monitor was open at any time since a moment. */
export interface PastIncidents {
  isOpen(account: string | null, monitor: MonitorName, key: string): boolean
  openedAt(account: string | null, monitor: MonitorName, key: string): number | undefined
  /** An incident of `monitor` in `account` was open at some time in [since, now). */
  openSince(account: string | null, monitor: MonitorName, since: number): boolean
}

/**
 * An outcome without the findings its monitor leaves to another (`yieldsTo`) that sees the same
 * account now or had it open within the yielding monitor's window, told in a note instead.
 */
function yielded(outcome: Outcome, all: readonly Outcome[], past: PastIncidents, at: number): Outcome {
  const to = outcome.monitor.yieldsTo
  if (!to) return outcome
  const accounts = new Set(all.find((o) => o.monitor.name === to.monitor)?.findings.map((f) => f.account ?? '') ?? [])
  // Only monitors whose window is in hours yield (declines).
  const since = at - (outcome.window ?? 0) * 3600
  const left = outcome.findings.filter((f) => to.keys.includes(f.key) && (accounts.has(f.account ?? '') || past.openSince(f.account, to.monitor, since)))
  if (left.length === 0) return outcome
  return {
    ...outcome,
    findings: outcome.findings.filter((f) => !left.includes(f)),
    notes: [...outcome.notes, ...left.map((f) => ({ account: f.account, state: 'ok' as const, line: `${f.summary.split('. ')[0]} — told as ${to.monitor}` }))]
  }
}
