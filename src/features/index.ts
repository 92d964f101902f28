import type { FeatureModule } from '../report/feature.js'
import { billing } from './billing/feature.js'
import { connect } from './connect/feature.js'
import { dailyReport } from './daily-report/feature.js'
import { highValue } from './high-value/feature.js'
import { monitor } from './monitor/feature.js'
import { reconciliation } from './reconciliation/feature.js'
import { records } from './records/feature.js'

/**
 * Every feature, each described once in its folder, in the order they report (and their views are
 * made). Adding a feature is its folder and one line here.
 */
export const FEATURES: readonly FeatureModule[] = [dailyReport, highValue, reconciliation, records, connect, billing, monitor]
