import type Stripe from 'stripe'
import { isoSeconds } from '../config.js'
import { formatMinor, majorToMinor } from './money.js'
import { dashboardUrl } from './links.js'
import { keepNewest, type ArrivalOrder } from './newest.js'

/** `high-value-threshold`: one amount for every currency, and/or amounts per currency (major units). */
export interface Thresholds {
  all: string | undefined
  byCurrency: ReadonlyMap<string, string>
}

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

/** Collects the run's high-value charges: counts all, keeps the newest MAX_HIGH_VALUE_LISTED. */
export class HighValueCollector {
  count = 0
  /** Newest first. */
  readonly kept: Stripe.Charge[] = []
  private readonly cache = new Map<string, number | undefined>()

  constructor(
    readonly thresholds: Thresholds,
    private readonly stripeAccount?: string
  ) {}

  isHighValue(charge: Stripe.Charge): boolean {
    const currency = charge.currency.toLowerCase()
    if (!this.cache.has(currency)) this.cache.set(currency, thresholdMinor(this.thresholds, currency))
    const threshold = this.cache.get(currency)
    return threshold !== undefined && charge.amount >= threshold
  }

  add(charge: Stripe.Charge, order: ArrivalOrder): void {
    if (!this.isHighValue(charge)) return
    this.count += 1
    keepNewest(this.kept, charge, MAX_HIGH_VALUE_LISTED, order)
  }

  get truncated(): boolean {
    return this.count > this.kept.length
  }

  entries(): HighValueCharge[] {
    return this.kept.map((c) => ({
      id: c.id,
      amount: formatMinor(c.amount, c.currency),
      amount_minor: c.amount,
      currency: c.currency,
      customer_email: c.receipt_email ?? c.billing_details?.email ?? null,
      // Outputs have size limits; a description is context, not data.
      description: c.description == null ? null : c.description.length > 200 ? `${c.description.slice(0, 199)}…` : c.description,
      created: isoSeconds(c.created),
      dashboard_url: dashboardUrl(c, this.stripeAccount)
    }))
  }
}
