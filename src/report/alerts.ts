import type Stripe from 'stripe'
import type { Thresholds } from '../config.js'
import { chargeEmail } from '../objects/charges.js'
import type { ArrivalOrder } from '../sync/run.js'
import { isoSeconds } from '../time.js'
import { dashboardUrl } from './links.js'
import { formatMinor, majorToMinor } from './money.js'
import { keepNewest } from './newest.js'
import type { Privacy } from './privacy.js'

/** How many high-value charges the output lists, and how many get a ::notice:: annotation. */
export const MAX_HIGH_VALUE_LISTED = 50
export const MAX_HIGH_VALUE_NOTICES = 10

export function thresholdMinor(thresholds: Thresholds, currency: string): number | undefined {
  const major = thresholds.byCurrency.get(currency.toLowerCase()) ?? thresholds.all
  return major === undefined ? undefined : majorToMinor(major, currency)
}

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
 * The run's high-value charges. A charge qualifies when it succeeded and its amount is at or above
 * the threshold for its currency; it is announced once — the first run that stores it qualifying
 * marks its row (`alerted_at`), and no later run announces it again. A dry run, which remembers
 * nothing, lists every qualifying charge it sees.
 */
export class HighValueCollector {
  count = 0
  /** Newest first. */
  readonly kept: Stripe.Charge[] = []
  /** Large charges that failed: shown, never alerted. */
  failedCount = 0
  readonly failed: Stripe.Charge[] = []
  private readonly cache = new Map<string, number | undefined>()

  constructor(
    readonly thresholds: Thresholds,
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
      dashboard_url: dashboardUrl(c, this.stripeAccount)
    }))
  }
}
