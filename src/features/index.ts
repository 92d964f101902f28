import type { Config } from '../config.js'
import type { Feature } from '../report/view.js'
import { RecurringRevenue } from './billing.js'
import { ConnectAccounts } from './connect.js'
import { DailyReport } from './daily-report.js'
import { HighValueCollector } from './high-value.js'
import { PayoutReconciliation } from './reconciliation.js'

/** The run's features, each described once in this folder, in the order they report; those the inputs do not call for are left out. */
export function featuresFor(config: Config): { features: Feature[]; connect?: ConnectAccounts } {
  const has = (name: Config['objects'][number]) => config.objects.includes(name)
  const connect = config.accounts ? new ConnectAccounts(config) : undefined
  const features: Array<Feature | undefined> = [
    has('charges') || has('balance_transactions') || has('disputes') ? new DailyReport(config) : undefined,
    config.highValue ? new HighValueCollector(config.highValue, config.stripeAccount) : undefined,
    has('payouts') ? new PayoutReconciliation(config) : undefined,
    connect,
    has('subscriptions') || has('invoices')
      ? new RecurringRevenue({ subscriptions: has('subscriptions'), invoices: has('invoices'), amounts: config.summaryAmounts === 'show' })
      : undefined
  ]
  return { features: features.filter((f) => f !== undefined), connect }
}
