import { isoSeconds } from '../config.js'
import type { IncrementalReport } from '../incremental.js'
import type { SyncProgress } from '../sync.js'
import { formatMinor } from './money.js'

export function runMessage(count: number, dryRun: boolean): string {
  return dryRun ? `Dry run: found ${count} Stripe charges; nothing stored` : `Successfully processed ${count} Stripe charges`
}

/** The step's outputs, every one a string as GitHub stores them. Names are a public contract. */
export function buildOutputs(progress: SyncProgress, dryRun: boolean, incremental?: IncrementalReport): Record<string, string> {
  const { totals } = progress
  const message = runMessage(progress.matched, dryRun)
  const usd = totals.byCurrency.get('usd')
  const usdMinor = usd?.amountMinor ?? 0
  const currencies = totals.currencies()
  const single = currencies.length === 1 ? currencies[0]! : undefined

  const totalsJson: Record<
    string,
    { count: number; amount_minor: number; amount: string; refunded_minor: number; refunded: string; net_minor: number; net: string }
  > = {}
  for (const currency of currencies) {
    const t = totals.byCurrency.get(currency)!
    totalsJson[currency] = {
      count: t.count,
      amount_minor: t.amountMinor,
      amount: formatMinor(t.amountMinor, currency),
      refunded_minor: t.refundedMinor,
      refunded: formatMinor(t.refundedMinor, currency),
      net_minor: t.amountMinor - t.refundedMinor,
      net: formatMinor(t.amountMinor - t.refundedMinor, currency)
    }
  }

  const result = {
    message,
    total_amount_cents: usdMinor,
    total_amount_usd: Number(formatMinor(usdMinor, 'usd')),
    charge_count: progress.matched,
    charges_stored: progress.stored,
    charges_updated: progress.updated,
    totals: totalsJson,
    dry_run: dryRun
  }

  return {
    message,
    charge_count: String(progress.matched),
    charges_stored: String(progress.stored),
    charges_updated: String(progress.updated),
    total_amount_cents: String(usdMinor),
    total_amount_usd: formatMinor(usdMinor, 'usd'),
    currency: currencies.length === 0 ? '' : (single ?? 'mixed'),
    total_amount: single ? formatMinor(totals.byCurrency.get(single)!.amountMinor, single) : '',
    totals: JSON.stringify(totalsJson),
    result: JSON.stringify(result),
    // Every charge created at or before this time is stored (the second before the resume point).
    cursor: incremental ? isoSeconds(incremental.cursor - 1) : '',
    events_processed: String(incremental?.eventsProcessed ?? 0),
    skipped: 'false',
    high_value_count: String(progress.highValue?.count ?? 0),
    high_value_charges: JSON.stringify(progress.highValue?.entries() ?? []),
    high_value_truncated: String(progress.highValue?.truncated ?? false)
  }
}
