import { markdownSafe } from '../../report/markdown.js'
import { describeLength } from '../../report/summary.js'
import { isoSeconds, unixSeconds } from '../../time.js'
import { IssueError, type GitHubIssue, type IssueApi } from './github.js'
import type { Incident, IssueStore, LoggedIncident } from './incidents.js'

/**
 * The incident log on GitHub, made exact by reconciling, not by firing and forgetting: each run
 * reads the open `stripe-incident` issues (one listing), matches each to its incident by the marker
 * its body carries, then creates what is missing, closes what resolved, fixes labels and comments
 * once on a severity change. A write whose reply was lost is found by its marker on the next run,
 * never written twice; a close or label that failed is done by the next run. An issue closed by
 * hand is the team's acknowledgement: no new issue and no reopening while that incident lasts.
 */

/** The label every incident issue carries, with its monitor's name and its severity. */
export const INCIDENT_LABEL = 'stripe-incident'

const SEVERITIES = ['warning', 'critical']

/** The marker in an issue's body that names its incident (an HTML comment: not shown). */
export function marker(id: string): string {
  return `<!-- stripe-payment-monitor incident:${id} -->`
}

const MARKER = /<!-- stripe-payment-monitor incident:(inc_[0-9a-f]{20}) -->/

export function labelsOf(incident: Pick<Incident, 'monitor' | 'severity'>): string[] {
  return [INCIDENT_LABEL, incident.monitor, incident.severity]
}

/** The title: plain text, no Markdown (GitHub shows titles as written), links and mentions broken. */
export function titleOf(incident: Incident): string {
  const where = incident.account ? ` (${incident.account})` : ''
  const first = incident.summary.split(/(?<=[.;])\s/)[0]!.replace(/[.;]$/, '')
  return markdownSafe(`${incident.severity === 'critical' ? 'Critical' : 'Warning'}: ${incident.monitor}${where} — ${first}`, 200, 'title')
}

export function bodyOf(incident: Incident, runUrl: string | undefined): string {
  const figures = (o: Record<string, unknown>) =>
    Object.entries(o)
      .map(([k, v]) => `${k.replaceAll('_', ' ')}: ${typeof v === 'number' ? Math.round(v * 10000) / 10000 : String(v)}`)
      .join('; ')
  return [
    `**${markdownSafe(incident.summary, 1000)}**`,
    '',
    `| | |`,
    `| --- | --- |`,
    `| Monitor | ${markdownSafe(incident.monitor, 40)} |`,
    `| Severity | ${incident.severity} |`,
    ...(incident.account ? [`| Account | ${markdownSafe(incident.account, 64)} |`] : []),
    `| Opened | ${isoSeconds(unixSeconds(incident.openedAt))} |`,
    `| Observed | ${markdownSafe(figures(incident.observed), 500)} |`,
    `| Expected | ${markdownSafe(figures(incident.expected), 500)} |`,
    '',
    `[Open in the Stripe Dashboard](${incident.dashboardUrl})${runUrl ? ` · [the run that opened it](${runUrl})` : ''}`,
    '',
    `_Opened by Stripe Payment Monitor; it closes this issue when the incident ends. Close it yourself to acknowledge it: no new issue opens while the incident lasts._`,
    '',
    marker(incident.id)
  ].join('\n')
}

/** What one run of the log did. */
export interface LogResult {
  /** GitHub API calls made. */
  calls: number
  opened: number
  commented: number
  closed: number
  relabelled: number
  /** Incidents whose issue someone closed by hand while they last: acknowledged. */
  acknowledged: string[]
  /** Incidents left to another run (claimed by it, or the budget ran out): the next run goes on. */
  left: number
  /** What went wrong with one write or another, each told (the next run does it). */
  problems: string[]
  /** A refusal that stopped the rest of the work (rate limit, permission, disabled, bad token). */
  stopped?: IssueError
  /** The budget ran out before the work did. */
  outOfTime: boolean
}

export interface LogOptions {
  now: Date
  runUrl?: string
  /** When the log's work must stop (ms, on `clock`'s scale): the rest is the next run's. */
  deadline: number
  clock: () => number
}

/** The log's work for one run: GitHub made to match the incidents table. Never throws for GitHub's sake. */
export async function reconcileIssues(api: IssueApi, store: IssueStore, options: LogOptions): Promise<LogResult> {
  const result: LogResult = { calls: 0, opened: 0, commented: 0, closed: 0, relabelled: 0, acknowledged: [], left: 0, problems: [], outOfTime: false }
  const counted = <T>(work: () => Promise<T>): Promise<T> => {
    result.calls += 1
    return work()
  }
  // Wall-clock time, as claims are stamped: a claim after it may be a create this listing could not see.
  const listedAt = Date.now()
  let listed: GitHubIssue[]
  try {
    listed = await counted(() => api.listOpen(INCIDENT_LABEL))
  } catch (error) {
    if (!(error instanceof IssueError)) throw error
    result.stopped = error
    return result
  }
  // Ours: an issue carrying a marker. Two with one marker (an older version's double write): the first is the incident's.
  const byIncident = new Map<string, GitHubIssue>()
  const duplicates: Array<[GitHubIssue, GitHubIssue]> = []
  for (const issue of [...listed].sort((a, b) => a.number - b.number)) {
    const id = MARKER.exec(issue.body)?.[1]
    if (!id) continue
    const first = byIncident.get(id)
    if (first) duplicates.push([issue, first])
    else byIncident.set(id, issue)
  }
  const incidents = await store.incidents([...byIncident.keys()])
  const work: Array<{ incident: LoggedIncident; act: (i: LoggedIncident) => Promise<void> }> = []
  for (const incident of incidents) {
    const issue = byIncident.get(incident.id)
    if (issue) work.push({ incident, act: (i) => (i.open ? keep(i, issue) : close(i, issue)) })
    else if (incident.open && incident.issueState !== 'acknowledged') work.push({ incident, act: (i) => missing(i) })
    else if (!incident.open && incident.issueState === 'open' && incident.issueNumber !== null) work.push({ incident, act: (i) => closedUnlisted(i) })
  }

  /** An open incident's issue: the number recorded, its labels and its severity told. */
  async function keep(i: LoggedIncident, issue: GitHubIssue): Promise<void> {
    if (i.issueNumber !== issue.number || i.issueState !== 'open') await store.record(i.id, { issueNumber: issue.number, issueState: 'open' })
    // People's own labels kept; ours (the severity replaced) added.
    const wanted = [...new Set([...issue.labels.filter((l) => !SEVERITIES.includes(l)), ...labelsOf(i)])]
    if (wanted.length !== issue.labels.length || wanted.some((l) => !issue.labels.includes(l))) {
      await counted(() => api.update(issue.number, { labels: wanted }))
      result.relabelled += 1
    }
    if (i.issueSeverity !== null && i.issueSeverity !== i.severity) {
      await counted(() => api.comment(issue.number, `Severity changed from ${i.issueSeverity} to **${i.severity}**: ${markdownSafe(i.summary, 1000)}`))
      result.commented += 1
    }
    if (i.issueSeverity !== i.severity) await store.record(i.id, { issueSeverity: i.severity })
  }

  /** A resolved incident whose issue is still open: closed (then told why; a close that failed is the next run's). */
  async function close(i: LoggedIncident, issue: GitHubIssue): Promise<void> {
    await counted(() => api.update(issue.number, { state: 'closed' }))
    await store.record(i.id, { issueNumber: issue.number, issueState: 'closed' })
    result.closed += 1
    await counted(() => api.comment(issue.number, resolutionText(i)))
  }

  /**
   * A resolved incident whose issue is recorded open but not listed: closed by a close whose reply
   * was lost (GitHub did it, the run never heard), or by hand, or unlabelled. The record is put right
   * and the resolution comment posted once; an issue still open is closed.
   */
  async function closedUnlisted(i: LoggedIncident): Promise<void> {
    const issue = await counted(() => api.get(i.issueNumber!))
    if (issue && issue.state === 'open') return close(i, issue)
    await store.record(i.id, { issueState: 'closed' })
    if (issue) await counted(() => api.comment(issue.number, resolutionText(i)))
  }

  function resolutionText(i: LoggedIncident): string {
    const lasted = describeLength(((i.resolvedAt ?? options.now).getTime() - i.openedAt.getTime()) / 1000)
    return `Resolved at ${isoSeconds(unixSeconds(i.resolvedAt ?? options.now))}, after ${lasted}: the monitor no longer sees it.${options.runUrl ? ` ([run](${options.runUrl}))` : ''}`
  }

  /** An open incident GitHub lists no issue for: closed by hand (acknowledged), gone, or never made. */
  async function missing(i: LoggedIncident): Promise<void> {
    if (!i.open || i.issueState === 'acknowledged') return
    if (i.issueNumber !== null) {
      const issue = await counted(() => api.get(i.issueNumber!))
      // Closed by someone (the log closes only resolved incidents' issues), deleted or transferred: acknowledged.
      if (!issue || issue.state === 'closed') {
        await store.record(i.id, { issueState: 'acknowledged' })
        result.acknowledged.push(i.id)
        return
      }
      // Open, but not listed (its label taken off): still the incident's.
      return keep(i, issue)
    }
    // Claimed by a run whose reply was lost after this run listed: the next listing finds it by its marker.
    if (i.issueState === 'creating' && i.issueClaimedAt && i.issueClaimedAt.getTime() >= listedAt) {
      result.left += 1
      return
    }
    await store.record(i.id, { issueState: 'creating', issueClaimedAt: new Date() })
    let number: number | undefined
    let failed: IssueError | undefined
    try {
      number = await counted(() => api.create(titleOf(i), bodyOf(i, options.runUrl), labelsOf(i)))
    } catch (error) {
      if (!(error instanceof IssueError) || error.stops) throw error
      failed = error
    } finally {
      // When the reply is lost, the issue may exist: the claim's time says so to a run that listed before it.
      if (number === undefined) await store.record(i.id, { issueClaimedAt: new Date() })
    }
    if (number === undefined) {
      result.problems.push(
        `${failed ? `${failed.message} to creating` : "GitHub's reply to creating"} the issue of ${i.monitor} (${i.id})${failed ? '' : ' could not be read'}; if it was made, the next run finds it by its marker.`
      )
      return
    }
    await store.record(i.id, { issueNumber: number, issueState: 'open', issueSeverity: i.severity })
    result.opened += 1
  }

  for (const { incident, act } of work) {
    if (!result.stopped && options.clock() >= options.deadline) result.outOfTime = true
    if (result.stopped || result.outOfTime) {
      result.left += 1
      continue
    }
    if (!(await store.claim(incident.id))) {
      // Another run (a shard of the matrix) is writing it now.
      result.left += 1
      continue
    }
    try {
      const now = await store.incident(incident.id)
      if (now) await act(now)
    } catch (error) {
      if (!(error instanceof IssueError)) throw error
      if (error.stops) result.stopped = error
      else result.problems.push(`${incident.monitor} (${incident.id}): ${error.message}; the next run does it.`)
    } finally {
      await store.release(incident.id)
    }
  }
  for (const [extra, first] of duplicates) {
    if (result.stopped || options.clock() >= options.deadline) break
    try {
      await counted(() => api.update(extra.number, { state: 'closed' }))
      await counted(() => api.comment(extra.number, `Duplicate of #${first.number} (the same incident).`))
      result.closed += 1
    } catch (error) {
      if (!(error instanceof IssueError)) throw error
      if (error.stops) result.stopped = error
    }
  }
  return result
}
