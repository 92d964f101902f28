import { InputError } from '../../src/config.js'
import { RecurringRevenue, billing } from '../../src/features/billing/feature.js'
import { featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// Recurring revenue: MRR with subscribers and trials, its 12-month chart and last month's movements,
// the top products, and receivables by days overdue — as read back from the views.

/** A billing run with MRR, months, products and receivables as the views would give them. */
function run(inputs: Record<string, string> = {}) {
  const setup = setupOf({ objects: 'subscriptions, invoices', ...inputs })
  const report = reportOf(setup, [])
  // Something was stored: the summary is more than "up to date".
  report.of('subscriptions').stored = 1
  const revenue = featureOf(report, RecurringRevenue)
  revenue.mrr = [{ currency: 'usd', mrr: 12_345_00, activeSubscriptions: 40, customers: 38, activeSubscribers: 36, trialingSubscriptions: 3, trialMrr: 297_00 }]
  const month = (m: string, mrr: number) => ({
    month: m,
    currency: 'usd',
    mrr,
    newMrr: 900_00,
    reactivationMrr: 99_00,
    expansionMrr: 50_00,
    contractionMrr: 20_00,
    churnedMrr: 300_00,
    activeSubscribers: 36,
    churnedSubscribers: 2,
    subscriberChurnRate: '5.26'
  })
  revenue.months = [month('2026-09-01', 11_000_00), month('2026-10-01', 11_716_00), month('2026-11-01', 12_345_00)]
  revenue.topProducts = [
    { currency: 'usd', productId: 'prod_pro', name: 'Pro | *Plus* <b>', mrr: 9_000_00 },
    { currency: 'usd', productId: 'prod_x', name: null, mrr: 3_345_00 }
  ]
  revenue.receivables = [
    {
      currency: 'usd',
      openInvoices: 4,
      total: 4_000_00,
      current: 1_000_00,
      overdue1to30: 1_000_00,
      overdue31to60: 1_000_00,
      overdue61to90: 500_00,
      overdue90plus: 500_00
    }
  ]
  return { setup, report, revenue }
}

describe('mrr-discounts', () => {
  it.each(['forever', 'ALL', 'none'])('accepts %p', (value) => expect(() => setupOf({ 'mrr-discounts': value })).not.toThrow())

  it('refuses anything else, naming the input', () => {
    expect(() => setupOf({ 'mrr-discounts': 'sometimes' })).toThrow(InputError)
    expect(() => setupOf({ 'mrr-discounts': 'sometimes' })).toThrow(/^Input `mrr-discounts`: "sometimes" is not one of forever/)
  })

  it('makes the MRR views with its setting, whatever the run syncs', () => {
    const views = setupOf({ objects: 'charges', 'mrr-discounts': 'none' }).layout.views
    const mrr = views.find((v) => v.name === 'stripe_mrr')!
    expect(mrr.settings).toBe('mrr-discounts=none')
    expect(views.map((v) => v.name)).toEqual(expect.arrayContaining(['stripe_mrr', 'stripe_mrr_monthly', 'stripe_mrr_by_product', 'stripe_receivables']))
  })
})

describe('its part of the summary and outputs', () => {
  it('runs when subscriptions or invoices are synced', () => {
    expect(setupOf({ objects: 'charges' }).features.some((f) => f instanceof RecurringRevenue)).toBe(false)
    expect(setupOf({ objects: 'invoices' }).features.some((f) => f instanceof RecurringRevenue)).toBe(true)
    const out = outputsOf(reportOf(setupOf({ objects: 'charges' }), []))
    expect(out.mrr).toBe(billing.outputs[0]!.empty)
  })

  it('MRR with subscribers and trials, a 12-month line chart, last month in one line, top products escaped', () => {
    const { setup, report, revenue } = run()
    const md = summaryOf(setup, report)
    expect(md).toContain('- **MRR:** 12,345.00 USD')
    expect(md).toContain('| Currency | MRR | Active subscribers | Active subscriptions | Trialing (MRR when they convert) |')
    expect(md).toContain('| USD | 12,345.00&nbsp;USD | 36 | 40 | 3 (+297.00&nbsp;USD) |')
    // A line per month end, the current month last.
    const chart = md.slice(md.indexOf('MRR at each month end, USD'))
    expect(chart).toContain('x-axis ["Sep 26", "Oct 26", "Nov 26"]')
    expect(chart).toMatch(/line \[11, 11\.72, 12\.35\]/)
    // Last month is the one before the current.
    expect(md).toContain(
      '**October 2026, USD:** +900.00 USD new, +99.00 USD reactivation, +50.00 USD expansion, −20.00 USD contraction, −300.00 USD churn; 5.26 % of subscribers churned.'
    )
    // Product names are the account's text: no table break, emphasis or HTML.
    expect(md).toContain('| Pro \\| \\*Plus\\* &lt;b&gt; | USD | 9,000.00&nbsp;USD |')
    expect(md).toContain('| prod\\_x | USD |')
    expect(md).toContain('forever coupons subtracted')
    const none = run({ 'mrr-discounts': 'none' })
    expect(summaryOf(none.setup, none.report)).toContain('at list price (no discount subtracted)')
    // Movements that did not happen are left out; a month without any says so.
    revenue.months = revenue.months.map((m) => ({ ...m, newMrr: 0, reactivationMrr: 0, expansionMrr: 0, contractionMrr: 0, subscriberChurnRate: null }))
    expect(summaryOf(setup, report)).toContain('**October 2026, USD:** −300.00 USD churn.')
    revenue.months = revenue.months.map((m) => ({ ...m, churnedMrr: 0 }))
    expect(summaryOf(setup, report)).toContain('**October 2026, USD:** no movement.')
  })

  it('receivables by days overdue; overdue money in the headline', () => {
    const { setup, report } = run()
    const md = summaryOf(setup, report)
    expect(md).toContain('- **Overdue invoices:** 3,000.00 USD')
    expect(md).toContain('| USD | 1,000.00&nbsp;USD | 1,000.00&nbsp;USD | 1,000.00&nbsp;USD | 500.00&nbsp;USD | 500.00&nbsp;USD | 4,000.00&nbsp;USD (4) |')
  })

  it('with amounts hidden: subscribers and counts, no MRR, chart or products', () => {
    const { setup, report } = run({ 'summary-amounts': 'hide' })
    const md = summaryOf(setup, report)
    expect(md).toContain('- **Subscribers:** 36 active')
    expect(md).toContain('| Currency | Active subscribers | Active subscriptions | Trialing |')
    expect(md).toContain('| USD | 36 | 40 | 3 |')
    expect(md).toContain('| USD | 4 |')
    expect(md).not.toContain('Top products')
    expect(md).not.toContain('mermaid')
    for (const figure of ['12,345.00', '4,000.00', '297.00']) expect(md).not.toContain(figure)
  })

  it('sets output mrr per currency, in minor and major units', () => {
    const { report } = run()
    expect(JSON.parse(outputsOf(report).mrr!)).toEqual({
      usd: {
        mrr_minor: 12_345_00,
        mrr: '12345.00',
        active_subscriptions: 40,
        customers: 38,
        active_subscribers: 36,
        trialing_subscriptions: 3,
        trial_mrr_minor: 297_00
      }
    })
  })
})
