import { compareCodes } from '../../text.js'

/**
 * The run's charges added up, per currency: what the daily report's outputs and tables show. Amounts
 * stay integer minor units.
 */
export interface CurrencyTotal {
  /** Charges in the run in this currency, whatever their status (as filtered by `status`). */
  count: number
  /** Sum of `amount` over them, minor units (the original job's total). */
  amountMinor: number
  succeededCount: number
  pendingCount: number
  failedCount: number
  /** Succeeded charges only: money that is money. */
  grossMinor: number
  refundedMinor: number
  failedMinor: number
  pendingMinor: number
}

/**
 * Per-currency running totals, and succeeded gross per UTC day per currency for the chart. Memory
 * grows with currencies × days, never with the number of charges.
 */
export class Totals {
  readonly byCurrency = new Map<string, CurrencyTotal>()
  /** currency → UTC day number (Unix seconds / 86400) → succeeded gross, minor units. */
  readonly daily = new Map<string, Map<number, number>>()
  /** The oldest and newest `created` among the charges added. */
  firstCreated: number | undefined
  lastCreated: number | undefined

  add(charge: { currency: string; amount: number; amount_refunded?: number | null; created?: number; status?: string }): void {
    const currency = charge.currency.toLowerCase()
    let total = this.byCurrency.get(currency)
    if (!total) {
      total = { count: 0, amountMinor: 0, succeededCount: 0, pendingCount: 0, failedCount: 0, grossMinor: 0, refundedMinor: 0, failedMinor: 0, pendingMinor: 0 }
      this.byCurrency.set(currency, total)
    }
    total.count += 1
    total.amountMinor += charge.amount
    if (charge.created !== undefined) {
      if (this.firstCreated === undefined || charge.created < this.firstCreated) this.firstCreated = charge.created
      if (this.lastCreated === undefined || charge.created > this.lastCreated) this.lastCreated = charge.created
    }
    if (charge.status === 'failed') {
      total.failedCount += 1
      total.failedMinor += charge.amount
      return
    }
    if (charge.status === 'pending') {
      total.pendingCount += 1
      total.pendingMinor += charge.amount
      return
    }
    // Only succeeded charges are money (a status Stripe adds later is left out).
    if (charge.status !== undefined && charge.status !== 'succeeded') return
    total.succeededCount += 1
    total.grossMinor += charge.amount
    total.refundedMinor += charge.amount_refunded ?? 0
    if (charge.created !== undefined) {
      let days = this.daily.get(currency)
      if (!days) this.daily.set(currency, (days = new Map()))
      const day = Math.floor(charge.created / 86400)
      days.set(day, (days.get(day) ?? 0) + charge.amount)
    }
  }

  get count(): number {
    let n = 0
    for (const t of this.byCurrency.values()) n += t.count
    return n
  }

  /** Currencies by charge count, most first (ties by code), so "main currency" is stable. */
  currencies(): string[] {
    return [...this.byCurrency.entries()].sort((a, b) => b[1].count - a[1].count || compareCodes(a[0], b[0])).map(([c]) => c)
  }
}
