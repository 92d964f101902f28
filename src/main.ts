import { readFileSync } from 'node:fs'
import { STRIPE_API_VERSION } from './api-version.js'
import type { Config } from './config.js'
import { OUTPUTS, readRun, type RunSetup } from './contract.js'
import { ActionError } from './errors.js'
import { heapMark, settleHeap } from './memory.js'
import { coreIO, redacting, type ActionIO, type RedactingIO } from './io.js'
import { RunReport } from './report/collect.js'
import { buildOutputs, outputsAfterFailure, type Outputs } from './report/outputs.js'
import { privacy } from './report/privacy.js'
import { publish, readBack } from './report/publish.js'
import { scheduleOf } from './report/requests.js'
import { abandonedLease, judgeSkip, type SkipVerdict } from './report/skipped.js'
import { RunLockHeld } from './store/lease.js'
import { Session, accountKey } from './session.js'
import { accountFacts, readOnce, type AccountRead } from './stripe/accounts.js'
import { createStripeClient } from './stripe/client.js'
import { RateLimits, type LimiterClock } from './stripe/limiter.js'
import { DEFAULT_RETRY, type RetryOptions } from './stripe/retry.js'
import { syncAccounts } from './sync/accounts.js'
import { filterKeys, syncObjects, type SyncContext } from './sync/objects.js'

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
  return repositoryPrivacy(process.env.GITHUB_EVENT_PATH)
}

/**
 * `repository.private` of the event that started the workflow (the file GITHUB_EVENT_PATH names, as
 * @actions/github reads it; read here so a run need not load Octokit). Undefined when unknown.
 */
export function repositoryPrivacy(eventPath: string | undefined): boolean | undefined {
  if (!eventPath) return undefined
  let event: unknown
  try {
    event = JSON.parse(readFileSync(eventPath, 'utf8'))
  } catch {
    // No event file, or not JSON (a local run): the visibility is unknown, and the summary stays private.
    return undefined
  }
  if (typeof event !== 'object' || event === null || !('repository' in event)) return undefined
  const repository = event.repository
  if (typeof repository !== 'object' || repository === null || !('private' in repository)) return undefined
  return typeof repository.private === 'boolean' ? repository.private : undefined
}

/**
 * inputs → config → Stripe pages → Postgres → features → outputs and summary. Each stage is a
 * function below; a failure anywhere is described once, with what was kept.
 */
export async function runAction(rawIo: ActionIO, options: RunOptions = {}): Promise<RunOutcome> {
  const io = redacting(rawIo)
  const now = options.now ?? new Date()
  const env = options.env ?? process.env
  let setup: RunSetup | undefined
  let report: RunReport | undefined
  try {
    setup = readInputs(io, options, now, env)
    const { config } = setup
    report = new RunReport(config.objects, OUTPUTS)
    report.features.push(...setup.features)
    announce(io, config)
    const opened = config.dryRun ? Session.dryRun() : await Session.open(config, io, filterKeys(config), setup.layout, env)
    if (!(opened instanceof Session)) return await skip(io, config, report, judgeSkip(config.schema, opened.held, opened.history, config.lockTimeoutSeconds))
    const session = opened
    if (session.db?.abandoned) io.warning(abandonedLease(config.schema, session.db.abandoned))
    if (config.dryRun) io.info('Dry run: no database connection; nothing will be written.')
    try {
      const limits = new RateLimits(config.maxRequestsPerSecond, config.maxTotalRequestsPerSecond, options.clock)
      // GET /v1/account once for the run: a backfill's floor and the monitors' place share it. Its
      // answer counts as Stripe answering (tables are prepared then): the floor alone can complete
      // a stretch, and its checkpoint waits for the tables.
      const readAccount = readOnce(
        createStripeClient(config, limits, options.stripeTimeoutMs, () => session.stripeAnswered()),
        options.retry ?? DEFAULT_RETRY
      )
      const beforeSync = heapMark()
      await sync(io, config, session, report, options, now, env, limits, readAccount)
      settleHeap(beforeSync)
      await keepBooks(io, config, session, report, now)
      const lastRunAt = [...session.states.values()].map((s) => s?.lastRunFinishedAt ?? undefined).find((d) => d !== undefined)
      // Where the account lives, for a feature that asks (the monitors' time zone and holidays): the run's one read.
      const counted = report
      const account = () =>
        accountFacts(readAccount).finally(() => {
          counted.stripeRequests = limits.stats.requests
        })
      // Tables are prepared once Stripe answers: before that (every request refused) there is nothing to read back.
      await readBack(
        session.preparing ? session.db : undefined,
        report,
        { now, env, lastRunAt, account },
        (m) => io.warning(m),
        (e) => describeFailure(e, config)
      )
      const outputs = await publish(io, config, report, { now, lastRunAt, describe: (e) => describeFailure(e, config) })
      if (report.failures.size > 0) {
        io.setFailed(failureMessage(report, config))
        return { ok: false, outputs, report }
      }
      // Everything is stored and written: now a feature may still fail the step (`fail-on`), so GitHub's own e-mail tells the owner.
      const verdicts = report.features.flatMap((f) => f.verdict?.() ?? [])
      if (verdicts.length > 0) {
        io.setFailed(verdicts.join(' '))
        return { ok: false, outputs, report }
      }
      return { ok: true, outputs, report }
    } finally {
      await session.close()
    }
  } catch (error) {
    // The first run of a new schema claims its lock as it creates the tables: another got there first.
    if (error instanceof RunLockHeld && setup && report) {
      const verdict = judgeSkip(error.schema, error.held, { now: error.held.now, starts: [] }, 0)
      return await skip(io, setup.config, report, {
        ...verdict,
        message: verdict.message.replace(/this run waited 0 s \(lock-timeout\)/, 'this run found it as it was about to create the tables')
      })
    }
    return fail(io, error, setup?.config, report)
  }
}

/** Every input read and checked (secrets masked first), and the features they call for. */
function readInputs(io: RedactingIO, options: RunOptions, now: Date, env: NodeJS.ProcessEnv): RunSetup {
  const setup = readRun({
    input: (name) => io.getInput(name),
    env,
    mask: (secret, strength) => (strength === 'strong' ? io.setSecret(secret) : io.setWeakSecret(secret)),
    now,
    repositoryPrivate: options.repositoryPrivate ?? repositoryIsPrivate(),
    warn: (message) => io.warning(message)
  })
  warnIfPublishing(io, setup.config)
  return setup
}

/** The run's first line: what it syncs, with which key (its last four characters), where and how fast. */
function announce(io: ActionIO, config: Config): void {
  const accounts = config.accounts
  io.info(
    `${config.incremental ? 'Incremental sync' : 'Sync'} of ${config.objects.join(', ')}. Using a ${config.keyMode} ${config.keyKind} key (…${config.stripeKey.slice(-4)})` +
      `${config.stripeAccount ? ` for connected account ${config.stripeAccount}` : ''}` +
      `${accounts ? ` for ${accounts.kind === 'all' ? 'the platform and every connected account' : `${accounts.ids.length} connected accounts`}${config.accountShard ? ` (shard ${config.accountShard.index}/${config.accountShard.total})` : ''}` : ''}; Stripe API ${STRIPE_API_VERSION} at ${config.stripeApiBase.origin}; ` +
      `at most ${config.maxRequestsPerSecond} requests/s per endpoint and ${config.maxTotalRequestsPerSecond} in all.`
  )
}

/** Every object from Stripe into Postgres: one account's, or several accounts' (Connect). */
async function sync(
  io: ActionIO,
  config: Config,
  session: Session,
  report: RunReport,
  options: RunOptions,
  now: Date,
  env: NodeJS.ProcessEnv,
  limits: RateLimits,
  readAccount: AccountRead
): Promise<void> {
  const clientFor = (c: Config) => createStripeClient(c, limits, options.stripeTimeoutMs, () => session.stripeAnswered())
  const context: Omit<SyncContext, 'config' | 'stripe' | 'session'> = {
    observer: report,
    limits,
    retry: options.retry ?? DEFAULT_RETRY,
    concurrency: options.concurrency ?? defaultConcurrency(config.maxRequestsPerSecond),
    now,
    log: (message: string) => io.info(message),
    warn: (message: string) => io.warning(message),
    redact: (text: string, maxChars: number) => privacy(config.customerDetails, config.summaryAmounts).text(text, maxChars)
  }
  try {
    if (config.accounts) {
      const shard = config.accountShard
      await syncAccounts({
        ...context,
        config,
        session,
        platform: clientFor(config),
        clientFor,
        filters: filterKeys(config),
        shard: shard ? { round: workflowRound(env, now), name: `${shard.index}/${shard.total}` } : undefined
      })
    } else {
      // One account: its floor is the account the monitors ask after.
      await syncObjects({ ...context, config, stripe: clientFor(config), session, readAccount })
    }
  } finally {
    report.stripeRequests = limits.stats.requests
  }
  // Preparing the tables may have failed after every object had finished fetching.
  if (session.preparing) await session.ready
}

/**
 * The run's bookkeeping: its row in stripe_sync_runs (the interval for the month's projection) and
 * fresh planner statistics for tables the features' read-back joins. Neither fails a run.
 */
async function keepBooks(io: ActionIO, config: Config, session: Session, report: RunReport, now: Date): Promise<void> {
  if (!session.db || !session.preparing) return
  const quiet = (what: string) => (error: unknown) => {
    // A broken connection shows in what follows, or was the failure.
    if (report.failures.size === 0) io.warning(`${describeFailure(error, config)} ${what}`)
    return undefined
  }
  const previousRuns = await session.db
    .recordRun({
      account: accountKey(config),
      objects: config.objects.join(','),
      startedAt: now,
      stripeRequests: report.stripeRequests,
      ok: report.failures.size === 0
    })
    .catch(quiet('The job summary cannot project a month of requests.'))
  report.previousRuns = previousRuns ?? []
  report.runSchedule = previousRuns ? scheduleOf(now, report.stripeRequests, previousRuns) : undefined
  const stored = new Map([...report.progress].map(([name, p]) => [name, p.stored]))
  const read = new Set(report.features.flatMap((f) => f.reads ?? []))
  await session.analyzeFilled(config, stored, read).catch(quiet('The reporting views may be slow until Postgres analyzes the tables.'))
}

/** The run failed before it could publish: say why and what was kept, and publish the counts of what was committed. */
function fail(io: ActionIO, error: unknown, config: Config | undefined, report: RunReport | undefined): RunOutcome {
  let message = describeFailure(error, config)
  const stored = report?.total('stored') ?? 0
  const updated = report?.total('updated') ?? 0
  if (stored + updated > 0) {
    message += ` Before the failure ${stored} new and ${updated} updated row(s) were committed and are kept; re-running the step continues safely.`
  }
  if (config && report) {
    // Partial counts are still published, so a later step can tell "nothing" from "some".
    const all = buildOutputs(report, OUTPUTS, { dryRun: config.dryRun, privacy: privacy(config.customerDetails, config.summaryAmounts) })
    for (const [name, value] of Object.entries(outputsAfterFailure(all, OUTPUTS))) io.setOutput(name, value)
  }
  io.setFailed(message)
  return { ok: false, report }
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

/**
 * Another run holds the schema's lock: write nothing, and say who holds it. The step succeeds while
 * the copy is current, warns once it falls behind its schedule, and fails once it is frozen.
 */
async function skip(io: ActionIO, config: Config, report: RunReport, verdict: SkipVerdict): Promise<RunOutcome> {
  const { message, level } = verdict
  const outputs: Outputs = {
    ...buildOutputs(report, OUTPUTS, { dryRun: false, privacy: privacy(config.customerDetails, config.summaryAmounts), skipped: true }),
    message
  }
  for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value)
  await writeSkipSummary(io, verdict, outputs.monitor_status === 'stale')
  if (level === 'failure') {
    io.setFailed(message)
    return { ok: false, outputs, report }
  }
  if (level === 'warning') io.warning(message)
  else io.notice(message)
  return { ok: true, outputs, report }
}

/** The job summary of a skipped run: what happened, first, and the monitors' status. */
async function writeSkipSummary(io: ActionIO, verdict: SkipVerdict, monitored: boolean): Promise<void> {
  const headline = { failure: '**✗ Copy frozen.**', warning: '**⚠ Copy falling behind.**', notice: '**Skipped.**' }[verdict.level]
  const lines = ['## Stripe Payment Monitor', '', `${headline} ${verdict.message.replace(/^Skipped: /, '')}`, '']
  if (monitored) lines.push('**Monitor: stale** — this run read nothing: the monitors judge again when a run holds the lock.', '')
  if (!(await io.writeSummary(lines.join('\n')))) io.info('No GITHUB_STEP_SUMMARY file: skipping the job summary.')
}

export function describeFailure(error: unknown, config: Config | undefined): string {
  if (error instanceof ActionError) {
    return error.describe(config && { keyTail: config.stripeKey.slice(-4), apiBase: config.stripeApiBase.origin, stripeAccount: config.stripeAccount })
  }
  return `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
}
