import type { Config } from '../config.js'
import type { ActionIO } from '../io.js'
import type { RunReport } from './collect.js'
import { buildOutputs, type Outputs } from './outputs.js'
import { privacy } from './privacy.js'
import { requestsLine } from './requests.js'
import { describeLength, renderSummary } from './summary.js'
import type { FeatureContext, FeatureDatabase, ReadBackContext } from './feature.js'

/**
 * What the report needs after the sync: each feature reads back what it shows (payouts and their
 * journal, MRR, the previous period's net, …). Everything is stored by now: a feature that cannot
 * read back is told (`readBackFailed`) and named in a warning; the others still read, and the run
 * goes on. `db` is undefined in a dry run, or when no table was prepared (every request refused).
 */
export async function readBack(
  db: FeatureDatabase | undefined,
  report: RunReport,
  context: Pick<ReadBackContext, 'now' | 'env' | 'lastRunAt' | 'account'>,
  warn: (message: string) => void,
  describe: (error: unknown) => string = String
): Promise<void> {
  const ctx: ReadBackContext = { ...context, run: report, previousRuns: report.previousRuns, schedule: report.runSchedule }
  for (const feature of report.features) {
    if (!feature.readBack) continue
    try {
      await feature.readBack(db, ctx)
    } catch (error) {
      const reason = describe(error)
      feature.readBackFailed?.(reason)
      warn(`${feature.name}: could not read back what it shows from the database, so its part of the summary is incomplete: ${reason}`)
    }
  }
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
