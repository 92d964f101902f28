import type { FeatureDatabase } from '../../report/feature.js'
import { octokitApi, tokenProblem, type IssueApi, type IssueTarget } from './github.js'
import { INCIDENTS_TABLE, issueStore } from './incidents.js'
import { reconcileIssues, type LogResult } from './issues.js'

/** The incident log's time on GitHub in one run: the rest is the next run's (a GitHub that hangs costs seconds). */
export const ISSUE_BUDGET_MS = 60_000

/** Whether GitHub may hold an open incident issue: an incident open, or an issue the log has not seen closed. */
export async function issuesMayBeOpen(db: FeatureDatabase): Promise<boolean> {
  const [row] = await db.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${db.table(INCIDENTS_TABLE)} WHERE state = 'open' OR issue_state IN ('open', 'creating')) AS any`
  )
  return row?.any === true
}

export interface IssueLogOptions {
  env: NodeJS.ProcessEnv
  now: Date
  /** `github-token` as written (the workflow's own token when it is the default expression). */
  token: string
  /** The GitHub calls; default: the REST API through Octokit. */
  issueApi?: (target: IssueTarget) => Promise<IssueApi>
}

/**
 * One run of the incident log: GitHub made to match the incidents table (`reconcileIssues`), within
 * `ISSUE_BUDGET_MS`; whatever GitHub does, the sync and the incidents are stored, and each refusal
 * is one of the problems returned, said as it is.
 */
export async function writeIncidentIssues(db: FeatureDatabase, options: IssueLogOptions): Promise<{ result?: LogResult; problems: string[] }> {
  const { env } = options
  const written = options.token
  const token = written && !written.startsWith('${{') ? written : (env.GITHUB_TOKEN ?? '').trim()
  const repository = env.GITHUB_REPOSITORY ?? ''
  if (!token || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    return {
      problems: [
        `incident-issues is on, but ${token ? 'GITHUB_REPOSITORY is not set' : 'there is no github-token (nor GITHUB_TOKEN)'}: no GitHub issue was written. Run it in GitHub Actions with permissions: issues: write.`
      ]
    }
  }
  // The input was checked when read; the workflow's own token is checked here, before it is sent anywhere.
  const wrong = tokenProblem(token)
  if (wrong) return { problems: [`GITHUB_TOKEN ${wrong}: no GitHub issue was written.`] }
  const api = await (options.issueApi ?? octokitApi)({ token, repository, apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com' })
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  const runUrl = env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined
  const result = await reconcileIssues(api, issueStore(db), { now: options.now, runUrl, deadline: Date.now() + ISSUE_BUDGET_MS, clock: Date.now })
  const problems: string[] = []
  const kept = 'The incidents are stored and the sync succeeded.'
  if (result.stopped) {
    const next = result.stopped.refusal === 'rate-limited' ? 'the first run after that goes on' : 'nothing more was tried this run'
    problems.push(`GitHub refused the incident issues: ${result.stopped.message}; ${next}. ${kept}`)
  } else if (result.outOfTime) {
    problems.push(
      `GitHub was slow: ${result.left} incident issue${result.left === 1 ? ' is' : 's are'} left for the next run (the issue work stops after ${ISSUE_BUDGET_MS / 1000} s). ${kept}`
    )
  }
  for (const problem of result.problems.slice(0, 5)) problems.push(`Incident issues: ${problem}`)
  return { result, problems }
}
