import { spikeMonitor } from './spike.js'

/**
 * `renewals`: subscription renewals failing. A renewal invoice (`billing_reason` subscription_cycle)
 * whose first payment attempt failed: retried (`attempt_count` above 1), or attempted and still
 * open or uncollectible. Counted over the last day against the same weekday over 4 weeks.
 */
export const renewals = spikeMonitor({
  name: 'renewals',
  object: 'invoices',
  where: `t.billing_reason = 'subscription_cycle' AND (t.attempt_count > 1 OR (t.attempt_count >= 1 AND t.status IN ('open', 'uncollectible')))`,
  noun: 'failed renewals',
  dashboard: 'invoices?status=open',
  windowHours: 24,
  min: 5,
  rule: 'subscription renewals whose payment failed in the last day, far above the same weekday over the last 4 weeks'
})
