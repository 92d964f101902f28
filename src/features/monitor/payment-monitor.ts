import type { Config } from '../../config.js'
import type { Feature, FeatureContext, FeatureDatabase, OutputContext, OutputOf, ReadBackContext } from '../../report/feature.js'
import { cut } from '../../text.js'
import { unixSeconds } from '../../time.js'
import { accountCalendar } from './account-calendar.js'
import { backtest, type Backtest } from './backtest.js'
import type { CONTRACT } from './contract.js'
import { UTC_CALENDAR, type Calendar } from './calendar.js'
import { incidentCharts } from './charts.js'
import type { Outcome } from './engine.js'
import { octokitApi, type IssueApi, type IssueTarget } from './github.js'
import { INCIDENTS, tableAccess, type Change } from './incidents.js'
import { issuesMayBeOpen, writeIncidentIssues } from './issue-log.js'
import type { LogResult } from './issues.js'
import type { Monitor } from './monitor.js'
import { failOnVerdict, incidentEntries, openedNotices } from './outputs.js'
import { quietAt } from './quiet.js'
import { renderBacktest, renderStatus, worstOf, type MonitorStatus, type MonitorView } from './render.js'
import type { MonitorSettings } from './settings.js'
import { sourcesOf } from './sources.js'
import { watch } from './watch.js'

type MonitorOutput = OutputOf<typeof CONTRACT>

/**
 * The payment monitor, a feature: after the sync, every chosen monitor looks at the synced data
 * (every account at once); what it finds is an incident, opened once, updated while it lasts,
 * resolved when a run no longer sees it — in `stripe_monitor_incidents`, the outputs, the summary's
 * opening lines and (when asked) GitHub issues. With `monitor-backtest` it replays the history
 * instead, and stores, opens and fails nothing. The watching is in watch.ts, the account's week in
 * account-calendar.ts, the issue log in issue-log.ts, the summary in render.ts.
 */
export class PaymentMonitor implements Feature<MonitorOutput> {
  readonly name = 'payment monitor'
  outcomes: Outcome[] = []
  changes: Change[] = []
  result: Backtest | undefined
  /** Charts of the open incidents, by open key. */
  charts = new Map<string, string>()
  /** What the run could not do (remember incidents, write issues): said in the summary and as warnings. */
  readonly problems: string[] = []
  issues: LogResult | undefined
  /** The account's week the monitors read: its time zone, holidays and quiet windows. */
  calendar: Calendar = UTC_CALENDAR
  /** What the monitors cannot see: monitors that cannot watch, data not current (said first). */
  blind: string[] = []
  stale: string[] = []
  /** The quiet window holding the run, if any (`monitor-quiet`). */
  quiet: { until: number; windows: string[] } | undefined
  private ran = false

  constructor(
    readonly settings: MonitorSettings,
    readonly monitors: readonly Monitor[],
    private readonly config: Pick<Config, 'objects' | 'table' | 'statuses' | 'accounts' | 'keyMode' | 'stripeAccount' | 'dryRun' | 'limit' | 'createdLt'>,
    /** The GitHub calls (tests give a stand-in's); default: the REST API through Octokit. */
    private readonly issueApi: (target: IssueTarget) => Promise<IssueApi> = octokitApi
  ) {}

  /** The monitors could not finish reading: never "all clear" then — the status says they cannot see. */
  readBackFailed(reason: string): void {
    this.blind = [...this.blind, `**the monitors**: could not read the database (${cut(reason, 200)})`]
  }

  async readBack(db: FeatureDatabase | undefined, ctx: ReadBackContext): Promise<void> {
    if (!db) return
    this.ran = true
    const sources = await sourcesOf(db, this.config, ctx.run)
    const at = unixSeconds(ctx.now)
    this.calendar = await accountCalendar(db, this.settings, this.config, ctx, at, (p) => this.problems.push(p))
    if (this.settings.backtestSeconds !== undefined) {
      const charges = sources.tables.charges
      const [first] = charges ? await db.query<{ t: number | null }>(`SELECT extract(epoch FROM min(created_at))::float8 AS t FROM ${charges}`) : []
      const historyFrom = first?.t === null || first?.t === undefined ? undefined : Number(first.t)
      this.result = await backtest(db, this.monitors, this.settings.levels, sources, at, this.settings.backtestSeconds, this.calendar, historyFrom)
      return
    }
    this.quiet = quietAt(this.calendar.quiet, at, this.calendar.zone)
    const remembered = await this.readable(db)
    const watched = await watch(db, {
      monitors: this.monitors,
      levels: this.settings.levels,
      sources,
      calendar: this.calendar,
      at,
      now: ctx.now,
      run: ctx.run,
      config: this.config,
      remembered
    })
    this.outcomes = watched.outcomes
    this.changes = watched.changes
    this.blind = watched.blind
    this.stale = watched.stale
    this.charts = await incidentCharts(db, this.monitors, this.changes, sources, this.calendar, at)
    if (this.settings.incidentIssues && remembered && (this.changes.length > 0 || (await issuesMayBeOpen(db)))) {
      const { result, problems } = await writeIncidentIssues(db, { env: ctx.env, now: ctx.now, token: this.settings.githubToken, issueApi: this.issueApi })
      this.issues = result
      this.problems.push(...problems)
    }
  }

  /**
   * Whether the run may read and write the incidents table. A role that could not create it, or was
   * granted nothing on it, runs on: the monitors still look, but cannot remember what they raised.
   */
  private async readable(db: FeatureDatabase): Promise<boolean> {
    const forget = 'so incidents are not remembered: each run reports what it sees as new.'
    const access = await tableAccess(db, INCIDENTS.table)
    if (access === 'missing') {
      this.problems.push(
        `The table ${INCIDENTS.table} could not be created (the database role may not create tables), ${forget} Create it as the schema's owner.`
      )
    } else if (access === 'denied') {
      this.problems.push(`The database role may not read and write ${INCIDENTS.table}, ${forget} Grant it SELECT, INSERT, UPDATE on the table.`)
    }
    return access === 'ok'
  }

  /** The worst of the run: an open incident, then what the monitors cannot see, then learning (`worstOf`). */
  get worst(): MonitorStatus {
    return worstOf(this.view())
  }

  outputs(ctx?: OutputContext): Record<MonitorOutput, string> {
    if (this.result) return { incidents: '[]', incidents_opened: '0', incidents_resolved: '0', monitor_status: '', backtest: JSON.stringify(this.result) }
    // Skipped (another run holds the lock): nothing was read, and the data it would judge is not being written by this run.
    if (!this.ran) return { incidents: '[]', incidents_opened: '0', incidents_resolved: '0', monitor_status: ctx?.skipped ? 'stale' : '', backtest: '' }
    return {
      incidents: JSON.stringify(incidentEntries(this.changes)),
      incidents_opened: String(this.changes.filter((c) => c.state === 'opened').length),
      incidents_resolved: String(this.changes.filter((c) => c.state === 'resolved').length),
      monitor_status: this.worst,
      backtest: ''
    }
  }

  /** The summary opens with this: the status, what the monitors cannot see, one line a monitor, the open incidents' charts. */
  status(ctx: FeatureContext): string[] {
    if (this.result) return renderBacktest(this.result, this.monitors)
    if (!this.ran) return []
    return renderStatus(this.view(), ctx.now)
  }

  /** What the summary shows of this run. */
  private view(): MonitorView {
    return {
      outcomes: this.outcomes,
      changes: this.changes,
      stale: this.stale,
      blind: this.blind,
      quiet: this.quiet,
      calendar: this.calendar,
      charts: this.charts,
      problems: this.problems,
      acknowledged: new Set(this.issues?.acknowledged ?? []),
      stripeAccount: this.config.stripeAccount
    }
  }

  news(): boolean {
    return this.changes.some((c) => c.state !== 'ongoing') || this.result !== undefined || this.problems.length > 0
  }

  notices(): string[] {
    return openedNotices(this.changes)
  }

  warnings(): string[] {
    return this.problems
  }

  log(): string[] {
    const i = this.issues
    return i
      ? [
          `Incident issues: ${i.opened} opened, ${i.commented} commented on, ${i.relabelled} relabelled, ${i.closed} closed, ${i.acknowledged.length} acknowledged by hand${i.left > 0 ? `, ${i.left} left for the next run` : ''} (${i.calls} GitHub API call${i.calls === 1 ? '' : 's'}).`
        ]
      : []
  }

  verdict(): string | undefined {
    return this.result ? undefined : failOnVerdict(this.changes, this.settings.failOn, new Set(this.issues?.acknowledged ?? []))
  }
}
