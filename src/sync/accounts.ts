import type Stripe from 'stripe'
import type { Config } from '../config.js'
import { specOf, type ObjectName } from '../objects/registry.js'
import type { Session } from '../session.js'
import { connectedAccountIds, platformAccountId } from '../stripe/accounts.js'
import { ActionError } from '../errors.js'
import { StripeRequestError, isAccountInvalid } from '../stripe/errors.js'
import type { Claim } from '../store/accounts.js'
import { shownId } from '../text.js'
import { syncObjects, type SyncContext } from './objects.js'
import { PassingObserver, type AccountsResult, type StoredBatch, type SyncObserver } from './run.js'

export type { AccountsResult }

/**
 * Connect: the platform's own account and its connected accounts (`stripe-account: all`), or a
 * list of them, each synced as a one-account run would be — its cursors, change stream, deletions
 * and alerts its own, its rows carrying its id — several at once under the run's one request
 * budget. An account that revoked the platform's access is skipped; the others go on.
 */
export interface AccountsContext extends Omit<SyncContext, 'config' | 'stripe' | 'session'> {
  config: Config
  session: Session
  /** A Stripe client for one account (its `Stripe-Account` header; none for the platform's own). */
  clientFor(config: Config): Stripe
  /** The platform's own client, to list the accounts. */
  platform: Stripe
  filters: ReadonlyMap<ObjectName, string>
  /** With `account-shard`: the work queue's round (the workflow run) and this shard's name. */
  shard?: { round: string; name: string }
}

interface Target {
  id: string
  /** The platform's own account: requests carry no Stripe-Account header. */
  own: boolean
}

/** Accounts synced at once: each holds a connection per table, so fewer when many objects are synced. */
export function accountsAtOnce(objects: number): number {
  return Math.max(1, Math.min(8, Math.floor(24 / Math.max(1, objects))))
}

export async function syncAccounts(ctx: AccountsContext): Promise<AccountsResult> {
  const { config } = ctx
  const selection = config.accounts!
  const platformId = selection.kind === 'all' ? await platformAccountId(ctx.platform, ctx.retry) : undefined
  // Stripe has answered (all), or the shards' queue needs its table before any account's request.
  if (platformId || ctx.shard) ctx.session.stripeAnswered()
  const connected = selection.kind === 'all' ? await connectedAccountIds(ctx.platform, ctx.retry) : [...selection.ids]
  const targets: Target[] = [
    ...(platformId ? [{ id: platformId, own: true }] : []),
    ...connected.filter((id) => id !== platformId).map((id) => ({ id, own: false }))
  ]
  ctx.log(
    selection.kind === 'all'
      ? `Connect: the platform ${platformId} and ${connected.length} connected account(s).`
      : `Connect: ${targets.length} connected account(s) from stripe-account.`
  )
  // A list of accounts prepares the tables once one of them has answered, as a one-account run does.
  if (platformId || ctx.shard) await ctx.session.ready
  const db = ctx.session.db
  const tables = ctx.session.accountTables(config)
  // Rows of one-account runs (account_id NULL) are the platform's own.
  if (db && platformId) {
    const filled = await db.fillAccountId(tables, platformId)
    if (filled > 0) ctx.log(`Set account_id = ${platformId} on ${filled} row(s) stored before by one-account runs.`)
  }

  const result: AccountsResult = { synced: [], skipped: [], platformId }
  const byId = new Map(targets.map((t) => [t.id, t]))
  const workers = accountsAtOnce(tables.length)
  const perAccountConcurrency = Math.max(2, Math.floor(ctx.concurrency / workers))

  const syncTarget = async (target: Target): Promise<{ ok: boolean; reason?: string }> => {
    // The platform's own objects (application fees, transfers) are not its connected accounts'.
    const objects = target.own ? config.objects : config.objects.filter((name) => !specOf(name).platformOnly)
    const accountConfig: Config = { ...config, objects, stripeAccount: target.own ? undefined : target.id, accounts: undefined }
    // The platform's own objects link to its own dashboard; a connected account's to that account's.
    const guard = new AccountGuard(ctx.observer, target.id, target.own ? undefined : target.id)
    const session = await ctx.session.forAccount(accountConfig, ctx.filters, target.id)
    try {
      await syncObjects({
        ...ctx,
        config: accountConfig,
        stripe: ctx.clientFor(accountConfig),
        session,
        observer: guard,
        concurrency: perAccountConcurrency,
        // Accounts side by side keep the rate busy: a small account's first backfill is then one
        // slice (a request or two), not six cut slices and an account read that find little.
        firstCuts: targets.length <= 1,
        log: (message) => ctx.log(`[${shownId(target.id)}] ${message}`),
        warn: (message) => ctx.warn(`[${shownId(target.id)}] ${message}`)
      })
    } finally {
      await session.close()
    }
    if (guard.refusal) {
      const reason = `account_invalid: the platform has no access to it (revoked, or not its account)`
      ctx.warn(`Skipped connected account ${shownId(target.id)}: ${reason}. Its rows stored before are kept.`)
      result.skipped.push({ id: target.id, reason })
      return { ok: false, reason }
    }
    result.synced.push(target.id)
    return { ok: true }
  }

  if (ctx.shard && db) {
    const queue = await db.accountQueue(
      ctx.shard.round,
      ctx.shard.name,
      targets.map((t) => t.id)
    )
    const ids = targets.map((t) => t.id)
    await Promise.all(
      Array.from({ length: workers }, async () => {
        const worker = await queue.worker(ids)
        try {
          for (let claim: Claim | undefined; (claim = await worker.next());) {
            const outcome = await syncTarget(byId.get(claim.id)!)
            await claim.done(outcome)
          }
        } finally {
          await worker.close()
        }
      })
    )
  } else {
    let next = 0
    await Promise.all(
      Array.from({ length: Math.min(workers, targets.length) }, async () => {
        while (next < targets.length) await syncTarget(targets[next++]!)
      })
    )
  }
  ctx.observer.reported({ kind: 'accounts', result })
  // A list naming only accounts the platform cannot reach did nothing at all: that is a failure, as one such id is.
  if (selection.kind === 'list' && !ctx.shard && result.synced.length === 0 && result.skipped.length > 0) throw new NoAccountSyncedError(result.skipped)
  return result
}

/** Every account of a `stripe-account` list was refused: the run synced nothing. */
export class NoAccountSyncedError extends ActionError {
  constructor(readonly skipped: AccountsResult['skipped']) {
    super(
      `None of the ${skipped.length} connected accounts in stripe-account could be synced: ${skipped.map((s) => shownId(s.id)).join(', ')} — ` +
        "the platform has no access to them (account_invalid: the account revoked the platform's access, or is not one of its accounts). Check `stripe-account`."
    )
    this.name = 'NoAccountSyncedError'
  }
}

/**
 * The run's observer, for one account: a refusal of the account (account_invalid) is kept here —
 * the account is skipped, the run goes on — and everything else passes through.
 */
class AccountGuard extends PassingObserver {
  refusal: unknown

  constructor(
    observer: SyncObserver,
    private readonly account: string,
    /** The connected account the objects belong to (undefined: the platform's own). */
    private readonly connected: string | undefined
  ) {
    super(observer)
  }

  override observe(batch: StoredBatch): void {
    this.observer.observe({ ...batch, account: this.connected })
  }

  override failed(name: ObjectName, error: unknown): void {
    if (isAccountInvalid(error)) {
      this.refusal = error
      return
    }
    // Name the account in what the run reports.
    const named =
      error instanceof StripeRequestError ? new StripeRequestError(error.cause, `${error.doing} for account ${this.account}`, error.permission) : error
    this.observer.failed(name, named)
  }
}
