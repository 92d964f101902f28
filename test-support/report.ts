import type Stripe from 'stripe'
import { readRun, OUTPUTS, type RunSetup } from '../src/contract.js'
import type { ObjectName } from '../src/objects/registry.js'
import type { StripeObject } from '../src/objects/spec.js'
import { RunReport } from '../src/report/collect.js'
import type { Feature, FeatureContext } from '../src/report/feature.js'
import { buildOutputs, type Outputs } from '../src/report/outputs.js'
import { privacy } from '../src/report/privacy.js'
import { renderSummary } from '../src/report/summary.js'
import type { ArrivalOrder } from '../src/sync/run.js'
import { isoSeconds } from '../src/time.js'
import { makeCharge } from './fixtures.js'

/**
 * A run's report without Stripe or Postgres, for the features' and the summary's unit tests: the
 * inputs read as `main.ts` reads them (so each feature is set up by its own module), batches handed
 * to the features as the sync hands them, and the outputs and summary built from them.
 */
export const DAY = 86400
/** Noon UTC, 20 November 2026: the unit tests' "now" is two days later. */
export const T = Date.UTC(2026, 10, 20, 12) / 1000
export const NOW = new Date((T + 2 * DAY) * 1000)

type ChargeSpec = Parameters<typeof makeCharge>[0]

/** A succeeded charge (unless `more` says otherwise). */
export function charge(id: string, amount: number, currency: string, created = T, more: Partial<ChargeSpec> = {}): Stripe.Charge {
  return makeCharge({ id, created, amount, currency, status: 'succeeded', ...more })
}

/**
 * The setup of a run from its inputs: by default charges, all of them, created in the week before T,
 * on a private repository (nothing connects to the database named).
 */
export function setupOf(inputs: Record<string, string> = {}, visibility: 'private' | 'public' | 'unknown' = 'private'): RunSetup {
  const repositoryPrivate = visibility === 'unknown' ? undefined : visibility === 'private'
  const all: Record<string, string> = {
    'stripe-secret-key': 'sk_test_UnitTests123',
    'database-url': 'postgres://tests@localhost/tests',
    limit: 'all',
    'created-after': isoSeconds(T - 6 * DAY),
    'created-before': isoSeconds(T + DAY),
    ...inputs
  }
  return readRun({ input: (name) => all[name] ?? '', now: NOW, repositoryPrivate })
}

export interface Stored {
  name?: ObjectName
  objects: readonly StripeObject[]
  order?: ArrivalOrder
  changed?: boolean
  account?: string
}

/** The run's report with every batch observed as stored (claims marked as a first run marks them) and the objects' counts. */
export function reportOf(setup: RunSetup, batches: readonly Stored[], counts: { stored?: number } = {}): RunReport {
  const report = new RunReport(setup.config.objects, OUTPUTS)
  report.features.push(...setup.features)
  for (const batch of batches) {
    const name = batch.name ?? 'charges'
    const claimed = new Set(report.claim(name, batch.objects) ?? [])
    report.observe({ name, objects: batch.objects, order: batch.order ?? 'newest-first', claimed, changed: batch.changed ?? false, account: batch.account })
    if (batch.changed) continue
    const p = report.of(name)
    p.matched += batch.objects.length
    p.scanned += batch.objects.length
    p.pages += 1
    p.stored += batch.objects.length
  }
  if (counts.stored !== undefined) report.of('charges').stored = counts.stored
  return report
}

/** A charges run's report: the charges stored newest first. */
export function chargesReport(charges: readonly Stripe.Charge[], inputs: Record<string, string> = {}, counts: { stored?: number } = {}): RunReport {
  return reportOf(setupOf(inputs), [{ objects: charges }], counts)
}

/** What the summary renders with, for a setup. */
export function contextOf(setup: RunSetup, report: RunReport, extra: Partial<FeatureContext> = {}): FeatureContext {
  return { config: setup.config, privacy: privacy(setup.config.customerDetails, setup.config.summaryAmounts), now: NOW, run: report, ...extra }
}

/** The summary of a run of this setup; `limitBytes` as GitHub's limit. */
export function summaryOf(setup: RunSetup, report: RunReport, extra: Partial<FeatureContext> = {}, limitBytes?: number): string {
  return renderSummary(report, contextOf(setup, report, extra), String, limitBytes)
}

/** A charges run's summary, from its inputs. */
export function chargesSummary(charges: readonly Stripe.Charge[], inputs: Record<string, string> = {}, counts: { stored?: number } = {}): string {
  const setup = setupOf(inputs)
  return summaryOf(setup, reportOf(setup, [{ objects: charges }], counts))
}

/** The run's outputs. */
export function outputsOf(report: RunReport, dryRun = false, mode: 'show' | 'mask' | 'hide' = 'show'): Outputs {
  return buildOutputs(report, OUTPUTS, { dryRun, privacy: privacy(mode) })
}

/** The run's instance of a feature class. */
export function featureOf<F extends Feature>(report: RunReport, type: abstract new (...args: never[]) => F): F {
  const found = report.features.find((f): f is F => f instanceof type)
  if (!found) throw new Error(`the run has no ${type.name}`)
  return found
}
