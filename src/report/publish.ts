import type { Config } from '../config.js'
import type { ActionIO } from '../io.js'
import type { Session } from '../session.js'
import type { RunReport } from './collect.js'
import { chargesNet } from '../store/readback.js'
import type { Outputs } from './output-names.js'
import { buildOutputs } from './outputs.js'
import { privacy } from './privacy.js'
import { requestsLine } from './requests.js'
import { describeLength, periodOf, renderSummary } from './summary.js'
import type { SummaryContext } from './view.js'

/**
 * What the report needs after the sync: each feature reads back what it shows (payouts and their
 * journal, MRR, …), and the net of the period before this one (for the headline's comparison).
 */
export async function readBack(
  session: Session,
  config: Config,
  report: RunReport,
  now: Date,
  env: NodeJS.ProcessEnv,
  lastRunAt?: Date
): Promise<{ previous?: Map<string, number> }> {
  // Tables are prepared once Stripe answers: before that (every request refused) there is nothing to read back.
  const db = session.preparing ? session.db : undefined
  for (const feature of report.features) await feature.readBack?.(db, { now, env, lastRunAt })
  return { previous: await previousPeriod(session, config, report, now) }
}

/** Net of succeeded charges per currency in the period of the same length just before the run's, when the table holds it. */
async function previousPeriod(session: Session, config: Config, report: RunReport, now: Date): Promise<Map<string, number> | undefined> {
  // Tables are prepared once Stripe answers: before that (every request refused) there is nothing to read back.
  const db = session.preparing ? session.db : undefined
  if (!db || !config.objects.includes('charges') || report.totals.count === 0) return undefined
  const period = periodOf(report, { config, now, privacy: privacy(config.customerDetails) })
  if (!period) return undefined
  const length = period.to - period.from
  const net = await chargesNet(db, config.table, period.from - length, period.from)
  return net.size > 0 ? net : undefined
}

/** Outputs, the features' annotations and the job summary. */
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
  const ctx: SummaryContext = { config, privacy: shown, now: extra.now, previous: extra.previous, lastRunAt: extra.lastRunAt }
  for (const feature of report.features) for (const notice of feature.notices?.(ctx) ?? []) io.notice(notice)
  const summary = renderSummary(report, ctx, extra.describe)
  if (!(await io.writeSummary(summary))) io.info('No GITHUB_STEP_SUMMARY file: skipping the job summary.')
  if (outputs.journal_files !== '[]')
    io.info(`Journal of ${outputs.payouts_reconciled} reconciled payout(s) written to ${JSON.parse(outputs.journal_files).join(', ')} (output journal_files).`)
  const requests = requestsLine(report.stripeRequests, report.runIntervalSeconds, describeLength, report.accountsSynced)
  io.info(requests.text)
  if (requests.warning) io.warning(requests.warning)
  if (!failed) io.info(outputs.message)
  return outputs
}
