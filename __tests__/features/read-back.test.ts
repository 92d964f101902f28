import { PaymentMonitor } from '../../src/features/monitor/payment-monitor.js'
import { readBack } from '../../src/report/publish.js'
import { DatabaseStandIn } from '../../test-support/database.js'
import { NOW, T, charge, featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// What every feature reads back after the sync, through the database stand-in: the run's history and
// schedule reach each feature; a feature that cannot read back is named in a warning, the others
// still read, and the monitor never says "all clear" while it could not look.

const inputs = { 'created-after': '', 'created-before': '', incremental: 'true', objects: 'charges', 'monitor-timezone': 'UTC', 'monitor-holidays': 'none' }
const account = () => Promise.resolve({ country: 'GB', timezone: 'Europe/London' })
const context = { now: NOW, env: {}, account }

function run() {
  const setup = setupOf(inputs)
  const report = reportOf(setup, [{ objects: [charge('ch_1', 1200, 'usd', T), charge('ch_2', 800, 'usd', T + 60)] }])
  return { setup, report }
}

describe('reading back', () => {
  it('gives each feature the run history and the schedule it suggests', async () => {
    const { report } = run()
    const previous = [{ startedAt: new Date(NOW.getTime() - 3_600_000), stripeRequests: 4 }]
    report.previousRuns = previous
    report.runSchedule = { intervalSeconds: 3600, requestsPerRun: 4, intervals: 1 }
    const seen: unknown[] = []
    report.features.push({ name: 'probe', readBack: async (_db, ctx) => void seen.push([ctx.previousRuns, ctx.schedule]) })
    await readBack(undefined, report, context, () => {})
    expect(seen).toEqual([[previous, report.runSchedule]])
  })

  it('names a feature that cannot read back in a warning; the others read; the monitor is not ok', async () => {
    const { setup, report } = run()
    // The daily report's query is answered; every other query fails as a dropped connection does.
    const db = new DatabaseStandIn()
      .answer(/sum\(amount - coalesce\(amount_refunded, 0\)\)/, [{ currency: 'usd', net: '1600' }])
      .fail(/./, new Error('Connection terminated unexpectedly'))
    const warnings: string[] = []
    await readBack(db, report, context, (m) => warnings.push(m))
    expect(warnings).toEqual([
      'payment monitor: could not read back what it shows from the database, so its part of the summary is incomplete: Error: Connection terminated unexpectedly'
    ])
    expect(db.asked.some((q) => /sum\(amount/.test(q.sql))).toBe(true)
    // Never "all clear" while it could not look.
    expect(featureOf(report, PaymentMonitor)).toBeDefined()
    expect(outputsOf(report).monitor_status).toBe('partial')
    const summary = summaryOf(setup, report)
    expect(summary).toContain('**the monitors**: could not read the database (Error: Connection terminated unexpectedly)')
    expect(summary).not.toContain('all clear')
    // The daily report read its previous period.
    expect(summary).toMatch(/vs the previous/)
  })

  it('refuses a query no test expected, naming it', async () => {
    await expect(new DatabaseStandIn().query('SELECT 1 AS unexpected')).rejects.toThrow('no answer for SELECT 1 AS unexpected')
  })
})
