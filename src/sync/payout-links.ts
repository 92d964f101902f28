import type Stripe from 'stripe'
import { pageLister, pages, MAX_PAGE_SIZE } from '../stripe/pages.js'
import type { TableAccess } from '../store/sink.js'
import { account, screen } from './batch.js'
import type { LinkReport, ObjectRun } from './run.js'

interface Side<T extends { id: string; created: number }> {
  run: ObjectRun<T>
  sink: TableAccess<T>
}

/**
 * Payout reconciliation: for each paid or failed automatic payout not reconciled yet (or changed
 * since), list the balance transactions Stripe paid out in it (`GET /v1/balance_transactions?payout=`),
 * store them and record `payout_id` on their rows, then mark the payout reconciled. Pages are
 * committed as they come; a run killed half-way re-does that payout next time, changing nothing twice.
 */
export async function linkPayouts(payouts: Side<Stripe.Payout>, transactions: Side<Stripe.BalanceTransaction>): Promise<LinkReport> {
  const report: LinkReport = { reconciled: [], transactions: 0 }
  const due = await payouts.sink.duePayouts()
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
          transactions.sink.linkToPayout(
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
    await payouts.sink.markReconciled(id)
    report.reconciled.push(id)
  }
  // Several payouts at once (their listings overlap; the writes queue on the connection).
  const queue = [...due]
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await reconcile(id)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(bt.concurrency, 8)) }, worker))
  payouts.run.log(`Reconciled ${report.reconciled.length} payout(s) with ${report.transactions} balance transaction(s).`)
  return report
}
