import type { ObjectName } from '../../objects/registry.js'
import type { Calendar } from './calendar.js'

/** A monitor's name, as inputs and outputs use it: one of the registry's (`monitors/index.ts`, the only list). */
export type MonitorName = string

export type Severity = 'warning' | 'critical'

/** A level of a monitor that `monitor-thresholds` may change: its default, the unit it is written in, its range. */
export interface Setting {
  default: number
  /** How it is written and shown: a count, a share (`0.75%`), a probability (`1e-4`, `1/10000`), hours or days. */
  unit: 'count' | 'share' | 'probability' | 'hours' | 'minutes' | 'days' | 'business days' | 'ratio'
  min: number
  max: number
  description: string
}

/** What a monitor evaluates with: the moment (Unix seconds), its levels, the tables, the queries. */
export interface MonitorContext {
  at: number
  /** The tables hold several accounts (Connect): per-account answers cannot come from one index probe. */
  accounts: boolean
  levels: Readonly<Record<string, number>>
  tables: Readonly<Partial<Record<ObjectName, string>>>
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>
  /** Whether a table has the monitors' own index (`ACCOUNT_INDEX`): then each account is read through it. */
  indexed(table: string): boolean
  /** Whether this monitor's incident of `key` is open (before this evaluation): a monitor may keep one open on a longer look. */
  isOpen(account: string | null, key: string): boolean
  /** When this monitor's open incident of `key` opened (Unix seconds); undefined when none is open. */
  openedAt(account: string | null, key: string): number | undefined
  /** The account's week: its time zone, public holidays and quiet windows. */
  calendar: Calendar
  /** Computes once per evaluation what several monitors read (each account's history in a table). */
  once<T>(key: string, compute: () => Promise<T>): Promise<T>
}

/** One thing a monitor sees in one account: an incident while it lasts. */
export interface Finding {
  /** The Stripe account (null: the key's own, in a one-account run). */
  account: string | null
  /** What is wrong, within the monitor (`rate`, `invalid`, a payout's id): one open incident per account, monitor and key. */
  key: string
  severity: Severity
  /** One line a founder reads: counts and rates only, never an amount or a customer. */
  summary: string
  observed: Record<string, number | string>
  expected: Record<string, number | string>
  /** The Stripe Dashboard page that shows it, after `dashboard.stripe.com/[account/][test/]`. */
  dashboard: string
}

/** A monitor's word on one account when nothing is wrong: watching (with what it sees against what it expects) or learning. */
export interface AccountNote {
  account: string | null
  state: 'ok' | 'learning'
  /** Observed against expected, in words ("41 sales in the last 2 h; about 38 expected"), or how many days it has. */
  line: string
}

export interface MonitorResult {
  notes: AccountNote[]
  findings: Finding[]
}

/**
 * A monitor, described once: what it reads, whether it compares with the account's own history
 * (then it learns for its first two weeks), its levels, and its evaluation at a moment — every
 * account at once, in SQL.
 */
export interface Monitor {
  name: MonitorName
  /** The objects whose tables it reads; it runs when all are synced. */
  reads: readonly ObjectName[]
  /** It compares with the account's history (`silence`, `declines`, `refunds`, `renewals`). */
  relative: boolean
  /** It needs failed charges in the table (`status` must keep them). */
  needsFailedCharges?: boolean
  /** The rule in a sentence (the summary's and README's). */
  rule: string
  levels: Readonly<Record<string, Setting>>
  /**
   * Findings (by key) it leaves to another monitor that explains them better in the same account:
   * declines during card testing are the card testing.
   */
  yieldsTo?: { monitor: MonitorName; keys: readonly string[] }
  /** What the chart of an open incident counts: rows of a table (over alias `t`), as "sales". */
  chart?: { object: ObjectName; where: string; noun: string }
  /** A line under the summary's monitor lines when this monitor watched and found nothing (the levels it counts against). */
  footnote?: string
  evaluate(ctx: MonitorContext): Promise<MonitorResult>
}

/** Less history than this, and a relative monitor learns: it says how many days it has and raises nothing. */
export const LEARNING_DAYS = 14

/** A relative monitor's note while it learns: how many days of history it has. */
export function learningLine(days: number): string {
  return `learning: ${Math.floor(days)} of ${LEARNING_DAYS} days of history`
}
