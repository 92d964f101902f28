import { spikeMonitor } from './spike.js'

/** `refunds`: refunds far above the same hours over 4 weeks (a refund script gone wrong, a fulfilment failure). */
export const refunds = spikeMonitor({
  name: 'refunds',
  object: 'refunds',
  where: `t.status <> 'failed' AND t.status <> 'canceled'`,
  noun: 'refunds',
  dashboard: 'payments?status[0]=refunded',
  windowHours: 3,
  min: 10,
  rule: 'refunds in the last hours far above the same hours over the last 4 weeks',
  historyOf: 'charges'
})
