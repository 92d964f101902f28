import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { parseOutputFile } from '../../test-support/run-dist.js'
import { removeScratch, scratchDir } from '../../test-support/scratch.js'

afterAll(removeScratch)

// The example workflows are copied into users' repositories: they must parse, and handle customer
// text (descriptions, emails) as the untrusted input it is.
const dir = new URL('../../examples/', import.meta.url)
const examples = readdirSync(dir).filter((f) => f.endsWith('.yml'))

interface Step {
  name?: string
  run?: string
  uses?: string
  env?: Record<string, string>
  with?: Record<string, string>
}

interface Workflow {
  permissions?: unknown
  env?: Record<string, string>
  jobs: Record<string, { steps: Step[] }>
}

describe('examples', () => {
  it.each(examples)('%s parses and never writes an output with a fixed delimiter', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8')
    const workflow = parse(text) as { jobs: Record<string, { steps: Step[] }> }
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0)
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) {
        if (step.run?.includes('GITHUB_OUTPUT')) expect(step.run).not.toMatch(/<<\s*'?EOF'?/)
      }
    }
  })

  it.each(examples)('%s asks for no GitHub token (permissions: {}), or only issues: write for incident issues', (file) => {
    const workflow = parse(readFileSync(new URL(file, dir), 'utf8')) as Workflow
    const issues = Object.values(workflow.jobs).some((job) => job.steps.some((step) => String(step.with?.['incident-issues']) === 'true'))
    expect(workflow.permissions).toEqual(issues ? { issues: 'write' } : {})
  })

  it.each(examples)('%s reads the tables from the schema the action writes to', (file) => {
    const workflow = parse(readFileSync(new URL(file, dir), 'utf8')) as Workflow
    for (const job of Object.values(workflow.jobs)) {
      const action = job.steps.find((s) => s.uses?.includes('stripe-payment-monitor'))
      for (const step of job.steps.filter((s) => s.run && /\b(stripe_\w+|processed_charges)\b/.test(s.run) && /psql|SELECT/i.test(s.run))) {
        // Whatever the schema is set to, the action and the query use the same one.
        expect(action?.with?.schema).toBe('${{ env.STRIPE_SCHEMA }}')
        expect(step.env?.PGOPTIONS).toBe('-c search_path=${{ env.STRIPE_SCHEMA }}')
        expect(workflow.env?.STRIPE_SCHEMA).toBeDefined()
      }
    }
  })

  // jq is on GitHub's runners (the step needs it); a machine without it cannot run this one.
  const hasJq = (() => {
    try {
      execFileSync('jq', ['--version'])
      return true
    } catch {
      return false
    }
  })()
  ;(hasJq ? it : it.skip)("the monitor's Slack step escapes what Slack's markup reads in incident text", () => {
    const workflow = parse(readFileSync(new URL('monitor.yml', dir), 'utf8')) as { jobs: { monitor: { steps: Step[] } } }
    const step = workflow.jobs.monitor.steps.find((s) => s.name === 'Tell Slack about new incidents')!
    // The script up to the message, which it then posts: printed instead.
    const script = `${step.run!.split('\njq -n')[0]}\nprintf '%s' "$text"`
    const incidents = [
      {
        state: 'opened',
        severity: 'critical',
        monitor: 'payouts',
        summary: 'Payout failed (<!channel> & <https://evil.example|click>)',
        dashboard_url: 'https://dashboard.stripe.com/test/payouts'
      }
    ]
    const text = execFileSync('bash', ['-c', script], { env: { PATH: process.env.PATH, INCIDENTS: JSON.stringify(incidents), STATUS: 'critical' } }).toString()
    expect(text).toBe(
      'Stripe monitor: critical\n• critical payouts: Payout failed (&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;) https://dashboard.stripe.com/test/payouts'
    )
  })

  it('the monthly close says that a public repository publishes its artifacts', () => {
    expect(readFileSync(new URL('monthly-close.yml', dir), 'utf8')).toMatch(/public repository, anyone signed in to GitHub can download a run's artifacts/)
  })

  it('the Slack message builder escapes customer text and cannot be tricked into extra outputs', () => {
    const workflow = parse(readFileSync(new URL('slack-high-value.yml', dir), 'utf8')) as { jobs: { watch: { steps: Step[] } } }
    const step = workflow.jobs.watch.steps.find((s) => s.name === 'Build the message')!
    const script = /node <<'JS'\n([\s\S]*?)\nJS/.exec(step.run!)![1]!
    const hostile = [
      {
        amount: '5000.00',
        currency: 'usd',
        customer_email: '<!channel>@example.com',
        description: 'Invoice\nEOF\nmalicious=1\n<https://evil.example|click here> & more',
        dashboard_url: 'https://dashboard.stripe.com/test/payments/ch_1'
      }
    ]
    const out = path.join(scratchDir('example'), 'output')
    writeFileSync(out, '')
    execFileSync(process.execPath, ['-e', script], { env: { CHARGES: JSON.stringify(hostile), COUNT: '1', GITHUB_OUTPUT: out } })
    const outputs = parseOutputFile(readFileSync(out, 'utf8'))
    expect(Object.keys(outputs)).toEqual(['text'])
    expect(outputs.text).toContain('&lt;!channel&gt;@example.com')
    expect(outputs.text).toContain('Invoice EOF malicious=1 &lt;https://evil.example|click here&gt; &amp; more')
    expect(outputs.text).not.toContain('<!channel>')
    expect(outputs.text).toContain('• <https://dashboard.stripe.com/test/payments/ch_1|5000.00 USD>')
  })
})
