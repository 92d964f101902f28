import { OBJECTS } from '../objects/registry.js'
import type { ObjectName } from '../objects/registry.js'
import { isoSeconds } from '../time.js'
import type { RunReport } from './collect.js'
import type { Feature, OutputContext, OutputDeclaration } from './feature.js'
import type { Privacy } from './privacy.js'

// One declaration a line, as a table.
// prettier-ignore
export const GENERIC_OUTPUTS = [
  { name: 'message', empty: '', successOnly: true, description: '"Successfully processed N Stripe charges" (other objects listed after), or for a dry run "Dry run: found N Stripe charges; nothing stored". Not set when the run fails.' },
  { name: 'cursor', empty: '', description: 'Incremental runs - every object of the synced kinds created at or before this ISO time is stored. Empty otherwise.' },
  { name: 'events_processed', empty: '0', description: 'Incremental runs - Stripe change events replayed this run, all objects together.' },
  { name: 'skipped', empty: 'false', description: "true when another run held the schema's lock and this run wrote nothing; else false." },
  { name: 'object_counts', empty: '{}', keptAfterFailure: true, description: 'JSON keyed by object: {"charges": {"fetched": 120, "stored": 20, "updated": 3, "rejected": 0}, …}. fetched - listed in the range the run covered; stored - rows added, which also come from change and deletion events and payout reconciliation, so stored can exceed fetched.' },
  { name: 'rejected_count', empty: '0', keptAfterFailure: true, description: 'Objects quarantined this run in stripe_sync_rejects (malformed, or refused by Postgres); the sync went on without them.' },
  { name: 'stripe_requests', empty: '0', keptAfterFailure: true, description: 'The Stripe API requests this run made, retries included. Stripe counts reads against a monthly allocation (at least 10,000); the job summary projects a month from the schedule of the recent runs and warns past 10,000.' }
] as const satisfies readonly OutputDeclaration[]

export type Outputs = Record<string, string>

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

/** Each declared output's empty value. */
export function emptyOutputs(declarations: readonly OutputDeclaration[], skipped: boolean): Outputs {
  return Object.fromEntries(declarations.map((d) => [d.name, typeof d.empty === 'string' ? d.empty : d.empty({ skipped })]))
}

/**
 * The step's outputs, every one a string as GitHub stores them: each declared output's empty value
 * (the generic ones and every feature's, `declared`), then the generic values and what the run's
 * features set.
 */
export function buildOutputs(
  report: RunReport,
  declared: readonly OutputDeclaration[],
  options: { dryRun: boolean; privacy: Privacy; skipped?: boolean }
): Outputs {
  const skipped = options.skipped ?? false
  const message = runMessage(report, options.dryRun)
  const cursors = [...report.incremental.values()].map((r) => r.cursor)
  const counts: Record<string, { fetched: number; stored: number; updated: number; rejected: number }> = {}
  for (const name of report.objects) {
    const p = report.of(name)
    counts[name] = { fetched: p.matched, stored: p.stored, updated: p.updated, rejected: p.rejected }
  }
  const generic: Record<(typeof GENERIC_OUTPUTS)[number]['name'], string> = {
    message,
    // Every object created at or before this time is stored (the second before the oldest resume point).
    cursor: cursors.length > 0 ? isoSeconds(Math.min(...cursors) - 1) : '',
    events_processed: String([...report.incremental.values()].reduce((n, r) => n + r.eventsProcessed, 0)),
    skipped: String(skipped),
    object_counts: JSON.stringify(counts),
    rejected_count: String(report.total('rejected')),
    stripe_requests: String(report.stripeRequests)
  }
  const context: OutputContext = { privacy: options.privacy, dryRun: options.dryRun, message, run: report, skipped }
  return Object.assign(emptyOutputs(declared, skipped), generic, ...report.features.map((f: Feature) => f.outputs?.(context) ?? {}))
}

/** The outputs set after a failure: the counts of what was committed (the rest would describe a run that did not finish). */
export function outputsAfterFailure(outputs: Outputs, declared: readonly OutputDeclaration[]): Outputs {
  return Object.fromEntries(declared.filter((d) => d.keptAfterFailure).map((d) => [d.name, outputs[d.name] ?? '']))
}
