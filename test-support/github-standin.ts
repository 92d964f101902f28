import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An issue as the stand-in keeps it. */
export interface StandInIssue {
  number: number
  title: string
  body: string
  labels: string[]
  state: 'open' | 'closed'
  comments: string[]
}

/**
 * A stand-in of the part of GitHub's REST API incident issues use: create an issue, comment on one,
 * update one (labels, state). `refuse` answers every call as GitHub does for a token without
 * `issues: write` (403, "Resource not accessible by integration"). Records each request's token.
 */
export class GitHubStandIn {
  readonly issues: StandInIssue[] = []
  readonly tokens: string[] = []
  refuse: number | undefined
  private server: Server | undefined
  url = ''

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
        res.end(JSON.stringify(body))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this.url
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const input: Record<string, unknown> = text ? JSON.parse(text) : {}
    this.tokens.push(String(req.headers.authorization ?? ''))
    if (this.refuse)
      return {
        status: this.refuse,
        body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue' }
      }
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const create = /^\/repos\/[^/]+\/[^/]+\/issues$/.exec(path)
    const comment = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path)
    const update = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)$/.exec(path)
    if (req.method === 'POST' && create) {
      const issue: StandInIssue = {
        number: this.issues.length + 1,
        title: String(input.title),
        body: String(input.body ?? ''),
        labels: (input.labels as string[] | undefined) ?? [],
        state: 'open',
        comments: []
      }
      this.issues.push(issue)
      return { status: 201, body: { ...issue, labels: issue.labels.map((name) => ({ name })) } }
    }
    const issue = this.issues.find((i) => i.number === Number((comment ?? update)?.[1]))
    if (!issue) return { status: 404, body: { message: 'Not Found' } }
    if (req.method === 'POST' && comment) {
      issue.comments.push(String(input.body))
      return { status: 201, body: { id: issue.comments.length, body: input.body } }
    }
    if (req.method === 'PATCH' && update) {
      if (Array.isArray(input.labels)) issue.labels = input.labels.map(String)
      if (input.state === 'closed' || input.state === 'open') issue.state = input.state
      return { status: 200, body: { ...issue, labels: issue.labels.map((name) => ({ name })) } }
    }
    return { status: 404, body: { message: 'Not Found' } }
  }
}
