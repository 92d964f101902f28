import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An issue as the stand-in keeps it. */
export interface StandInIssue {
  number: number
  title: string
  body: string
  labels: string[]
  state: 'open' | 'closed'
  state_reason: 'completed' | 'not_planned' | null
  comments: string[]
}

/** A request as the stand-in saw it. */
export interface GitHubRequest {
  method: string
  path: string
  query: URLSearchParams
  token: string
}

/**
 * How the stand-in misbehaves on one request, as GitHub does: a status with headers (a rate limit, a
 * 500, 410), `lost` (the write is done, the reply is a 502), `unreadable` (done, a 201 whose body is
 * not JSON), `hang` (no answer at all), or a delay in ms before an honest answer.
 */
export type GitHubFault =
  { status: number; headers?: Record<string, string>; message?: string } | { lost: true } | { unreadable: true } | { hang: true } | { delayMs: number }

/**
 * A stand-in of the part of GitHub's REST API the incident log uses: list a repository's issues
 * (by label and state, 100 a page, with a Link header), get one, create one, comment on one, update
 * one (labels, state). `refuse` answers every call with that status as GitHub does for a token
 * without `issues: write`; `fault` picks a misbehaviour per request. Records each request.
 */
export class GitHubStandIn {
  readonly issues: StandInIssue[] = []
  readonly requests: GitHubRequest[] = []
  refuse: number | undefined
  fault: ((request: GitHubRequest) => GitHubFault | undefined) | undefined
  private server: Server | undefined
  private readonly hanging = new Set<ServerResponse>()
  url = ''

  /** The tokens requests came with (Authorization headers). */
  get tokens(): string[] {
    return this.requests.map((r) => r.token)
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this.url
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy()
    this.hanging.clear()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** Closes an issue as a person does in GitHub's page (acknowledging it). */
  closeByHand(number: number): void {
    const issue = this.issues.find((i) => i.number === number)!
    issue.state = 'closed'
    issue.state_reason = 'completed'
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://x')
    const request: GitHubRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, token: String(req.headers.authorization ?? '') }
    this.requests.push(request)
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      res.end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    if (this.refuse) {
      return send(this.refuse, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue'
      })
    }
    const fault = this.fault?.(request)
    if (fault && 'hang' in fault) {
      this.hanging.add(res)
      return
    }
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
    if (fault && 'status' in fault) return send(fault.status, { message: fault.message ?? 'Server Error' }, fault.headers)
    let input: Record<string, unknown> = {}
    try {
      input = text ? JSON.parse(text) : {}
    } catch {
      return send(400, { message: 'Problems parsing JSON' })
    }
    const answer = this.answer(request, input)
    if (fault && 'lost' in fault) return send(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' })
    if (fault && 'unreadable' in fault) return send(answer.status, '{"number": 1, "tit', { 'content-type': 'application/json' })
    send(answer.status, answer.body, answer.headers)
  }

  private view(issue: StandInIssue) {
    return { ...issue, labels: issue.labels.map((name) => ({ name })), comments: issue.comments.length }
  }

  private answer(request: GitHubRequest, input: Record<string, unknown>): { status: number; body: unknown; headers?: Record<string, string> } {
    const { method, path, query } = request
    const list = /^\/repos\/[^/]+\/[^/]+\/issues$/.exec(path)
    const comment = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path)
    const one = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)$/.exec(path)
    if (method === 'GET' && list) {
      const labels = (query.get('labels') ?? '').split(',').filter((l) => l !== '')
      const state = query.get('state') ?? 'open'
      const perPage = Math.min(100, Number(query.get('per_page') ?? 30))
      const page = Number(query.get('page') ?? 1)
      const matching = this.issues
        .filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)))
        .sort((a, b) => b.number - a.number)
      const slice = matching.slice((page - 1) * perPage, page * perPage)
      const more = page * perPage < matching.length
      return {
        status: 200,
        body: slice.map((i) => this.view(i)),
        headers: more ? { link: `<${this.url}${path}?page=${page + 1}&per_page=${perPage}>; rel="next"` } : {}
      }
    }
    if (method === 'POST' && list) {
      const issue: StandInIssue = {
        number: this.issues.length + 1,
        title: String(input.title),
        body: String(input.body ?? ''),
        labels: (input.labels as string[] | undefined) ?? [],
        state: 'open',
        state_reason: null,
        comments: []
      }
      this.issues.push(issue)
      return { status: 201, body: this.view(issue) }
    }
    const issue = this.issues.find((i) => i.number === Number((comment ?? one)?.[1]))
    if (!issue) return { status: 404, body: { message: 'Not Found' } }
    if (method === 'GET' && one) return { status: 200, body: this.view(issue) }
    if (method === 'POST' && comment) {
      issue.comments.push(String(input.body))
      return { status: 201, body: { id: issue.comments.length, body: input.body } }
    }
    if (method === 'PATCH' && one) {
      if (Array.isArray(input.labels)) issue.labels = input.labels.map(String)
      if (input.state === 'closed' || input.state === 'open') issue.state = input.state
      if (input.state_reason === 'completed' || input.state_reason === 'not_planned') issue.state_reason = input.state_reason
      return { status: 200, body: this.view(issue) }
    }
    return { status: 404, body: { message: 'Not Found' } }
  }
}
