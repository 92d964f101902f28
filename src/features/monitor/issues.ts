import { describeLength } from '../../report/summary.js'
import { isoSeconds, unixSeconds } from '../../time.js'
import type { Change, Incident } from './incidents.js'

/** What the issues are written with. */
export interface IssueTarget {
  token: string
  /** `owner/name` (GITHUB_REPOSITORY). */
  repository: string
  /** The REST API's base (GITHUB_API_URL; GitHub Enterprise Server has its own). */
  apiUrl: string
}

/** The GitHub calls the issues need: the REST API through Octokit, or a stand-in's. */
export interface IssueApi {
  create(title: string, body: string, labels: string[]): Promise<number>
  comment(issue: number, body: string): Promise<void>
  update(issue: number, fields: { labels?: string[]; state?: 'closed' }): Promise<void>
}

/** The label every incident issue carries, with its monitor's name and its severity. */
export const INCIDENT_LABEL = 'stripe-incident'

/** A GitHub API refusal, as the run says it: a warning, never a failed sync. */
export class IssueError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string
  ) {
    super(message)
    this.name = 'IssueError'
  }
}

/** The REST API through @actions/github's Octokit, loaded only when issues are asked for. */
export async function octokitApi(target: IssueTarget): Promise<IssueApi> {
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(target.token, { baseUrl: target.apiUrl })
  const [owner, repo] = target.repository.split('/') as [string, string]
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      const status = (error as { status?: number }).status
      throw new IssueError(status, error instanceof Error ? error.message : String(error))
    }
  }
  return {
    create: (title, body, labels) => call(async () => (await octokit.rest.issues.create({ owner, repo, title, body, labels })).data.number),
    comment: (issue, body) => call(async () => void (await octokit.rest.issues.createComment({ owner, repo, issue_number: issue, body }))),
    update: (issue, fields) =>
      call(
        async () =>
          void (await octokit.rest.issues.update({
            owner,
            repo,
            issue_number: issue,
            ...fields,
            ...(fields.state ? { state_reason: 'completed' as const } : {})
          }))
      )
  }
}

function labels(incident: Incident): string[] {
  return [INCIDENT_LABEL, incident.monitor, incident.severity]
}

function title(incident: Incident): string {
  const where = incident.account ? ` (${incident.account})` : ''
  const first = incident.summary.split(/(?<=[.;])\s/)[0]!.replace(/[.;]$/, '')
  return `${incident.severity === 'critical' ? 'Critical' : 'Warning'}: ${incident.monitor}${where} — ${first}`.slice(0, 200)
}

function body(incident: Incident, runUrl: string | undefined): string {
  const figures = (o: Record<string, unknown>) =>
    Object.entries(o)
      .map(([k, v]) => `${k.replaceAll('_', ' ')}: ${typeof v === 'number' ? Math.round(v * 10000) / 10000 : String(v)}`)
      .join('; ')
  return [
    `**${incident.summary}**`,
    '',
    `| | |`,
    `| --- | --- |`,
    `| Monitor | \`${incident.monitor}\` |`,
    `| Severity | ${incident.severity} |`,
    ...(incident.account ? [`| Account | \`${incident.account}\` |`] : []),
    `| Opened | ${isoSeconds(unixSeconds(incident.openedAt))} |`,
    `| Observed | ${figures(incident.observed)} |`,
    `| Expected | ${figures(incident.expected)} |`,
    '',
    `[Open in the Stripe Dashboard](${incident.dashboardUrl})${runUrl ? ` · [the run that opened it](${runUrl})` : ''}`,
    '',
    `_Opened by Stripe Payment Monitor; it closes this issue when the incident ends. Incident \`${incident.id}\`._`
  ].join('\n')
}

/**
 * One issue per incident: opened with it (labelled stripe-incident, the monitor, the severity), a
 * comment when its severity changes, closed with a comment when it resolves. The text holds counts
 * and rates only — no amount, no customer — so it is the same on public repositories. The first
 * refusal (a token without `issues: write`) stops the rest and is returned, to be said as a warning.
 */
export async function syncIssues(
  api: IssueApi,
  changes: readonly Change[],
  remember: (incident: Incident, issue: number) => Promise<void>,
  now: Date,
  runUrl?: string
): Promise<{ opened: number; commented: number; closed: number; refused?: IssueError }> {
  const done = { opened: 0, commented: 0, closed: 0 }
  try {
    for (const change of changes) {
      const incident = change.incident
      if (change.state === 'opened' || (change.state === 'ongoing' && incident.issueNumber === null)) {
        const number = await api.create(title(incident), body(incident, runUrl), labels(incident))
        await remember(incident, number)
        done.opened += 1
      } else if (change.state === 'ongoing' && change.previousSeverity && incident.issueNumber !== null) {
        await api.comment(incident.issueNumber, `Severity changed from ${change.previousSeverity} to **${incident.severity}**: ${incident.summary}`)
        await api.update(incident.issueNumber, { labels: labels(incident) })
        done.commented += 1
      } else if (change.state === 'resolved' && incident.issueNumber !== null) {
        const lasted = describeLength((now.getTime() - incident.openedAt.getTime()) / 1000)
        await api.comment(
          incident.issueNumber,
          `Resolved at ${isoSeconds(unixSeconds(now))}, after ${lasted}: the monitor no longer sees it.${runUrl ? ` ([run](${runUrl}))` : ''}`
        )
        await api.update(incident.issueNumber, { state: 'closed' })
        done.closed += 1
      }
    }
  } catch (error) {
    if (!(error instanceof IssueError)) throw error
    return { ...done, refused: error }
  }
  return done
}
