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

/** The step's outputs, every one a string as GitHub stores them: each output's empty value, then what the run's features set. */
export function buildOutputs(report: RunReport, options: { dryRun: boolean; privacy: Privacy; skipped?: boolean }): Outputs {
  const message = runMessage(report, options.dryRun)
  const charges = report.progress.get('charges')
  const cursors = [...report.incremental.values()].map((r) => r.cursor)
  const counts: Record<string, { fetched: number; stored: number; updated: number; rejected: number }> = {}
  for (const name of report.objects) {
    const p = report.of(name)
    counts[name] = { fetched: p.matched, stored: p.stored, updated: p.updated, rejected: p.rejected }
  }
  const outputs: Omit<Outputs, 'result'> = {
    message,
    charge_count: String(charges?.matched ?? 0),
    charges_stored: String(charges?.stored ?? 0),
    charges_updated: String(charges?.updated ?? 0),
    // Empty values: a feature that runs sets its own below (the daily report: the charges' totals).
    total_amount_cents: '0',
    total_amount_usd: formatMinor(0, 'usd'),
    currency: '',
    total_amount: '',
    totals: '{}',
    // Every object created at or before this time is stored (the second before the oldest resume point).
    cursor: cursors.length > 0 ? isoSeconds(Math.min(...cursors) - 1) : '',
    events_processed: String([...report.incremental.values()].reduce((n, r) => n + r.eventsProcessed, 0)),
    skipped: String(options.skipped ?? false),
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
  return { ...outputs, result: JSON.stringify(seedResponse(outputs, options.dryRun)) }
}

/** `result`: the original job's response, from the outputs it is made of. */
function seedResponse(outputs: Omit<Outputs, 'result'>, dryRun: boolean): Record<string, unknown> {
  return {
    message: outputs.message,
    total_amount_cents: Number(outputs.total_amount_cents),
    total_amount_usd: Number(outputs.total_amount_usd),
    charge_count: Number(outputs.charge_count),
    charges_stored: Number(outputs.charges_stored),
    charges_updated: Number(outputs.charges_updated),
    totals: JSON.parse(outputs.totals) as unknown,
    dry_run: dryRun
  }
}
