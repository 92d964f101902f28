import type Stripe from 'stripe'
import type { ChargeStatus } from './config.js'

/**
 * Stripe's list endpoint cannot filter by status, so the action does, page by page, keeping page
 * order (newest first) and stopping at `remaining`.
 */
export function takeMatching(page: readonly Stripe.Charge[], statuses: ReadonlySet<ChargeStatus>, remaining: number): Stripe.Charge[] {
  const matched: Stripe.Charge[] = []
  for (const charge of page) {
    if (matched.length >= remaining) break
    if (statuses.has(charge.status as ChargeStatus)) matched.push(charge)
  }
  return matched
}
