import type Stripe from 'stripe'
import { buildOutputs } from '../../src/report/outputs.js'
import { dashboardUrl } from '../../src/report/links.js'
import { escapeCell, renderSummary, type SummaryContext } from '../../src/report/summary.js'
import { emptyProgress, type SyncProgress } from '../../src/sync.js'
import { makeCharge } from '../../test-support/fixtures.js'

function progressOf(charges: Stripe.Charge[], extra: Partial<SyncProgress> = {}): SyncProgress {
  const p = emptyProgress()
  for (const c of charges) {
    p.totals.add(c)
    if (p.recorded.length < 100) p.recorded.push(c)
  }
  p.matched = charges.length
  p.scanned = charges.length
  p.pages = 1
  return Object.assign(p, extra)
}

const T = Date.UTC(2026, 10, 20, 15, 4, 5) / 1000
const usd = (id: string, amount: number, more: Partial<Parameters<typeof makeCharge>[0]> = {}) =>
  makeCharge({ id, created: T, amount, currency: 'usd', status: 'succeeded', ...more })

const ctx: SummaryContext = {
  dryRun: false,
  statuses: new Set(['succeeded'] as const),
  limit: 10,
  createdGte: Date.UTC(2026, 10, 1) / 1000,
  createdLt: undefined,
  schema: 'public',
  table: 'processed_charges',
  stripeAccount: undefined,
  runUrl: 'https://github.com/acme/books/actions/runs/42'
}

describe('buildOutputs', () => {
  it('matches the seed job for a USD-only run', () => {
    const out = buildOutputs(progressOf([usd('ch_1', 100000), usd('ch_2', 50000)], { stored: 2 }), false)
    expect(out.message).toBe('Successfully processed 2 Stripe charges')
    expect(out.total_amount_cents).toBe('150000')
    expect(out.total_amount_usd).toBe('1500.00')
    expect(out.charge_count).toBe('2')
    expect(out.charges_stored).toBe('2')
    expect(out.charges_updated).toBe('0')
    expect(out.currency).toBe('usd')
    expect(out.total_amount).toBe('1500.00')
    expect(JSON.parse(out.totals!)).toEqual({
      usd: { count: 2, amount_minor: 150000, amount: '1500.00', refunded_minor: 0, refunded: '0.00', net_minor: 150000, net: '1500.00' }
    })
    expect(JSON.parse(out.result!)).toEqual({
      message: 'Successfully processed 2 Stripe charges',
      total_amount_cents: 150000,
      total_amount_usd: 1500,
      charge_count: 2,
      charges_stored: 2,
      charges_updated: 0,
      totals: JSON.parse(out.totals!),
      dry_run: false
    })
  })

  it('keeps USD totals USD-only and reports mixed currencies', () => {
    const out = buildOutputs(
      progressOf([usd('ch_1', 1234), makeCharge({ id: 'ch_2', created: T, amount: 5000, currency: 'jpy', status: 'succeeded' }), makeCharge({ id: 'ch_3', created: T, amount: 1500, currency: 'kwd', status: 'succeeded' })]),
      false
    )
    expect(out.total_amount_cents).toBe('1234')
    expect(out.total_amount_usd).toBe('12.34')
    expect(out.currency).toBe('mixed')
    expect(out.total_amount).toBe('')
    expect(JSON.parse(out.totals!).jpy.amount).toBe('5000')
    expect(JSON.parse(out.totals!).kwd.amount).toBe('1.500')
  })

  it('formats a single non-USD currency with its decimals', () => {
    const out = buildOutputs(progressOf([makeCharge({ id: 'ch_1', created: T, amount: 123456, currency: 'jpy', status: 'succeeded' })]), false)
    expect(out.currency).toBe('jpy')
    expect(out.total_amount).toBe('123456')
    expect(out.total_amount_cents).toBe('0')
    expect(out.total_amount_usd).toBe('0.00')
  })

  it('describes an empty dry run', () => {
    const out = buildOutputs(progressOf([]), true)
    expect(out.message).toBe('Dry run: found 0 Stripe charges; nothing stored')
    expect(out.currency).toBe('')
    expect(out.total_amount).toBe('')
    expect(out.totals).toBe('{}')
    expect(JSON.parse(out.result!).dry_run).toBe(true)
  })
})

describe('escapeCell', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['one\ntwo\r\nthree', 'one two three'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['[x](javascript:alert(1))', '\\[x\\](javascript:alert(1))'],
    ['*bold* _it_ `c`', '\\*bold\\* \\_it\\_ \\`c\\`'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    [null, '']
  ])('%p → %p', (input, expected) => expect(escapeCell(input)).toBe(expected))
})

describe('dashboardUrl', () => {
  it('uses the test path for test charges and the account for connected accounts', () => {
    expect(dashboardUrl({ id: 'ch_1', livemode: false })).toBe('https://dashboard.stripe.com/test/payments/ch_1')
    expect(dashboardUrl({ id: 'ch_1', livemode: true })).toBe('https://dashboard.stripe.com/payments/ch_1')
    expect(dashboardUrl({ id: 'ch_1', livemode: true }, 'acct_9')).toBe('https://dashboard.stripe.com/acct_9/payments/ch_1')
  })
})

describe('renderSummary', () => {
  const charges = [
    usd('ch_new', 150000, { receipt_email: 'ann@example.com', description: 'Plan | "Pro"\nyearly' }),
    makeCharge({ id: 'ch_old', created: T - 60, amount: 5000, currency: 'jpy', status: 'succeeded', billing_email: 'bo@example.com' })
  ]

  it('states the message, settings, totals and each charge with a link', () => {
    const md = renderSummary(progressOf(charges, { stored: 1, updated: 1 }), ctx)
    expect(md).toContain('**Successfully processed 2 Stripe charges**')
    expect(md).toContain('Table `public.processed_charges`: 1 new row(s), 1 updated.')
    expect(md).toContain('| Status | succeeded |')
    expect(md).toContain('| Limit | 10 |')
    expect(md).toContain('| Created | from 2026-11-01T00:00:00Z |')
    expect(md).toContain('| Dry run | no |')
    expect(md).toContain('| USD | 1 | 1,500.00 USD | 0.00 USD | 1,500.00 USD |')
    expect(md).toContain('| JPY | 1 | 5,000 JPY | 0 JPY | 5,000 JPY |')
    expect(md).toContain(
      '| [ch_new](https://dashboard.stripe.com/test/payments/ch_new) | 1,500.00 USD | succeeded | ann@example.com | Plan \\| "Pro" yearly | 2026-11-20 15:04:05 |'
    )
    expect(md).toContain('| [ch_old](https://dashboard.stripe.com/test/payments/ch_old) | 5,000 JPY | succeeded | bo@example.com |  | 2026-11-20 15:03:05 |')
    expect(md.indexOf('ch_new')).toBeLessThan(md.indexOf('ch_old'))
    expect(md).toContain('[Workflow run](https://github.com/acme/books/actions/runs/42)')
    // Every table row has the same number of unescaped cell separators as its header.
    const rows = md.split('\n').filter((l) => l.startsWith('| [ch_'))
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length).toBe(8)
  })

  it('caps the table at 100 rows and says how many more', () => {
    const many = Array.from({ length: 150 }, (_, i) => usd(`ch_${i}`, 100))
    const p = progressOf(many)
    expect(p.recorded).toHaveLength(100)
    const md = renderSummary(p, ctx)
    expect(md.split('\n').filter((l) => l.startsWith('| [ch_'))).toHaveLength(100)
    expect(md).toContain('…and 50 more.')
  })

  it('says so in a dry run and when nothing matched', () => {
    const md = renderSummary(progressOf([]), { ...ctx, dryRun: true, runUrl: undefined, statuses: new Set(['succeeded', 'pending', 'failed'] as const), limit: Infinity })
    expect(md).toContain('**Dry run: found 0 Stripe charges; nothing stored**')
    expect(md).toContain('| Dry run | yes: nothing was written |')
    expect(md).toContain('| Status | all |')
    expect(md).toContain('| Limit | all |')
    expect(md).toContain('No charges matched.')
    expect(md).not.toContain('Workflow run')
    expect(md).not.toContain('Table `')
  })
})
