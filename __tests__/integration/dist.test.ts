import { MONITORS } from '../../src/features/monitor/monitors/index.js'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { generateCharges } from '../../test-support/fixtures.js'
import { REPO_ROOT, runDist } from '../../test-support/run-dist.js'
import { readTable, tableDifferences } from '../../test-support/table.js'
import { scratchDir } from '../../test-support/scratch.js'
import { World } from '../../test-support/world.js'

// The bundle as GitHub runs it: `node dist/index.js`, no node_modules, INPUT_* variables, output files.
const KEY = 'sk_test_51DistBundleKey9xYz'
const T0 = Math.floor(Date.now() / 1000) - 10 * 86400

const world = new World('dist', {
  setup: ({ stripe }) => stripe.addCharges(generateCharges({ count: 260, seed: 21, from: T0, to: T0 + 5 * 86400, bursts: [[T0 + 86400, 120]] }))
})
beforeAll(() => expect(existsSync(path.join(REPO_ROOT, 'dist', 'index.js'))).toBe(true))

const password = () => new URL(world.db.url).password

describe('dist/index.js', () => {
  it('syncs, sets outputs and writes the summary; a second run stores nothing new', async () => {
    const inputs = {
      'stripe-secret-key': KEY,
      'database-url': world.db.url,
      'stripe-api-base': world.stripe.url,
      schema: world.schema,
      limit: 'all',
      status: 'all'
    }
    const first = await runDist(inputs)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    // Secrets are masked before anything else is printed.
    const lines = first.stdout.split('\n').filter(Boolean)
    const masks = lines.findIndex((l) => !l.startsWith('::add-mask::'))
    expect(lines.slice(0, masks)).toEqual(expect.arrayContaining([`::add-mask::${KEY}`, `::add-mask::${world.db.url}`]))
    const visible = lines.slice(masks).join('\n') + first.summary + JSON.stringify(first.outputs)
    expect(visible).not.toContain(KEY)
    if (password().length >= 4) expect(visible).not.toContain(password())

    expect(first.outputs.message).toBe('Successfully processed 380 Stripe charges')
    expect(first.outputs.charges_stored).toBe('380')
    expect(first.outputs.currency).toBe('mixed')
    expect(JSON.parse(first.outputs.result!)).toMatchObject({ charge_count: 380, charges_stored: 380, dry_run: false })
    expect(first.summary).toContain('## Stripe Payment Monitor')
    expect(first.summary).toContain('<details><summary>80 more charges</summary>')
    expect(first.summary).toContain(`…and 280 more not listed here; all are in table \`${world.schema}.processed_charges\`.`)
    expect(tableDifferences(await readTable(world.db.url, world.schema), world.stripe.allCharges())).toEqual([])

    const second = await runDist(inputs)
    expect(second.code).toBe(0)
    expect(second.outputs.charges_stored).toBe('0')
    expect(second.outputs.charges_updated).toBe('0')
    // Charges alone feed 3 of the monitors: the status says so first (the holidays come from the bundle's own chunk, with no node_modules).
    const fed = MONITORS.filter((m) => m.reads.every((o) => o === 'charges')).length
    expect(second.summary).toMatch(
      new RegExp(
        `^## Stripe Payment Monitor\\n\\n### ◐ Monitor: watching ${fed} of ${MONITORS.length} monitors[^\\n]+\\n(?:[^\\n]*\\n)*?Up to date — no new charges or changes\\.\\n`
      )
    )
    expect(second.summary).toContain('public holidays: US (the Stripe account)')
  })

  it('exits 1 with an ::error:: naming the input, before any request', async () => {
    const before = world.stripe.requests.length
    const run = await runDist({ 'stripe-secret-key': KEY, 'database-url': world.db.url, 'stripe-api-base': world.stripe.url, limit: '0' })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^::error::Input `limit`: "0" is not a positive whole number or `all`/m)
    expect(world.stripe.requests.length).toBe(before)
  })

  it.each([
    [false, 'masked'],
    [true, 'shown']
  ])('reads the repository visibility from the event payload (private: %p): customer emails %s', async (isPrivate, _shown) => {
    const event = path.join(scratchDir('event'), 'event.json')
    writeFileSync(event, JSON.stringify({ repository: { full_name: 'acme/books', private: isPrivate } }))
    const run = await runDist(
      { 'stripe-secret-key': KEY, 'stripe-api-base': world.stripe.url, 'dry-run': 'true', limit: '30', status: 'all' },
      { GITHUB_EVENT_PATH: event, GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REPOSITORY: 'acme/books' }
    )
    expect(run.code).toBe(0)
    const emails = world.stripe
      .allCharges()
      .slice(0, 30)
      .flatMap((c) => [c.receipt_email, c.billing_details.email])
      .filter((e): e is string => !!e)
    expect(emails.length).toBeGreaterThan(0)
    const published = run.summary + JSON.stringify(run.outputs) + run.stdout
    for (const email of emails) expect(published.includes(email)).toBe(isPrivate)
    expect(run.summary).toContain(`| Customer details | ${isPrivate ? 'show' : 'mask'} |`)
  })

  it('reads the key and URL from the environment when the inputs are empty', async () => {
    const run = await runDist({ 'stripe-api-base': world.stripe.url, schema: world.schema, 'dry-run': 'true', limit: '3' }, { STRIPE_SECRET_KEY: KEY })
    expect(run.code).toBe(0)
    expect(run.outputs.message).toBe('Dry run: found 3 Stripe charges; nothing stored')
  })
})
