import type Stripe from 'stripe'
import { StripeRequestError } from './errors.js'
import { DEFAULT_RETRY, withRetries, type RetryOptions } from './retry.js'

export const MAX_PAGE_SIZE = 100

export interface ChargeWindow {
  /** Unix seconds, inclusive. */
  gte?: number
  /** Unix seconds, exclusive. */
  lt?: number
}

/** One request: up to `limit` charges of the window, newest first, after `startingAfter`. */
export async function listChargesPage(
  stripe: Stripe,
  window: ChargeWindow,
  limit: number,
  startingAfter: string | undefined,
  retry: RetryOptions = DEFAULT_RETRY
): Promise<Stripe.ApiList<Stripe.Charge>> {
  const params: Stripe.ChargeListParams = { limit: Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit))) }
  const created: Stripe.RangeQueryParam = {}
  if (window.gte !== undefined) created.gte = window.gte
  if (window.lt !== undefined) created.lt = window.lt
  if (Object.keys(created).length > 0) params.created = created
  if (startingAfter) params.starting_after = startingAfter
  try {
    return await withRetries(() => stripe.charges.list(params), retry)
  } catch (error) {
    throw new StripeRequestError(error, 'list charges', 'Charges: Read')
  }
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
  let startingAfter: string | undefined
  for (;;) {
    const page = await listChargesPage(stripe, options.window, options.pageSize(), startingAfter, options.retry)
    yield page.data
    const last = page.data.at(-1)
    if (!page.has_more || !last) return
    startingAfter = last.id
  }
}
