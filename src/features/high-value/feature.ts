import type Stripe from 'stripe'
import { chargeEmail } from '../../objects/charges.js'
import { chargesIn, type ObjectName } from '../../objects/registry.js'
import type { StripeObject } from '../../objects/spec.js'
import { AccountsOf } from '../../report/collect.js'
import { defineFeature, type Feature, type OutputOf, type OutputContext, type SummaryContext } from '../../report/feature.js'
import { dashboardUrl } from '../../report/links.js'
import { formatMinor, formatMoney } from '../../report/money.js'
import { keepNewest } from '../../report/newest.js'
import type { Privacy } from '../../report/privacy.js'
import { amountsHidden, escapeCell } from '../../report/summary.js'
import type { ArrivalOrder, StoredBatch } from '../../sync/run.js'
import { compareCodes, formatCount, shownId } from '../../text.js'
import { isoSeconds } from '../../time.js'
import { chargeHeader, chargeRow, chargeTable } from '../shared/charge-table.js'
import { parseThresholds, thresholdMinor, type Thresholds } from './thresholds.js'

/** How many high-value charges the output lists, and how many get a ::notice:: annotation. */
export const MAX_HIGH_VALUE_LISTED = 50
export const MAX_HIGH_VALUE_NOTICES = 10

export interface HighValueCharge {
  id: string
  amount: string
  amount_minor: number
  currency: string
  customer_email: string | null
  description: string | null
  created: string
  dashboard_url: string
}

/**
 * High-value alerts, a feature: a charge qualifies when it succeeded and its amount is at or above
 * the threshold for its currency; it is announced once — the first run that stores it qualifying
 * marks its row (the charges' claim column, `alerted_at`), and no later run announces it again. A
 * dry run, which remembers nothing, lists every qualifying charge it sees. Outputs `high_value_*`,
 * a `::notice::` per charge (the first 10), a headline fact and a summary section.
 */
export class HighValueCollector implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'high-value alerts'
  count = 0
  /** Newest first. */
  readonly kept: Stripe.Charge[] = []
  /** Large charges that failed: shown, never alerted. */
  failedCount = 0
  readonly failed: Stripe.Charge[] = []
  private readonly cache = new Map<string, number | undefined>()
  /** Charges seen per currency (new in the run's period): the section lists the run's main currency first. */
  private readonly currencies = new Map<string, number>()
  /** The connected account of each listed charge (Connect). */
  private readonly accounts = new AccountsOf()

  constructor(
    readonly thresholds: Thresholds,
    /** The threshold as written, for the summary. */
    private readonly written: string,
    private readonly stripeAccount?: string
  ) {}

  private aboveThreshold(charge: Stripe.Charge): boolean {
    const currency = charge.currency.toLowerCase()
    if (!this.cache.has(currency)) this.cache.set(currency, thresholdMinor(this.thresholds, currency))
    const threshold = this.cache.get(currency)
    return threshold !== undefined && charge.amount >= threshold
  }

  qualifies(charge: Stripe.Charge): boolean {
    return charge.status === 'succeeded' && this.aboveThreshold(charge)
  }

  /** The ids of a batch to mark as alerted. */
  claimIds(charges: readonly Stripe.Charge[]): string[] {
    return charges.filter((c) => this.qualifies(c)).map((c) => c.id)
  }

  /** A charge the run stored: counted when it is alerted for the first time (`claimed`). */
  add(charge: Stripe.Charge, order: ArrivalOrder, claimed: boolean): void {
    if (claimed && this.qualifies(charge)) {
      this.count += 1
      keepNewest(this.kept, charge, MAX_HIGH_VALUE_LISTED, order)
    } else if (charge.status === 'failed' && this.aboveThreshold(charge)) {
      this.failedCount += 1
      keepNewest(this.failed, charge, MAX_HIGH_VALUE_LISTED, order)
    }
  }

  observe(batch: StoredBatch): void {
    const charges = chargesIn(batch)
    if (!charges) return
    for (const charge of charges) {
      this.add(charge, batch.order, batch.claimed.has(charge.id))
      if (!batch.changed) this.currencies.set(charge.currency.toLowerCase(), (this.currencies.get(charge.currency.toLowerCase()) ?? 0) + 1)
    }
    if (batch.account) {
      const listed = charges.filter((c) => this.aboveThreshold(c))
      this.accounts.note(listed, batch.account, () => [...this.kept, ...this.failed])
    }
  }

  /** The dashboard link of a listed charge: in its connected account's dashboard when it has one. */
  private link(c: Stripe.Charge): string {
    return dashboardUrl(c, this.accounts.get(c.id) ?? this.stripeAccount)
  }

  claim(name: ObjectName, objects: readonly StripeObject[]): string[] | undefined {
    const charges = chargesIn({ name, objects })
    return charges ? this.claimIds(charges) : undefined
  }

  outputs(ctx: OutputContext): Record<OutputOf<typeof CONTRACT>, string> {
    return {
      high_value_count: String(this.count),
      high_value_charges: JSON.stringify(this.entries(ctx.privacy)),
      high_value_truncated: String(this.truncated)
    }
  }

  facts(): Array<[string, string]> {
    return this.count > 0 ? [['High-value charges', `**${formatCount(this.count)}**`]] : []
  }

  news(): boolean {
    return this.count > 0
  }

  rows(): number {
    return Math.max(this.kept.length, this.failed.length)
  }

  notices(ctx: SummaryContext): string[] {
    const notices = this.kept.slice(0, MAX_HIGH_VALUE_NOTICES).map((c) => {
      const email = ctx.privacy.email(chargeEmail(c))
      // Annotations are as public as the summary: amounts only where summary-amounts shows them.
      const amount = amountsHidden(ctx) ? `${c.currency.toUpperCase()} charge` : formatMoney(c.amount, c.currency)
      return `High-value charge ${shownId(c.id)}: ${amount}${email ? ` from ${email}` : ''} (${this.link(c)})`
    })
    if (this.count > MAX_HIGH_VALUE_NOTICES) notices.push(`…and ${this.count - MAX_HIGH_VALUE_NOTICES} more high-value charges (see the job summary).`)
    return notices
  }

  section(ctx: SummaryContext, rows: number): string[] {
    const lines: string[] = []
    if (this.count > 0) {
      lines.push(`### High-value charges (${this.count})`, '')
      lines.push(
        `Succeeded charges at or above ${amountsHidden(ctx) ? 'the `high-value-threshold`' : escapeCell(this.written)}, announced once each${ctx.config.dryRun ? ' (a dry run remembers nothing: every one that qualifies is listed)' : ''}.`,
        ''
      )
      // By currency (the run's main one first), largest first within each.
      const order = [...this.currencies.entries()].sort((a, b) => b[1] - a[1] || compareCodes(a[0], b[0])).map(([c]) => c)
      const rank = (c: Stripe.Charge) => (order.indexOf(c.currency.toLowerCase()) + order.length + 1) % (order.length + 1)
      const sorted = [...this.kept].sort((a, b) => rank(a) - rank(b) || b.amount - a.amount).slice(0, rows)
      lines.push(...chargeTable(sorted, ctx, false, this.count - sorted.length, 'high-value charges', (id) => this.accounts.get(id)))
    }
    if (this.failedCount > 0) {
      lines.push(
        `<details><summary>Large failed charges (${this.failedCount}): not alerted</summary>`,
        '',
        ...chargeHeader(ctx, false),
        ...this.failed.slice(0, rows).map((c) => chargeRow(c, ctx, false, (id) => this.accounts.get(id))),
        '',
        '</details>',
        ''
      )
    }
    return lines
  }

  get truncated(): boolean {
    return this.count > this.kept.length
  }

  entries(privacy: Privacy): HighValueCharge[] {
    return this.kept.map((c) => ({
      id: c.id,
      amount: formatMinor(c.amount, c.currency),
      amount_minor: c.amount,
      currency: c.currency,
      customer_email: privacy.email(chargeEmail(c)),
      // Outputs have size limits; a description is context, not data.
      description: privacy.description(c.description, 200),
      created: isoSeconds(c.created),
      dashboard_url: this.link(c)
    }))
  }
}

/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
const CONTRACT = {
  inputs: [{ name: 'high-value-threshold', default: '', since: '1.0.0', description: 'Announce succeeded charges at or above an amount in major units, once each - 1000 for every currency, or per currency (usd:1000, eur:900, jpy:150000). Sets high_value_* outputs, a ::notice:: per charge and a summary section.' }],
  outputs: [
    { name: 'high_value_count', empty: '0', description: 'Succeeded charges at or above high-value-threshold announced for the first time this run (each charge is announced once).' },
    { name: 'high_value_charges', empty: '[]', description: 'JSON array of the newest 50 of them - {id, amount, amount_minor, currency, customer_email, description, created, dashboard_url}; emails and descriptions as customer-details allows.' },
    { name: 'high_value_truncated', empty: 'false', description: 'true when high_value_charges lists fewer than high_value_count.' }
  ]
} as const

export const highValue = defineFeature({
  name: 'high-value alerts',
  ...CONTRACT,
  // When a charge was first announced as high-value: each charge is alerted once, whichever run (or shard) stores it first.
  claims: { object: 'charges', column: { name: 'alerted_at', type: 'timestamptz', fromRow: false } },
  load: (inputs, config) => {
    const written = inputs.get('high-value-threshold')
    const thresholds = parseThresholds(written)
    return { views: [], feature: thresholds ? new HighValueCollector(thresholds, written, config.stripeAccount) : undefined }
  }
})
