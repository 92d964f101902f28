import type Stripe from 'stripe'
import { StripeRequestError } from './errors.js'
import { DEFAULT_RETRY, withRateLimitRetry, type RetryOptions } from './retry.js'

export const MAX_PAGE_SIZE = 100

export interface ChargeWindow {
  /** Unix seconds, inclusive. */
  gte?: number
  /** Unix seconds, exclusive. */
  lt?: number
}

export interface ChargePagesOptions {
  window: ChargeWindow
  /** Asked before each request: how many charges to ask for (1–100). */
  pageSize: () => number
  retry?: RetryOptions
}

/**
 * Charges newest first, one Stripe page at a time, following `starting_after`. The caller decides
 * when it has enough and stops iterating; no request is made beyond that.
 */
export async function* chargePages(stripe: Stripe, options: ChargePagesOptions): AsyncGenerator<Stripe.Charge[]> {
  const created: Stripe.RangeQueryParam = {}
  if (options.window.gte !== undefined) created.gte = options.window.gte
  if (options.window.lt !== undefined) created.lt = options.window.lt
  let startingAfter: string | undefined
  for (;;) {
    const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(options.pageSize())))
    const params: Stripe.ChargeListParams = { limit }
    if (Object.keys(created).length > 0) params.created = created
    if (startingAfter) params.starting_after = startingAfter
    let page: Stripe.ApiList<Stripe.Charge>
    try {
      page = await withRateLimitRetry(() => stripe.charges.list(params), options.retry ?? DEFAULT_RETRY)
    } catch (error) {
      throw new StripeRequestError(error, 'list charges', 'Charges: Read')
    }
    yield page.data
    const last = page.data.at(-1)
    if (!page.has_more || !last) return
    startingAfter = last.id
  }
}
