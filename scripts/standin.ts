/**
 * `npm run standin -- [--port 12111] [--charges 500] [--seed 1]`: the repo's Stripe stand-in as a
 * standalone server, seeded with generated charges from the last 14 days. Used by the CI workflow
 * to run `uses: ./` without a Stripe account; handy for trying the action by hand.
 */
import { parseArgs } from 'node:util'
import { generateCharges } from '../test-support/fixtures.js'
import { StripeStandIn } from '../test-support/stripe-standin.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    charges: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' }
  }
})
const now = Math.floor(Date.now() / 1000)
const stripe = new StripeStandIn()
stripe.addCharges(generateCharges({ count: Number(values.charges), seed: Number(values.seed), from: now - 14 * 86400, to: now - 60 }))
await stripe.start(Number(values.port))
console.log(`Stripe stand-in listening on ${stripe.url} with ${values.charges} charges`)
const stop = () => void stripe.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
