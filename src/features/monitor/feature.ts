import { InputError, parseBoolean, type Config } from '../../config.js'
import { OBJECTS, specOf, type ObjectName } from '../../objects/registry.js'
import { mermaidBandChart } from '../../report/chart.js'
import {
  defineFeature,
  type Feature,
  type FeatureIndex,
  type FeatureContext,
  type OutputOf,
  type ReadBackContext,
  type RunFacts
} from '../../report/feature.js'
import { dashboardUrl } from '../../report/links.js'
import { cut, shown, shownId } from '../../text.js'
import { escapeCell } from '../../report/summary.js'
import type { FeatureDatabase } from '../../report/feature.js'
import { indexName } from '../../store/schema.js'
import { DAY_SECONDS, isoSeconds, unixSeconds } from '../../time.js'
import { knownZone } from '../../zone.js'
import { backtest, type Backtest } from './backtest.js'
import { UTC_CALENDAR, yearsAround, type Calendar } from './calendar.js'
import { evaluate, type Outcome, type Sources } from './engine.js'
import { NO_HOLIDAYS, loadHolidays, parseHolidays, type HolidayCode } from './holidays.js'
import { octokitApi, tokenProblem, type IssueApi, type IssueTarget } from './github.js'
import { INCIDENTS, incidentsSince, openKey, recordIncidents, tableAccess, type Change, type Incident, type Seen } from './incidents.js'
import { issuesMayBeOpen, writeIncidentIssues } from './issue-log.js'
import type { LogResult } from './issues.js'
import { type Monitor, type MonitorName, type Severity } from './monitor.js'
import { renderBacktest, renderStatus, worstOf, type MonitorStatus, type MonitorView } from './render.js'
import { MONITORS } from './monitors/index.js'
import { ACCOUNT_INDEX, BLOCK, bandSeries } from './queries.js'
import { PLACES, PLACES_TABLE, placeOf } from './place.js'
import { parseQuiet, quietAt } from './quiet.js'
import { parseBacktest, parseFailOn, parseMonitors, parseThresholds, parseTimezone, unusedThresholds, type MonitorSettings } from './settings.js'
import { cannotWatch, staleLine, staleObjects, unsyncedReasons } from './visibility.js'

/** How many incidents the `incidents` output lists (outputs have size limits), and how many get a chart. */
const MAX_LISTED = 100
const MAX_CHARTS = 3

/** How far back resolved incidents are read (a monitor yields to another's incident within its own window, a day at most). */
const RECENT_SECONDS = 86400

/** How far back the holidays are loaded: the weeks compared, a backtest's longest window, and a week to spare. */
const HOLIDAY_DAYS = 100

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

/** The Stripe Dashboard page of a finding: in its connected account's dashboard when it has one, test mode's for a test key. */
export function dashboardLink(path: string, account: string | null | undefined, keyMode: Config['keyMode']): string {
  return dashboardUrl({ id: '', livemode: keyMode === 'live' }, account ?? undefined, path)
}

/** The tables the monitors read: each object synced this run (and not failed), qualified; and whether charges' has the monitors' index. */
export async function sourcesOf(
  db: FeatureDatabase,
  config: Pick<Config, 'objects' | 'table' | 'statuses' | 'accounts'>,
  run: Pick<RunFacts, 'failures' | 'unreadable'>
): Promise<Sources> {
  const tables: Partial<Record<ObjectName, string>> = {}
  const unsynced = unsyncedReasons(config.objects, run)
  for (const name of config.objects) {
    if (unsynced.has(name)) continue
    tables[name] = db.table(name === 'charges' ? config.table : specOf(name).table)
  }
  const indexed = new Set<string>()
  if (tables.charges) {
    const [found] = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      db.table(indexName(config.table, ACCOUNT_INDEX.suffix))
    ])
    if (found?.present) indexed.add(tables.charges)
  }
  return { tables, failedCharges: config.statuses.has('failed'), accounts: config.accounts !== undefined, indexed, unsynced }
}

/**
 * The payment monitor, a feature: after the sync, every chosen monitor looks at the synced data
 * (every account at once); what it finds is an incident, opened once, updated while it lasts,
 * resolved when a run no longer sees it — in `stripe_monitor_incidents`, the outputs, the summary's
 * opening lines and (when asked) GitHub issues. With `monitor-backtest` it replays the history
 * instead, and stores, opens and fails nothing.
 */
export class PaymentMonitor implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'payment monitor'
  outcomes: Outcome[] = []
  changes: Change[] = []
  result: Backtest | undefined
  /** Charts of the open incidents, by open key. */
  readonly charts = new Map<string, string>()
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
    private readonly config: Pick<Config, 'objects' | 'table' | 'statuses' | 'accounts' | 'keyMode' | 'stripeAccount' | 'dryRun' | 'limit'>,
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
    this.calendar = await this.calendarOf(db, ctx, at)
    if (this.settings.backtestSeconds !== undefined) {
      const charges = sources.tables.charges
      const [first] = charges ? await db.query<{ t: number | null }>(`SELECT extract(epoch FROM min(created_at))::float8 AS t FROM ${charges}`) : []
      const historyFrom = first?.t === null || first?.t === undefined ? undefined : Number(first.t)
      this.result = await backtest(db, this.monitors, this.settings.levels, sources, at, this.settings.backtestSeconds, this.calendar, historyFrom)
      return
    }
    this.quiet = quietAt(this.calendar.quiet, at, this.calendar.zone)
    const remembered = await this.readable(db)
    const { open, recent } = remembered ? await incidentsSince(db, at - RECENT_SECONDS) : { open: new Map<string, Incident>(), recent: [] }
    this.outcomes = await evaluate(
      db,
      this.monitors,
      this.settings.levels,
      sources,
      at,
      {
        isOpen: (account, monitor, key) => open.has(openKey(account, monitor, key)),
        openedAt: (account, monitor, key) => {
          const incident = open.get(openKey(account, monitor, key))
          return incident ? unixSeconds(incident.openedAt) : undefined
        },
        openSince: (account, monitor, since) =>
          recent.some((i) => i.account === account && i.monitor === monitor && (i.resolvedAt === null || unixSeconds(i.resolvedAt) >= since))
      },
      this.calendar
    )
    this.blind = cannotWatch(this.outcomes)
    await this.readStaleness(db, ctx.run, at, sources)
    const seen: Seen[] = this.outcomes.flatMap((o) =>
      o.findings.map((f) => ({
        ...f,
        monitor: o.monitor.name,
        dashboardUrl: dashboardLink(f.dashboard, f.account ?? this.config.stripeAccount, this.config.keyMode)
      }))
    )
    const evaluated = new Set(this.outcomes.filter((o) => !o.unavailable).map((o) => o.monitor.name))
    if (remembered) {
      this.changes = await recordIncidents(db, seen, evaluated, open, ctx.now)
    } else {
      this.changes = seen.map((f) => ({
        state: 'opened',
        incident: {
          ...f,
          id: '',
          openedAt: ctx.now,
          resolvedAt: null,
          issueNumber: null,
          issueState: null,
          issueSeverity: null,
          issueClaimedAt: null,
          dashboardUrl: f.dashboardUrl
        }
      }))
    }
    await this.chart(db, at, sources)
    if (this.settings.incidentIssues && remembered && (this.changes.length > 0 || (await issuesMayBeOpen(db)))) await this.writeIssues(db, ctx)
  }

  /**
   * The account's week: the time zone and holidays from the inputs, else from the Stripe account
   * (GET /v1/account), else UTC and none (said as a problem: the user can set them).
   */
  private async calendarOf(db: FeatureDatabase, ctx: ReadBackContext, at: number): Promise<Calendar> {
    // Asked of Stripe (once a day: the place is remembered) unless the inputs say both.
    const asks = this.settings.timezone === undefined || this.settings.holidays === undefined
    const account = asks ? await placeOf(db, this.config.stripeAccount ?? '', ctx.now, ctx.account, (await tableAccess(db, PLACES_TABLE)) === 'ok') : undefined
    if (account?.error) {
      this.problems.push(
        `The monitors could not read where the Stripe account lives (GET /v1/account: ${escapeCell(account.error, 200)}): they use ${this.settings.timezone ?? 'UTC'} and ${this.settings.holidays === undefined ? 'no public holidays' : 'the holidays asked for'}. Set \`monitor-timezone\` and \`monitor-holidays\`, or give the key read access to the account.`
      )
    }
    const accountZone = account?.timezone ? knownZone(account.timezone) : undefined
    const zone = this.settings.timezone ?? accountZone ?? 'UTC'
    const zoneFrom: Calendar['zoneFrom'] = this.settings.timezone ? 'monitor-timezone' : accountZone ? 'the Stripe account' : 'default'
    const asked = this.settings.holidays
    const code: HolidayCode | undefined = asked === 'none' ? undefined : (asked ?? (account?.country ? { country: account.country } : undefined))
    let holidays = NO_HOLIDAYS
    if (code) {
      const loaded = await loadHolidays(code, yearsAround(at, HOLIDAY_DAYS + (this.settings.backtestSeconds ?? 0) / DAY_SECONDS))
      holidays = loaded.calendar
      if (loaded.problem) this.problems.push(loaded.problem)
    }
    const holidaysFrom: Calendar['holidaysFrom'] = !code ? 'none' : asked ? 'monitor-holidays' : 'the Stripe account'
    return { zone, zoneFrom, holidays, holidaysFrom, quiet: this.settings.quiet }
  }

  /** Whether the data the monitors read is current: each object's incremental copy complete up to the run. */
  private async readStaleness(db: FeatureDatabase, run: RunFacts, at: number, sources: Sources): Promise<void> {
    const read = [...new Set(this.outcomes.filter((o) => !o.unavailable).flatMap((o) => o.monitor.reads))]
    for (const stale of staleObjects(read, run, at)) {
      const table = sources.tables[stale.object]
      const [row] = table
        ? await db.query<{ n: number; oldest: number | null }>(
            `SELECT count(*)::float8 AS n, extract(epoch FROM min(created_at))::float8 AS oldest FROM ${table}`
          )
        : []
      this.stale.push(
        staleLine(stale, Number(row?.n ?? 0), row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest), at, this.config.limit)
      )
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

  /** The last 7 days against the expected band, for each open incident of a monitor that has a chart (the first few). */
  private async chart(db: FeatureDatabase, at: number, sources: Sources): Promise<void> {
    const open = this.changes.filter((c) => c.state !== 'resolved').slice(0, MAX_CHARTS)
    for (const change of open) {
      const monitor = this.monitors.find((m) => m.name === change.incident.monitor)
      const table = monitor?.chart && sources.tables[monitor.chart.object]
      if (!monitor?.chart || !table) continue
      const zone = this.calendar.zone
      const points = await bandSeries({ at, query: (sql, params) => db.query(sql, params) }, table, monitor.chart.where, change.incident.account ?? '', zone)
      const labelled = points.map((p) => {
        const d = new Date(p.wall * 1000)
        const label = d.getUTCHours() === 0 ? d.toUTCString().slice(0, 3) : `${String(d.getUTCHours()).padStart(2, '0')}h`
        // The block in progress is marked: its count is not the block's yet.
        return { ...p, label: p.partial ? `${label}*` : label }
      })
      const noun = monitor.chart.noun
      this.charts.set(
        openKey(change.incident.account, change.incident.monitor, change.incident.key),
        mermaidBandChart(labelled, `${noun} per ${BLOCK / 3600} h, last 7 days (${zone}), against the lowest and highest of the 4 weeks before`, noun)
      )
    }
  }

  /** The incident log on GitHub made to match the incidents table (`writeIncidentIssues`). */
  private async writeIssues(db: FeatureDatabase, ctx: ReadBackContext): Promise<void> {
    const { result, problems } = await writeIncidentIssues(db, { env: ctx.env, now: ctx.now, token: this.settings.githubToken, issueApi: this.issueApi })
    this.issues = result
    this.problems.push(...problems)
  }

  /** The worst of the run: an open incident, then what the monitors cannot see, then learning (`worstOf`). */
  get worst(): MonitorStatus {
    return worstOf(this.view())
  }

  private entries(): IncidentEntry[] {
    return this.changes.slice(0, MAX_LISTED).map(({ incident: i, state }) => ({
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

  outputs(): Record<OutputOf<typeof CONTRACT>, string> {
    if (this.result) return { incidents: '[]', incidents_opened: '0', incidents_resolved: '0', monitor_status: '', backtest: JSON.stringify(this.result) }
    if (!this.ran) return { incidents: '[]', incidents_opened: '0', incidents_resolved: '0', monitor_status: '', backtest: '' }
    return {
      incidents: JSON.stringify(this.entries()),
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
    return this.changes
      .filter((c) => c.state === 'opened')
      .slice(0, 10)
      .map(
        (c) =>
          `Incident (${c.incident.severity}): ${c.incident.monitor}${c.incident.account ? ` in ${shownId(c.incident.account)}` : ''} — ${shown(c.incident.summary, 500)}`
      )
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
    const level = this.settings.failOn
    if (level === 'never' || this.result) return undefined
    const failing = this.changes.filter((c) => c.state !== 'resolved' && (level === 'warning' || c.incident.severity === 'critical'))
    if (failing.length === 0) return undefined
    const named = failing
      .slice(0, 5)
      .map((c) => `${c.incident.monitor}${c.incident.account ? ` (${shownId(c.incident.account)})` : ''}: ${shown(c.incident.summary, 500)}`)
      .join(' | ')
    return `fail-on: ${level} — ${failing.length} ${level === 'critical' ? 'critical ' : ''}incident${failing.length === 1 ? '' : 's'} open. ${named}${failing.length > 5 ? ` | …and ${failing.length - 5} more` : ''}. Everything was stored; the step fails so that GitHub tells you.`
  }
}

/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
const CONTRACT = {
  inputs: [
    { name: 'monitors', default: 'all', since: '1.3.0', description: `The payment monitors to run after the sync - all, none, or a comma-separated list of ${MONITORS.map((m) => m.name).join(', ')}. Each runs when the objects it reads are synced.` },
    { name: 'monitor-thresholds', default: '', since: '1.3.0', description: 'Overrides of the monitors\' levels, monitor.level=value pairs separated by commas, semicolons or lines (silence.probability=1e-5, disputes.warning=0.5%, card-testing.failures=50). See Monitoring in the README.' },
    { name: 'fail-on', default: 'never', since: '1.3.0', description: 'Fail the step, after everything is stored and written, while an incident is open - never, warning (any incident) or critical. GitHub then e-mails the failed run.' },
    { name: 'incident-issues', default: 'false', since: '1.3.0', description: 'true: one GitHub issue per incident (labels stripe-incident, the monitor, the severity), commented when its severity changes, closed when it resolves; closing one by hand acknowledges its incident. Each run reconciles the issues with the incidents. Needs permissions: issues: write.' },
    { name: 'github-token', default: '${{ github.token }}', since: '1.3.0', description: 'The token incident-issues writes with. Default: the workflow\'s token.' },
    { name: 'monitor-backtest', default: '', since: '1.3.0', description: 'Replay the monitors hour by hour over this much stored history (1d to 90d, e.g. 28d) and report what they would have raised (output backtest), instead of monitoring: nothing is stored, no issue opened, nothing fails.' },
    { name: 'monitor-timezone', default: '', since: '1.3.0', description: 'The time zone whose local hours the monitors compare week to week (an IANA name, e.g. Europe/London). Empty: the Stripe account\'s own (its Dashboard time zone), else UTC.' },
    { name: 'monitor-holidays', default: '', since: '1.3.0', description: 'Public holidays the monitors know, from the date-holidays library - a country or region code (GB, US-CA, DE-BY) or none. Empty: the Stripe account\'s country, with the holidays of any of its regions. A holiday is not a silence, and past holidays are left out of the weeks compared.' },
    { name: 'monitor-quiet', default: '', since: '1.3.0', description: 'Planned windows in local time during which no incident opens (open ones stay open) - days or ranges (2026-12-24..2027-01-02) and weekly windows (Sat, Sun 00:00-06:00), separated by commas. A whole quiet day also expects no sales.' }
  ],
  outputs: [
    { name: 'incidents', empty: '[]', description: 'JSON array of the incidents opened, still open and resolved this run - {id, monitor, severity (warning or critical), state (opened, ongoing or resolved), account_id, opened_at, resolved_at, summary, observed, expected, dashboard_url}.' },
    { name: 'incidents_opened', empty: '0', description: 'Incidents opened this run.' },
    { name: 'incidents_resolved', empty: '0', description: 'Incidents resolved this run.' },
    { name: 'monitor_status', empty: '', description: 'critical or warning (the worst open incident); else stale (the synced data the monitors read is not current - a backfill in progress), partial (a chosen monitor cannot watch - an object not synced, status without failed charges, a key that cannot read an object, the monitors could not read the database), learning (a monitor that compares with the account\'s history has under 14 days of it) or ok; empty when no monitor ran.' },
    { name: 'backtest', empty: '', description: 'With monitor-backtest: JSON {window {from, to}, history_from (when the stored history begins inside the window), evaluations, incidents [{monitor, account, key, severity, opened_at, resolved_at, summary}]}.' }
  ]
} as const

/** The index the monitors read charges through, as the run makes it. */
const MONITOR_INDEX: FeatureIndex = {
  object: 'charges',
  ...ACCOUNT_INDEX,
  about: 'the monitors read the charges of each account through it',
  without: 'the monitors read every charge of their windows: slower on big accounts'
}

export const monitor = defineFeature({
  name: 'payment monitor',
  ...CONTRACT,
  load: (inputs, config) => {
    const names = parseMonitors(inputs.get('monitors'), MONITORS)
    const monitors = MONITORS.filter((m) => names.includes(m.name))
    const settings: MonitorSettings = {
      levels: parseThresholds(inputs.get('monitor-thresholds'), MONITORS),
      failOn: parseFailOn(inputs.get('fail-on')),
      incidentIssues: parseBoolean('incident-issues', inputs.get('incident-issues')),
      githubToken: inputs.get('github-token'),
      backtestSeconds: parseBacktest(inputs.get('monitor-backtest')),
      timezone: parseTimezone(inputs.get('monitor-timezone')),
      holidays: parseHolidays(inputs.get('monitor-holidays')),
      quiet: parseQuiet(inputs.get('monitor-quiet'))
    }
    if (settings.githubToken && !settings.githubToken.startsWith('${{')) {
      // Masked first, in each line of it too (a token pasted with a line break is refused next, never echoed).
      for (const part of [settings.githubToken, ...settings.githubToken.split(/\s+/)]) if (part.length >= 8) inputs.mask(part)
      const wrong = settings.incidentIssues ? tokenProblem(settings.githubToken) : undefined
      if (wrong) throw new InputError('github-token', `the token ${wrong}. Give a GitHub token (the workflow's own is the default), or leave the input out.`)
    }
    const on = monitors.length > 0
    const calendarSet = settings.timezone !== undefined || settings.holidays !== undefined || settings.quiet.length > 0
    if (!on && (settings.failOn !== 'never' || settings.incidentIssues || settings.backtestSeconds !== undefined || calendarSet)) {
      inputs.warn('monitors is none: fail-on, incident-issues, monitor-backtest, monitor-timezone, monitor-holidays and monitor-quiet have no effect.')
    }
    if (on && config.dryRun && (settings.failOn !== 'never' || settings.incidentIssues || settings.backtestSeconds !== undefined)) {
      inputs.warn('dry-run: the monitors need the database, so fail-on, incident-issues and monitor-backtest have no effect.')
    }
    const unused = on ? unusedThresholds(inputs.get('monitor-thresholds'), names) : []
    if (unused.length > 0) {
      inputs.warn(
        `monitor-thresholds sets levels of ${unused.join(', ')}, not among the monitors run (monitors): ${unused.length === 1 ? 'it has' : 'they have'} no effect.`
      )
    }
    if (on && !config.objects.some((o) => MONITORS.some((m) => m.reads.includes(o)))) {
      inputs.warn(
        `No monitor can run: they read ${[...new Set(MONITORS.flatMap((m) => m.reads))].map((o) => OBJECTS.find((x) => x.name === o)!.plural).join(', ')}.`
      )
    }
    return {
      views: [],
      tables: on && !config.dryRun ? [INCIDENTS, PLACES] : [],
      indexes: on && !config.dryRun ? [MONITOR_INDEX] : [],
      feature: on && !config.dryRun ? new PaymentMonitor(settings, monitors, config) : undefined
    }
  }
})
