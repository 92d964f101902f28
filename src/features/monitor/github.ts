import { isoSeconds } from '../../time.js'

/**
 * The GitHub REST calls the incident log makes, through @actions/github's Octokit (loaded only when
 * issues are asked for): every call bounded (`CALL_MS`), every refusal classified and told as it is,
 * never with the HTTP library's own text (it can quote the token).
 */

/** What the issues are written with. */
export interface IssueTarget {
  token: string
  /** `owner/name` (GITHUB_REPOSITORY). */
  repository: string
  /** The REST API's base (GITHUB_API_URL; GitHub Enterprise Server has its own). */
  apiUrl: string
}

/** An issue as the log reads it. */
export interface GitHubIssue {
  number: number
  state: 'open' | 'closed'
  labels: string[]
  body: string
}

/** The calls: the REST API through Octokit, or a test's own. */
export interface IssueApi {
  /** Every open issue with the label (one listing, 100 a page). */
  listOpen(label: string): Promise<GitHubIssue[]>
  /** One issue; undefined when it is gone (deleted, transferred: 404, 410). */
  get(issue: number): Promise<GitHubIssue | undefined>
  /** The new issue's number; undefined when GitHub's reply could not be read (it may have been created). */
  create(title: string, body: string, labels: string[]): Promise<number | undefined>
  comment(issue: number, body: string): Promise<void>
  update(issue: number, fields: { labels?: string[]; state?: 'closed' }): Promise<void>
}

/** Longest a call may take: a GitHub that hangs costs seconds, not the HTTP library's five minutes. */
export const CALL_MS = 10_000

/** How GitHub refused, as a user acts on it. */
export type Refusal = 'rate-limited' | 'forbidden' | 'not-found' | 'disabled' | 'unauthorized' | 'failed'

/** A GitHub refusal or failure, said in words that do not quote GitHub's reply (nor the token in it). */
export class IssueError extends Error {
  constructor(
    readonly refusal: Refusal,
    readonly status: number | undefined,
    message: string,
    /** Rate-limited: until when (Unix seconds). */
    readonly until?: number
  ) {
    super(message)
    this.name = 'IssueError'
  }

  /** Whether the rest of this run's issue work stops (every further call would be refused the same way). */
  get stops(): boolean {
    return this.refusal !== 'failed'
  }
}

/** An HTTP error as the log says it: its status and headers only (x-ratelimit-*, retry-after). */
export function classify(
  status: number | undefined,
  headers: Readonly<Record<string, string | number | undefined>>,
  nowSeconds: number,
  secondary = false
): IssueError {
  const header = (name: string) => {
    const v = headers[name]
    return v === undefined ? undefined : Number(v)
  }
  if (status === 401) return new IssueError('unauthorized', status, 'the token is not valid (401): check github-token, or leave it to the workflow token')
  if (status === 403 || status === 429) {
    const remaining = header('x-ratelimit-remaining')
    const reset = header('x-ratelimit-reset')
    const retry = header('retry-after')
    if (remaining === 0 && reset !== undefined && Number.isFinite(reset)) {
      return new IssueError('rate-limited', status, `rate-limited until ${isoSeconds(reset)} (the token's hourly requests are spent)`, reset)
    }
    if ((retry !== undefined && Number.isFinite(retry)) || secondary || status === 429) {
      const until = nowSeconds + (retry !== undefined && Number.isFinite(retry) ? retry : 60)
      return new IssueError('rate-limited', status, `rate-limited until ${isoSeconds(until)} (GitHub's secondary limit on writes)`, until)
    }
    return new IssueError(
      'forbidden',
      status,
      'the token lacks `issues: write` (403): give the job `permissions: issues: write`, or a github-token that may write issues'
    )
  }
  if (status === 404)
    return new IssueError(
      'not-found',
      status,
      'the repository was not found with this token (404): the token is for another repository, or may not see this one'
    )
  if (status === 410)
    return new IssueError('disabled', status, 'issues are disabled in this repository (410): turn them on in its settings, or set incident-issues: false')
  return new IssueError('failed', status, status ? `GitHub answered ${status}` : 'GitHub did not answer in time')
}

interface OctokitFailure {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

function failureOf(error: unknown, nowSeconds: number): IssueError {
  if (error instanceof IssueError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as OctokitFailure
  // No response: the call timed out or the connection failed (the library calls that a 500): GitHub did not answer.
  const status = e.response && typeof e.status === 'number' && e.status >= 400 ? e.status : undefined
  const text = `${typeof e.message === 'string' ? e.message : ''} ${JSON.stringify(e.response?.data ?? '')}`
  return classify(status, e.response?.headers ?? {}, nowSeconds, /secondary rate limit/i.test(text))
}

function issueOf(data: unknown): GitHubIssue | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as { number?: unknown; state?: unknown; labels?: unknown; body?: unknown; pull_request?: unknown }
  if (typeof d.number !== 'number' || !Number.isSafeInteger(d.number) || d.number <= 0 || d.pull_request) return undefined
  const labels = Array.isArray(d.labels) ? d.labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown })?.name ?? ''))) : []
  return { number: d.number, state: d.state === 'closed' ? 'closed' : 'open', labels, body: typeof d.body === 'string' ? d.body : '' }
}

/** The REST API through @actions/github's Octokit, every call bounded by `callMs`. */
export async function octokitApi(target: IssueTarget, callMs = CALL_MS): Promise<IssueApi> {
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(target.token, { baseUrl: target.apiUrl })
  const [owner, repo] = target.repository.split('/') as [string, string]
  const request = () => ({ signal: AbortSignal.timeout(callMs) })
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw failureOf(error, Math.floor(Date.now() / 1000))
    }
  }
  return {
    listOpen: (label) =>
      call(async () => {
        const found: GitHubIssue[] = []
        // Pages of 100 until a short one; at most 50 pages (5,000 open incident issues is not a log anyone reads).
        for (let page = 1; page <= 50; page++) {
          const { data } = await octokit.rest.issues.listForRepo({ owner, repo, labels: label, state: 'open', per_page: 100, page, request: request() })
          if (!Array.isArray(data)) throw new IssueError('failed', undefined, "GitHub's list of issues could not be read")
          for (const item of data) {
            const issue = issueOf(item)
            if (issue) found.push(issue)
          }
          if (data.length < 100) break
        }
        return found
      }),
    get: async (issue) => {
      try {
        return issueOf((await octokit.rest.issues.get({ owner, repo, issue_number: issue, request: request() })).data)
      } catch (error) {
        const status = (error as OctokitFailure)?.status
        // Gone (deleted, transferred): nothing to write to; the incident counts as acknowledged.
        if (status === 404 || status === 410) return undefined
        throw failureOf(error, Math.floor(Date.now() / 1000))
      }
    },
    create: (title, body, labels) =>
      call(async () => issueOf((await octokit.rest.issues.create({ owner, repo, title, body, labels, request: request() })).data)?.number),
    comment: (issue, body) => call(async () => void (await octokit.rest.issues.createComment({ owner, repo, issue_number: issue, body, request: request() }))),
    update: (issue, fields) =>
      call(
        async () =>
          void (await octokit.rest.issues.update({
            owner,
            repo,
            issue_number: issue,
            ...fields,
            ...(fields.state ? { state_reason: 'completed' as const } : {}),
            request: request()
          }))
      )
  }
}

/**
 * Why a token cannot be a GitHub token, or undefined: whitespace or control characters (a pasted
 * line break), a `Bearer ` prefix, or a Stripe key pasted by mistake. Checked before anything runs.
 */
export function tokenProblem(token: string): string | undefined {
  if (/^bearer\s/i.test(token)) return 'starts with "Bearer ": give the token alone'
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\s\u0000-\u001F\u007F-\u009F]/.test(token)) return 'holds whitespace or control characters (a line break pasted with it?)'
  if (/^(sk|rk|pk)_(live|test)_/.test(token)) return 'is a Stripe API key, not a GitHub token: it is never sent to GitHub'
  return undefined
}
