import type { Monitor } from '../monitor.js'
import { cardTesting } from './card-testing.js'
import { declines } from './declines.js'
import { disputes } from './disputes.js'
import { payouts } from './payouts.js'
import { refunds } from './refunds.js'
import { renewals } from './renewals.js'
import { silence } from './silence.js'

/** Every monitor, in the order the summary lists them. Adding one is its file and a line here. */
export const MONITORS: readonly Monitor[] = [silence, declines, cardTesting, disputes, refunds, payouts, renewals]
