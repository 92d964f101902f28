import type { Config } from '../config.js'
import type { ActionIO } from '../io.js'
import type { Session } from '../session.js'
import type { RunReport } from './collect.js'
import { buildOutputs, type Outputs } from './outputs.js'
import { privacy } from './privacy.js'
import { requestsLine } from './requests.js'
import { describeLength, renderSummary } from './summary.js'
import type { FeatureContext, ReadBackContext } from './feature.js'

/** What the report needs after the sync: each feature reads back what it shows (payouts and their journal, MRR, the previous period's net, …). */
export async function readBack(session: Session, report: RunReport, context: Pick<ReadBackContext, 'now' | 'env' | 'lastRunAt' | 'account'>): Promise<void> {
  // Tables are prepared once Stripe answers: before that (every request refused) there is nothing to read back.
  const db = session.preparing ? session.db : undefined
  for (const feature of report.features) await feature.readBack?.(db, { ...context, run: report })
}

/** Outputs, the features' annotations and the job summary. */
export async function publish(
  io: ActionIO,
  config: Config,
  report: RunReport,
  extra: { now: Date; lastRunAt?: Date; describe: (error: unknown) => string }
): Promise<Outputs> {
  const shown = privacy(config.customerDetails, config.summaryAmounts)
  const outputs = buildOutputs(report, report.outputs, { dryRun: config.dryRun, privacy: shown })
  // A run with a failed object is not a success: no `message` (nor `result`, which carries it); the counts say what was kept.
  const failed = report.failures.size > 0
  const withheld = new Set(failed ? report.outputs.filter((o) => o.successOnly).map((o) => o.name) : [])
  for (const [name, value] of Object.entries(outputs)) if (!withheld.has(name)) io.setOutput(name, value)
  const ctx: FeatureContext = { config, privacy: shown, now: extra.now, lastRunAt: extra.lastRunAt, run: report }
  for (const feature of report.features) for (const notice of feature.notices?.(ctx) ?? []) io.notice(notice)
  for (const feature of report.features) for (const warning of feature.warnings?.() ?? []) io.warning(warning)
  const summary = renderSummary(report, ctx, extra.describe)
  if (!(await io.writeSummary(summary))) io.info('No GITHUB_STEP_SUMMARY file: skipping the job summary.')
  for (const feature of report.features) for (const line of feature.log?.() ?? []) io.info(line)
  const requests = requestsLine(report.stripeRequests, report.runSchedule, describeLength, report.accountsSynced)
  io.info(requests.text)
  if (requests.warning) io.warning(requests.warning)
  if (!failed) io.info(outputs.message ?? '')
  return outputs
}
