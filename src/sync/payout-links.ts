import type Stripe from 'stripe'
import { isMissingObject } from '../stripe/errors.js'
import { pageLister, pages, MAX_PAGE_SIZE } from '../stripe/pages.js'
import type { TableAccess } from '../store/sink.js'
import { shownId } from '../text.js'
import { account, screen } from './batch.js'
import type { LinkReport, ObjectRun } from './run.js'

interface Side<T extends { id: string; created: number }> {
  run: ObjectRun<T>
  sink: TableAccess<T>
}

/** Paid or failed automatic payouts not reconciled yet (or changed since: their mark is cleared), oldest first. */
async function duePayouts(sink: TableAccess<Stripe.Payout>): Promise<string[]> {
  const scope = sink.accountScope(1)
  const rows = await sink.query<{ id: string }>(
    `SELECT id FROM ${sink.qualifiedTable}
      WHERE status IN ('paid', 'failed') AND automatic IS NOT FALSE AND reconciled_at IS NULL${scope.sql} ORDER BY created_at, id`,
    scope.values
  )
  return rows.map((r) => r.id)
}

/** The statement that links balance transactions to the payout that paid them out, in the refresh's transaction. */
function linkToPayout(sink: TableAccess<Stripe.BalanceTransaction>, payoutId: string, ids: readonly string[]): { text: string; values: unknown[] } {
  return { text: `UPDATE ${sink.qualifiedTable} SET payout_id = $1 WHERE id = ANY($2) AND payout_id IS DISTINCT FROM $1`, values: [payoutId, ids] }
}

/** A payout reconciled: marked in its own transaction. */
async function markReconciled(sink: TableAccess<Stripe.Payout>, id: string): Promise<void> {
  await sink.transaction(() => sink.query(`UPDATE ${sink.qualifiedTable} SET reconciled_at = now() WHERE id = $1`, [id]))
}

/**
 * Payout reconciliation: for each paid or failed automatic payout not reconciled yet (or changed
 * since), list the balance transactions Stripe paid out in it (`GET /v1/balance_transactions?payout=`),
 * store them and record `payout_id` on their rows, then mark the payout reconciled. Pages are
 * committed as they come; a run killed half-way re-does that payout next time, changing nothing twice.
 * A payout Stripe answers 404 for is left unreconciled with a warning (tried again next run): one odd
 * payout must not stop the others.
 */
export async function linkPayouts(payouts: Side<Stripe.Payout>, transactions: Side<Stripe.BalanceTransaction>): Promise<LinkReport> {
  const report: LinkReport = { reconciled: [], unlisted: [], transactions: 0 }
  const due = await duePayouts(payouts.sink)
  if (due.length === 0) return report
  payouts.run.log(`Reconciling ${due.length} payout(s): listing the balance transactions each one paid out.`)
  const bt = transactions.run
  const reconcile = async (id: string) => {
    const list = pageLister(bt.stripe, bt.spec, bt.retry, { payout: id })
    for await (const page of pages(list, {}, () => MAX_PAGE_SIZE)) {
      const { valid, rejects } = await screen(bt, page.data)
      const result = await transactions.sink.refresh(valid, 'all', {
        rejects,
        also: [
          linkToPayout(
            transactions.sink,
            id,
            valid.map((t) => t.id)
          )
        ]
      })
      report.transactions += valid.length
      payouts.run.progress.refetched += page.data.length
      // Transactions first stored here count as the balance transactions' own.
      bt.progress.stored += result.inserted
      bt.progress.updated += result.updated
      if (result.refused.length > 0 || rejects.length > 0) account(bt, [], rejects, { ...result, inserted: 0, updated: 0 }, 'any', true)
    }
    await markReconciled(payouts.sink, id)
    report.reconciled.push(id)
  }
  const attempt = async (id: string) => {
    try {
      await reconcile(id)
    } catch (error) {
      if (!isMissingObject(error)) throw error
      report.unlisted.push(id)
      payouts.run.warn(`Payout ${shownId(id)}: Stripe has no balance transactions to list for it (404); it stays unreconciled and is tried again next run.`)
    }
  }
  // Several payouts at once (their listings overlap; the writes queue on the connection).
  const queue = [...due]
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await attempt(id)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(bt.concurrency, 8)) }, worker))
  payouts.run.log(`Reconciled ${report.reconciled.length} payout(s) with ${report.transactions} balance transaction(s).`)
  return report
}
