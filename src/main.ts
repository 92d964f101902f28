import * as github from '@actions/github'
import { CHARGE_STATUSES, InputError, readConfig, type ChargeStatus, type Config, type InputName } from './config.js'
import { syncIncremental, type IncrementalReport } from './incremental.js'
import { coreIO, redacting, type ActionIO } from './io.js'
import { HighValueCollector, MAX_HIGH_VALUE_NOTICES } from './report/alerts.js'
import { dashboardUrl } from './report/links.js'
import { formatMoney } from './report/money.js'
import { buildOutputs } from './report/outputs.js'
import { renderSummary } from './report/summary.js'
import { STRIPE_API_VERSION, createStripeClient } from './stripe/client.js'
import { StripeRequestError, describeStripeError } from './stripe/errors.js'
import { RateLimiter } from './stripe/limiter.js'
import type { RetryOptions } from './stripe/retry.js'
import { DatabaseError } from './store/connect.js'
import { PostgresSink, dryRunSink, type ChargeSink } from './store/sink.js'
import { dailyViewName } from './store/schema.js'
import { STATE_TABLE } from './store/state.js'
import { emptyProgress, syncNewest, type SyncProgress } from './sync.js'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  now?: Date
  retry?: RetryOptions
  /** Requests in flight for whole-range runs; default from max-requests-per-second (the benchmark sets 1 for its baseline). */
  concurrency?: number
  /** Per-request Stripe timeout (tests shorten it). */
  stripeTimeoutMs?: number
}

/** Enough requests in flight to keep the limiter busy at Stripe's typical latency, without many idle slices. */
export function defaultConcurrency(maxRequestsPerSecond: number): number {
  return Math.max(2, Math.min(32, maxRequestsPerSecond))
}

export interface RunOutcome {
  ok: boolean
  outputs?: Record<string, string>
  progress: SyncProgress
}

/** The action's entry point on a runner (and for `npm run local-action`). */
export async function run(): Promise<void> {
  await runAction(coreIO())
}

/** inputs → config → Stripe pages → status filter → Postgres → outputs and summary. */
export async function runAction(rawIo: ActionIO, options: RunOptions = {}): Promise<RunOutcome> {
  const io = redacting(rawIo)
  const progress = emptyProgress()
  const now = options.now ?? new Date()
  let config: Config | undefined
  try {
    config = readConfig({
      input: (name: InputName) => io.getInput(name),
      env: options.env ?? process.env,
      mask: (secret) => io.setSecret(secret),
      now
    })
    const cfg = config
    if (cfg.highValue) progress.highValue = new HighValueCollector(cfg.highValue, cfg.stripeAccount)
    io.info(
      `${cfg.incremental ? 'Incremental sync. ' : ''}Using a ${cfg.keyMode} ${cfg.keyKind} key (…${cfg.stripeKey.slice(-4)})` +
        `${cfg.stripeAccount ? ` for connected account ${cfg.stripeAccount}` : ''}; Stripe API ${STRIPE_API_VERSION} at ${cfg.stripeApiBase.origin}.`
    )

    const pg = cfg.dryRun ? undefined : await openDatabase(io, cfg)
    if (pg === 'skipped') return skip(io, cfg, progress)
    if (!pg) io.info('Dry run: no database connection; nothing will be written.')
    const sink: ChargeSink = pg ?? dryRunSink

    const limiter = new RateLimiter(cfg.maxRequestsPerSecond)
    const common = {
      stripe: createStripeClient(cfg, limiter, options.stripeTimeoutMs),
      statuses: cfg.statuses,
      limit: cfg.limit,
      log: (message: string) => io.info(message),
      retry: options.retry,
      concurrency: options.concurrency ?? defaultConcurrency(cfg.maxRequestsPerSecond),
      limiter,
      now
    }
    let incremental: IncrementalReport | undefined
    try {
      if (cfg.incremental && pg) {
        incremental = await syncIncremental(
          {
            ...common,
            sink: pg,
            key: { account: cfg.stripeAccount ?? `self:${cfg.keyMode}`, tableName: cfg.table, statusFilter: statusKey(cfg.statuses) },
            apiVersion: STRIPE_API_VERSION,
            createdGte: cfg.createdGte,
            createdLt: cfg.createdLt,
            warn: (message) => io.warning(message)
          },
          progress
        )
      } else {
        await syncNewest({ ...common, sink, window: { gte: cfg.createdGte, lt: cfg.createdLt } }, progress)
      }
    } finally {
      await sink.close()
    }

    const outputs = await publish(io, cfg, progress, incremental, now)
    return { ok: true, outputs, progress }
  } catch (error) {
    let message = describeFailure(error, config)
    if (progress.stored + progress.updated > 0) {
      message += ` Before the failure ${progress.stored} new and ${progress.updated} updated row(s) were committed and are kept; re-running the step continues safely.`
    }
    if (config) {
      // Partial counts are still published, so a later step can tell "nothing" from "some".
      io.setOutput('charges_stored', String(progress.stored))
      io.setOutput('charges_updated', String(progress.updated))
    }
    io.setFailed(message)
    return { ok: false, progress }
  }
}

/** Connects, takes the table's lock and prepares the schema, saying what it created. */
async function openDatabase(io: ActionIO, cfg: Config): Promise<PostgresSink | 'skipped'> {
  const pg = await PostgresSink.open({
    databaseUrl: cfg.databaseUrl!,
    schema: cfg.schema,
    table: cfg.table,
    apiVersion: STRIPE_API_VERSION,
    accountId: cfg.stripeAccount,
    lockTimeoutSeconds: cfg.lockTimeoutSeconds,
    incremental: cfg.incremental,
    caCert: cfg.databaseCaCert
  })
  if (!pg) return 'skipped'
  const r = pg.schemaReport
  const t = `${cfg.schema}.${cfg.table}`
  if (r.createdSchema) io.info(`Created schema ${cfg.schema}.`)
  if (r.createdTable) io.info(`Created table ${t}.`)
  if (r.addedColumns.length > 0) io.info(`Added column(s) to ${t}: ${r.addedColumns.join(', ')}.`)
  if (r.addedUniqueKey && !r.createdTable) io.info(`Added a unique key on ${t}(charge_id).`)
  if (r.createdView) io.info(`Created view ${cfg.schema}.${dailyViewName(cfg.table)} (daily totals per currency).`)
  if (r.createdStateTable) io.info(`Created table ${cfg.schema}.${STATE_TABLE} for the incremental cursor.`)
  return pg
}

/** Outputs, high-value annotations and the job summary. */
async function publish(io: ActionIO, cfg: Config, progress: SyncProgress, incremental: IncrementalReport | undefined, now: Date): Promise<Record<string, string>> {
  const outputs = buildOutputs(progress, cfg.dryRun, incremental)
  for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value)
  const hv = progress.highValue
  if (hv) {
    for (const c of hv.kept.slice(0, MAX_HIGH_VALUE_NOTICES)) {
      io.notice(`High-value charge ${c.id}: ${formatMoney(c.amount, c.currency)}${c.receipt_email ? ` from ${c.receipt_email}` : ''} (${dashboardUrl(c, cfg.stripeAccount)})`)
    }
    if (hv.count > MAX_HIGH_VALUE_NOTICES) io.notice(`…and ${hv.count - MAX_HIGH_VALUE_NOTICES} more high-value charges (see the job summary).`)
  }
  const summary = renderSummary(progress, { ...cfg, runUrl: workflowRunUrl(), incremental, now })
  if (!(await io.writeSummary(summary))) io.info('No GITHUB_STEP_SUMMARY file: skipping the job summary.')
  io.info(outputs.message!)
  return outputs
}

/** Another run holds the table's lock: succeed without writing, and say so. */
function skip(io: ActionIO, cfg: Config, progress: SyncProgress): RunOutcome {
  const message = `Skipped: another run is writing to ${cfg.schema}.${cfg.table} (waited ${cfg.lockTimeoutSeconds} s for its lock); nothing was written`
  io.notice(message)
  const outputs = { ...buildOutputs(progress, false), message, skipped: 'true' }
  for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value)
  return { ok: true, outputs, progress }
}

/** The status filter as stored in the cursor key: sorted, so "failed,succeeded" and "succeeded,failed" share a cursor. */
export function statusKey(statuses: ReadonlySet<ChargeStatus>): string {
  return statuses.size === CHARGE_STATUSES.length ? 'all' : [...statuses].sort().join(',')
}

export function describeFailure(error: unknown, config: Config | undefined): string {
  if (error instanceof InputError || error instanceof DatabaseError) return error.message
  if (error instanceof StripeRequestError && config) {
    return describeStripeError(error, {
      keyTail: config.stripeKey.slice(-4),
      apiBase: config.stripeApiBase.origin,
      stripeAccount: config.stripeAccount
    })
  }
  return `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
}

/** Link to this workflow run, or undefined outside GitHub Actions. */
export function workflowRunUrl(): string | undefined {
  if (!process.env.GITHUB_REPOSITORY || !github.context.runId) return undefined
  const { owner, repo } = github.context.repo
  return `${github.context.serverUrl}/${owner}/${repo}/actions/runs/${github.context.runId}`
}

