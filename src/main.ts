import * as github from '@actions/github'
import { InputError, readConfig, type Config, type InputName } from './config.js'
import { coreIO, redacting, type ActionIO } from './io.js'
import { featuresFor } from './features/index.js'
import { RunReport } from './report/collect.js'
import type { Outputs } from './report/output-names.js'
import { buildOutputs } from './report/outputs.js'
import { privacy } from './report/privacy.js'
import { publish, readBack } from './report/publish.js'
import { Session, accountKey } from './session.js'
import { STRIPE_API_VERSION, createStripeClient } from './stripe/client.js'
import { StripeRequestError, describeStripeError } from './stripe/errors.js'
import { RateLimits, type LimiterClock } from './stripe/limiter.js'
import { PagingLoopError } from './stripe/pages.js'
import { DEFAULT_RETRY, type RetryOptions } from './stripe/retry.js'
import { DatabaseError } from './store/connect.js'
import { syncAccounts } from './sync/accounts.js'
import { filterKeys, syncObjects } from './sync/objects.js'

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  now?: Date
  retry?: RetryOptions
  /** Requests in flight per object for whole-range runs; default from max-requests-per-second (the benchmark sets 1 for its baseline). */
  concurrency?: number
  /** Per-request Stripe timeout (tests shorten it). */
  stripeTimeoutMs?: number
  /** The rate limiter's clock (tests). */
  clock?: LimiterClock
  /** Whether the repository is private; default from the workflow's event payload. */
  repositoryPrivate?: boolean
}

/** Enough requests in flight to keep the limiter busy at Stripe's typical latency, without many idle slices. */
export function defaultConcurrency(maxRequestsPerSecond: number): number {
  return Math.max(2, Math.min(32, maxRequestsPerSecond))
}

export interface RunOutcome {
  ok: boolean
  outputs?: Outputs
  report: RunReport | undefined
}

/**
 * The round of the shards' work queue: the workflow run (every job of a matrix shares it), a new
 * round for each attempt; outside Actions, the minute the run started.
 */
export function workflowRound(env: NodeJS.ProcessEnv, now: Date): string {
  if (env.GITHUB_RUN_ID) return `run ${env.GITHUB_RUN_ID}.${env.GITHUB_RUN_ATTEMPT ?? '1'}`
  return `local ${now.toISOString().slice(0, 16)}`
}

/** The action's entry point on a runner (and for `npm run local-action`). */
export async function run(): Promise<void> {
  await runAction(coreIO())
}

/** The repository's visibility from the event payload; undefined when the payload does not say. */
export function repositoryIsPrivate(): boolean | undefined {
  const repository = github.context.payload?.repository as { private?: unknown } | undefined
  return typeof repository?.private === 'boolean' ? repository.private : undefined
}

/** inputs → config → Stripe pages → filter → Postgres → outputs and summary, for every selected object. */
export async function runAction(rawIo: ActionIO, options: RunOptions = {}): Promise<RunOutcome> {
  const io = redacting(rawIo)
  const now = options.now ?? new Date()
  const env = options.env ?? process.env
  let config: Config | undefined
  let report: RunReport | undefined
  try {
    config = readConfig({
      input: (name: InputName) => io.getInput(name),
      env,
      mask: (secret, strength) => (strength === 'strong' ? io.setSecret(secret) : io.setWeakSecret(secret)),
      now,
      repositoryPrivate: options.repositoryPrivate ?? repositoryIsPrivate()
    })
    const cfg = config
    warnIfPublishing(io, cfg)
    report = new RunReport(cfg.objects)
    // The run's features, each described once in src/features/.
    const { features, connect } = featuresFor(cfg)
    report.features.push(...features)
    io.info(
      `${cfg.incremental ? 'Incremental sync' : 'Sync'} of ${cfg.objects.join(', ')}. Using a ${cfg.keyMode} ${cfg.keyKind} key (…${cfg.stripeKey.slice(-4)})` +
        `${cfg.stripeAccount ? ` for connected account ${cfg.stripeAccount}` : ''}` +
        `${cfg.accounts ? ` for ${cfg.accounts.kind === 'all' ? 'the platform and every connected account' : `${cfg.accounts.ids.length} connected accounts`}${cfg.accountShard ? ` (shard ${cfg.accountShard.index}/${cfg.accountShard.total})` : ''}` : ''}; Stripe API ${STRIPE_API_VERSION} at ${cfg.stripeApiBase.origin}; ` +
        `at most ${cfg.maxRequestsPerSecond} requests/s per endpoint and ${cfg.maxTotalRequestsPerSecond} in all.`
    )

    const session = cfg.dryRun ? Session.dryRun() : await Session.open(cfg, io, filterKeys(cfg))
    if (!session) return skip(io, cfg, report)
    if (cfg.dryRun) io.info('Dry run: no database connection; nothing will be written.')
    try {
      const limits = new RateLimits(cfg.maxRequestsPerSecond, cfg.maxTotalRequestsPerSecond, options.clock)
      const stripe = createStripeClient(cfg, limits, options.stripeTimeoutMs, () => session.stripeAnswered())
      const sync = {
        observer: report,
        limits,
        retry: options.retry ?? DEFAULT_RETRY,
        concurrency: options.concurrency ?? defaultConcurrency(cfg.maxRequestsPerSecond),
        now,
        log: (message: string) => io.info(message),
        warn: (message: string) => io.warning(message),
        redact: (text: string, maxChars: number) => privacy(cfg.customerDetails).text(text, maxChars)
      }
      try {
        if (cfg.accounts && connect) {
          const shard = cfg.accountShard
          const accounts = await syncAccounts({
            ...sync,
            config: cfg,
            session,
            platform: stripe,
            clientFor: (c) => createStripeClient(c, limits, options.stripeTimeoutMs, () => session.stripeAnswered()),
            filters: filterKeys(cfg),
            shard: shard ? { round: workflowRound(env, now), name: `${shard.index}/${shard.total}` } : undefined
          })
          connect.done(accounts)
          report.accountsSynced = accounts.synced.length
        } else {
          await syncObjects({ ...sync, config: cfg, stripe, session })
        }
      } finally {
        report.stripeRequests = limits.stats.requests
      }
      // Preparing the tables may have failed after every object had finished fetching.
      if (session.preparing) await session.ready
      if (session.db && session.preparing) {
        const previousRun = await session.db
          .recordRun({
            account: accountKey(cfg),
            objects: cfg.objects.join(','),
            startedAt: now,
            stripeRequests: report.stripeRequests,
            ok: report.failures.size === 0
          })
          // Bookkeeping for the projection: it never fails a run (a broken connection shows in what follows, or was the failure).
          .catch((error: unknown) => {
            if (report!.failures.size === 0) io.warning(`${describeFailure(error, cfg)} The job summary cannot project a month of requests.`)
            return undefined
          })
        report.runIntervalSeconds = previousRun ? (now.getTime() - previousRun.getTime()) / 1000 : undefined
        const stored = new Map([...report.progress].map(([name, p]) => [name, p.stored]))
        const read = new Set(report.features.flatMap((f) => f.reads ?? []))
        await session.analyzeFilled(cfg, stored, read).catch((error: unknown) => {
          if (report!.failures.size === 0) io.warning(`${describeFailure(error, cfg)} The reporting views may be slow until Postgres analyzes the tables.`)
        })
      }
      // What the summary adds from the database; after a failure, a broken connection must not hide the real error.
      const lastRunAt = [...session.states.values()].map((s) => s?.lastRunFinishedAt ?? undefined).find((d) => d !== undefined)
      await readBack(session, report, now, env, lastRunAt).catch((error: unknown) => {
        if (report!.failures.size === 0) throw error
        io.warning(`The job summary lacks what it reads back from the database: ${describeFailure(error, cfg)}`)
      })
      const outputs = await publish(io, cfg, report, { now, lastRunAt, describe: (e) => describeFailure(e, cfg) })
      if (report.failures.size > 0) {
        io.setFailed(failureMessage(report, cfg))
        return { ok: false, outputs, report }
      }
      return { ok: true, outputs, report }
    } finally {
      await session.close()
    }
  } catch (error) {
    let message = describeFailure(error, config)
    const stored = report?.total('stored') ?? 0
    const updated = report?.total('updated') ?? 0
    if (stored + updated > 0) {
      message += ` Before the failure ${stored} new and ${updated} updated row(s) were committed and are kept; re-running the step continues safely.`
    }
    if (config && report) {
      // Partial counts are still published, so a later step can tell "nothing" from "some".
      const partial = buildOutputs(report, { dryRun: config.dryRun, privacy: privacy(config.customerDetails) })
      for (const name of ['charges_stored', 'charges_updated', 'object_counts', 'rejected_count', 'stripe_requests'] as const) io.setOutput(name, partial[name])
    }
    io.setFailed(message)
    return { ok: false, report }
  }
}

/** On a public repository, anyone can read what the run publishes: say so once when the inputs choose to publish customer data or amounts. */
function warnIfPublishing(io: ActionIO, config: Config): void {
  if (config.repositoryPrivate !== false) return
  const published = [
    ...(config.customerDetails === 'show' ? ['customer emails and descriptions (customer-details: show)'] : []),
    ...(config.summaryAmounts === 'show' ? ['amounts (summary-amounts: show)'] : [])
  ]
  if (published.length === 0) return
  io.warning(
    `This repository is public: the log, annotations and job summary, which anyone can read, will show ${published.join(' and ')}. ` +
      'Remove the input to keep them private.'
  )
}

/** Every failed object, with what was kept. */
function failureMessage(report: RunReport, config: Config): string {
  const parts = [...report.failures].map(([name, error]) => `${config.objects.length > 1 ? `${name}: ` : ''}${describeFailure(error, config)}`)
  const stored = report.total('stored')
  const updated = report.total('updated')
  const kept =
    stored + updated > 0
      ? ` Before the failure ${stored} new and ${updated} updated row(s) were committed and are kept; re-running the step continues safely.`
      : ''
  return `${parts.join(' — ')}${kept}`
}

/** Another run holds the schema's lock: succeed without writing, and say so. */
function skip(io: ActionIO, config: Config, report: RunReport): RunOutcome {
  const message = `Skipped: another run is writing to schema ${config.schema} (waited ${config.lockTimeoutSeconds} s for its lock); nothing was written`
  io.notice(message)
  const outputs = { ...buildOutputs(report, { dryRun: false, privacy: privacy(config.customerDetails), skipped: true }), message }
  for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value)
  return { ok: true, outputs, report }
}

export function describeFailure(error: unknown, config: Config | undefined): string {
  if (error instanceof InputError || error instanceof DatabaseError || error instanceof PagingLoopError) return error.message
  if (error instanceof StripeRequestError && config) {
    return describeStripeError(error, {
      keyTail: config.stripeKey.slice(-4),
      apiBase: config.stripeApiBase.origin,
      stripeAccount: config.stripeAccount
    })
  }
  if (error instanceof StripeRequestError && error.cause instanceof PagingLoopError) return error.cause.message
  return `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
}
