import type Stripe from 'stripe'
import type { Config } from '../config.js'
import type { ActionIO } from '../io.js'
import { chargeEmail } from '../objects/charges.js'
import type { Session } from '../session.js'
import { MAX_HIGH_VALUE_NOTICES } from './alerts.js'
import { REPORTED_PAYOUTS, type PayoutLine, type RunReport } from './collect.js'
import { writeJournal, type JournalLine } from './journal.js'
import { dashboardUrl } from './links.js'
import { formatMoney } from './money.js'
import { buildOutputs, type Outputs } from './outputs.js'
import { privacy } from './privacy.js'
import { requestsLine } from './requests.js'
import { describeLength, periodOf, renderSummary, type SummaryContext } from './summary.js'

/**
 * What the report needs from the database after the sync: the payouts with their reconciliation,
 * the journal of the payouts reconciled this run (written to a CSV file), and the net of the period
 * before this one (for the headline's comparison).
 */
export async function readBack(
  session: Session,
  config: Config,
  report: RunReport,
  now: Date,
  env: NodeJS.ProcessEnv,
  lastRunAt?: Date
): Promise<{ previous?: Map<string, number> }> {
  const db = session.db
  const seen = report.payoutsSeen
  if (!db) {
    report.payouts = seen.map((p) => payoutLine(p, null))
    return {}
  }
  const reconciled = report.links?.reconciled ?? []
  const ids = [...new Set([...seen.map((p) => p.id), ...reconciled])]
  if (config.objects.includes('payouts') && ids.length > 0) {
    const rows = await db.query<{
      payout_id: string
      arrival: string | null
      status: string
      currency: string
      amount: string
      balanced: boolean | null
      charges: string
      refunds: string
      disputes: string
      fees: string
      adjustments: string
      other: string
      difference: string
      transaction_count: string
      livemode: boolean | null
      created: string
    }>(
      `SELECT r.payout_id, extract(epoch FROM r.arrival_date)::bigint AS arrival, r.status, r.currency, r.amount, r.balanced, r.charges, r.refunds, r.disputes, r.fees, r.adjustments, r.other, r.difference,
              r.transaction_count, p.livemode, extract(epoch FROM p.created_at)::bigint AS created
         FROM ${db.table('stripe_payout_reconciliation')} r JOIN ${db.table('stripe_payouts')} p ON p.id = r.payout_id
        WHERE r.payout_id = ANY($1) ORDER BY p.created_at DESC, r.payout_id DESC LIMIT ${REPORTED_PAYOUTS}`,
      [ids]
    )
    report.payouts = rows.map((r) => ({
      id: r.payout_id,
      amount: Number(r.amount),
      currency: r.currency,
      arrival_date: r.arrival === null ? null : Number(r.arrival),
      status: r.status,
      livemode: r.livemode ?? config.keyMode === 'live',
      balanced: r.balanced,
      charges: Number(r.charges),
      refunds: Number(r.refunds),
      disputes: Number(r.disputes),
      fees: Number(r.fees),
      other: Number(r.adjustments) + Number(r.other),
      difference: Number(r.difference),
      transactionCount: Number(r.transaction_count)
    }))
  }
  if (reconciled.length > 0) {
    const [counts] = await db.query<{ balanced: string; failed: string }>(
      `SELECT count(*) FILTER (WHERE balanced) AS balanced, count(*) FILTER (WHERE status <> 'paid') AS failed
         FROM ${db.table('stripe_payout_reconciliation')} WHERE payout_id = ANY($1)`,
      [reconciled]
    )
    report.links!.balanced = Number(counts?.balanced ?? 0)
    report.links!.failed = Number(counts?.failed ?? 0)
    const lines = await db.query<JournalLine>(
      `SELECT date::text AS date, payout_id, account, debit_minor, credit_minor, currency, memo FROM ${db.table('stripe_journal')}
        WHERE payout_id = ANY($1) ORDER BY date, payout_id, line`,
      [reconciled]
    )
    if (lines.length > 0) report.journalCsv = await writeJournal(lines, now, env)
  }
  if (config.objects.includes('subscriptions')) {
    const mrr = await db.query<{ currency: string; mrr: string; active_subscriptions: string; customers: string }>(
      `SELECT currency, mrr, active_subscriptions, customers FROM ${db.table('stripe_mrr')} ORDER BY mrr DESC, currency`
    )
    report.mrr = mrr.map((r) => ({
      currency: r.currency,
      mrr: Number(r.mrr),
      activeSubscriptions: Number(r.active_subscriptions),
      customers: Number(r.customers)
    }))
    // What happened to subscriptions since the last run (a first run: the last 30 days).
    const since = Math.floor((lastRunAt?.getTime() ?? now.getTime() - 30 * 86400_000) / 1000)
    const [changes] = await db.query<{ started: string; canceled: string }>(
      `SELECT count(*) FILTER (WHERE start_date >= to_timestamp($1)) AS started, count(*) FILTER (WHERE canceled_at >= to_timestamp($1)) AS canceled
         FROM ${db.table('stripe_subscriptions')}`,
      [since]
    )
    report.subscriptionChanges = { since, started: Number(changes?.started ?? 0), canceled: Number(changes?.canceled ?? 0) }
  }
  if (config.objects.includes('invoices')) {
    const rows = await db.query<Record<string, string>>(`SELECT * FROM ${db.table('stripe_receivables')} ORDER BY total DESC, currency`)
    report.receivables = rows.map((r) => ({
      currency: r.currency!,
      openInvoices: Number(r.open_invoices),
      total: Number(r.total),
      current: Number(r.current),
      overdue1to30: Number(r.overdue_1_30),
      overdue31to60: Number(r.overdue_31_60),
      overdue61to90: Number(r.overdue_61_90),
      overdue90plus: Number(r.overdue_90_plus)
    }))
  }
  return { previous: await previousPeriod(session, config, report, now) }
}

function payoutLine(p: Stripe.Payout, balanced: boolean | null): PayoutLine {
  return { id: p.id, amount: p.amount, currency: p.currency, arrival_date: p.arrival_date ?? null, status: p.status, livemode: p.livemode, balanced }
}

/** Net of succeeded charges per currency in the period of the same length just before the run's, when the table holds it. */
async function previousPeriod(session: Session, config: Config, report: RunReport, now: Date): Promise<Map<string, number> | undefined> {
  const db = session.db
  if (!db || !config.objects.includes('charges') || report.totals.count === 0) return undefined
  const period = periodOf(report, { config, now, privacy: privacy(config.customerDetails) })
  if (!period) return undefined
  const length = period.to - period.from
  const rows = await db.query<{ currency: string; net: string }>(
    `SELECT currency, sum(amount - coalesce(amount_refunded, 0)) AS net FROM ${db.table(config.table)}
      WHERE status = 'succeeded' AND created_at >= to_timestamp($1) AND created_at < to_timestamp($2) GROUP BY currency`,
    [period.from - length, period.from]
  )
  if (rows.length === 0) return undefined
  return new Map(rows.map((r) => [r.currency.toLowerCase(), Number(r.net)]))
}

/** Outputs, high-value annotations and the job summary. */
export async function publish(
  io: ActionIO,
  config: Config,
  report: RunReport,
  extra: { now: Date; previous?: Map<string, number>; lastRunAt?: Date; describe: (error: unknown) => string }
): Promise<Outputs> {
  const shown = privacy(config.customerDetails)
  const outputs = buildOutputs(report, { dryRun: config.dryRun, privacy: shown })
  // A run with a failed object is not a success: no `message` (nor `result`, which carries it); the counts say what was kept.
  const failed = report.failures.size > 0
  for (const [name, value] of Object.entries(outputs)) if (!failed || (name !== 'message' && name !== 'result')) io.setOutput(name, value)
  const hv = report.highValue
  if (hv) {
    for (const c of hv.kept.slice(0, MAX_HIGH_VALUE_NOTICES)) {
      const email = shown.email(chargeEmail(c))
      // Annotations are as public as the summary: amounts only where summary-amounts shows them.
      const amount = config.summaryAmounts === 'hide' ? `${c.currency.toUpperCase()} charge` : formatMoney(c.amount, c.currency)
      io.notice(`High-value charge ${c.id}: ${amount}${email ? ` from ${email}` : ''} (${dashboardUrl(c, config.stripeAccount)})`)
    }
    if (hv.count > MAX_HIGH_VALUE_NOTICES) io.notice(`…and ${hv.count - MAX_HIGH_VALUE_NOTICES} more high-value charges (see the job summary).`)
  }
  const ctx: SummaryContext = { config, privacy: shown, now: extra.now, previous: extra.previous, lastRunAt: extra.lastRunAt }
  const summary = renderSummary(report, ctx, extra.describe)
  if (!(await io.writeSummary(summary))) io.info('No GITHUB_STEP_SUMMARY file: skipping the job summary.')
  if (report.journalCsv)
    io.info(`Journal of ${report.links?.reconciled.length ?? 0} reconciled payout(s) written to ${report.journalCsv} (output journal_csv).`)
  const requests = requestsLine(report.stripeRequests, report.runIntervalSeconds, describeLength)
  io.info(requests.text)
  if (requests.warning) io.warning(requests.warning)
  if (!failed) io.info(outputs.message)
  return outputs
}
