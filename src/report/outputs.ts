import { OBJECTS } from '../objects/registry.js'
import type { ObjectName } from '../objects/registry.js'
import { isoSeconds } from '../time.js'
import type { Outputs } from './output-names.js'
import type { RunReport } from './collect.js'
import { formatMinor } from './money.js'
import type { Privacy } from './privacy.js'

/** "120 balance transactions", "1 dispute". */
export function countOf(name: ObjectName, n: number): string {
  const spec = OBJECTS.find((o) => o.name === name)!
  return `${n} ${n === 1 ? spec.noun : spec.plural}`
}

/** The seed job's message for a charges run; other objects are listed after the charges. */
export function runMessage(report: Pick<RunReport, 'objects' | 'progress'>, dryRun: boolean): string {
  const counts = report.objects.map((name) => {
    const n = report.progress.get(name)?.matched ?? 0
    return name === 'charges' ? `${n} Stripe charges` : countOf(name, n)
  })
  const list = counts.length <= 1 ? (counts[0] ?? '0 Stripe charges') : `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}`
  return dryRun ? `Dry run: found ${list}; nothing stored` : `Successfully processed ${list}`
}

interface CurrencyTotalsJson {
  count: number
  amount_minor: number
  amount: string
  refunded_minor: number
  refunded: string
  net_minor: number
  net: string
  succeeded_count: number
  pending_count: number
  failed_count: number
  failed_amount_minor: number
  failed_amount: string
  fee_minor?: number
  fee?: string
  balance_net_minor?: number
  balance_net?: string
}

/** `totals`: per currency, gross/refunded/net of succeeded charges, counts by status, and fees from balance transactions. */
export function totalsJson(report: RunReport): Record<string, CurrencyTotalsJson> {
  const json: Record<string, CurrencyTotalsJson> = {}
  for (const currency of report.totals.currencies()) {
    const t = report.totals.byCurrency.get(currency)!
    json[currency] = {
      count: t.count,
      amount_minor: t.grossMinor,
      amount: formatMinor(t.grossMinor, currency),
      refunded_minor: t.refundedMinor,
      refunded: formatMinor(t.refundedMinor, currency),
      net_minor: t.grossMinor - t.refundedMinor,
      net: formatMinor(t.grossMinor - t.refundedMinor, currency),
      succeeded_count: t.succeededCount,
      pending_count: t.pendingCount,
      failed_count: t.failedCount,
      failed_amount_minor: t.failedMinor,
      failed_amount: formatMinor(t.failedMinor, currency)
    }
  }
  for (const [currency, b] of [...report.balance].sort(([a], [b]) => a.localeCompare(b))) {
    const entry = (json[currency] ??= {
      count: 0,
      amount_minor: 0,
      amount: formatMinor(0, currency),
      refunded_minor: 0,
      refunded: formatMinor(0, currency),
      net_minor: 0,
      net: formatMinor(0, currency),
      succeeded_count: 0,
      pending_count: 0,
      failed_count: 0,
      failed_amount_minor: 0,
      failed_amount: formatMinor(0, currency)
    })
    entry.fee_minor = b.feeMinor
    entry.fee = formatMinor(b.feeMinor, currency)
    entry.balance_net_minor = b.netMinor
    entry.balance_net = formatMinor(b.netMinor, currency)
  }
  return json
}

/** The step's outputs, every one a string as GitHub stores them. */
export function buildOutputs(report: RunReport, options: { dryRun: boolean; privacy: Privacy; skipped?: boolean }): Outputs {
  const { totals } = report
  const message = runMessage(report, options.dryRun)
  // The original job's fields: the run's charges as filtered by `status`, whatever their status.
  const usdMinor = totals.byCurrency.get('usd')?.amountMinor ?? 0
  const currencies = totals.currencies()
  const single = currencies.length === 1 ? currencies[0]! : undefined
  const charges = report.progress.get('charges')
  const totalsOut = totalsJson(report)

  const result = {
    message,
    total_amount_cents: usdMinor,
    total_amount_usd: Number(formatMinor(usdMinor, 'usd')),
    charge_count: charges?.matched ?? 0,
    charges_stored: charges?.stored ?? 0,
    charges_updated: charges?.updated ?? 0,
    totals: totalsOut,
    dry_run: options.dryRun
  }

  const cursors = [...report.incremental.values()].map((r) => r.cursor)
  const counts: Record<string, { fetched: number; stored: number; updated: number; rejected: number }> = {}
  for (const name of report.objects) {
    const p = report.of(name)
    counts[name] = { fetched: p.matched, stored: p.stored, updated: p.updated, rejected: p.rejected }
  }
  return {
    message,
    charge_count: String(charges?.matched ?? 0),
    charges_stored: String(charges?.stored ?? 0),
    charges_updated: String(charges?.updated ?? 0),
    total_amount_cents: String(usdMinor),
    total_amount_usd: formatMinor(usdMinor, 'usd'),
    currency: currencies.length === 0 ? '' : (single ?? 'mixed'),
    total_amount: single ? formatMinor(totals.byCurrency.get(single)!.amountMinor, single) : '',
    totals: JSON.stringify(totalsOut),
    result: JSON.stringify(result),
    // Every object created at or before this time is stored (the second before the oldest resume point).
    cursor: cursors.length > 0 ? isoSeconds(Math.min(...cursors) - 1) : '',
    events_processed: String([...report.incremental.values()].reduce((n, r) => n + r.eventsProcessed, 0)),
    skipped: String(options.skipped ?? false),
    // Empty values: a feature that runs sets its own below.
    high_value_count: '0',
    high_value_charges: '[]',
    high_value_truncated: 'false',
    object_counts: JSON.stringify(counts),
    rejected_count: String(report.total('rejected')),
    payouts_reconciled: '0',
    payouts: '[]',
    journal_csv: '',
    mrr: '{}',
    stripe_requests: String(report.stripeRequests),
    journal_files: '[]',
    accounts_synced: options.skipped ? '0' : '1',
    accounts_skipped: '[]',
    ...Object.assign({}, ...report.features.map((f) => f.outputs?.(options.privacy) ?? {}))
  }
}
