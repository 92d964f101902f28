import Stripe from 'stripe'
import { ActionError } from '../errors.js'

export interface RetryOptions {
  /** How many times a request refused with 429 is retried before giving up. */
  maxRetries: number
  baseDelayMs: number
  maxDelayMs: number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Told about each wait, for the log. */
  onWait?: (delayMs: number, attempt: number) => void
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 30_000 }

/** Stripe refused the request for its rate limit and kept refusing after every retry. */
export class RateLimitExhaustedError extends ActionError {
  constructor(readonly attempts: number) {
    super(
      `Stripe rate limit: requests were still refused (429) after ${attempts} attempts. ` +
        "Another integration may be using most of the account's rate limit; try again later or run less often."
    )
    this.name = 'RateLimitExhaustedError'
  }
}

export function isRateLimited(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeError && (error.statusCode === 429 || error.type === 'StripeRateLimitError')
}

/** A body that did not parse (cut off on the way): a read is safe to repeat. */
export function isGarbledResponse(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeAPIError && /^Invalid JSON received/.test(error.message)
}

/** Delay before retry `attempt` (1-based): Retry-After when Stripe sent it, else full-jitter exponential backoff. */
export function backoffDelay(attempt: number, retryAfterHeader: string | undefined, options: RetryOptions, random = Math.random): number {
  const retryAfter = retryAfterHeader === undefined ? NaN : Number(retryAfterHeader)
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, options.maxDelayMs)
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Retries a read refused with 429 (the SDK does not) or answered with a garbled body, a bounded
 * number of times. Connection errors, timeouts and 5xx are retried inside the SDK.
 */
export async function withRetries<T>(request: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  const sleep = options.sleep ?? defaultSleep
  for (let attempt = 1; ; attempt++) {
    try {
      return await request()
    } catch (error) {
      if (isGarbledResponse(error) && attempt <= options.maxRetries) {
        await sleep(backoffDelay(attempt, undefined, options, options.random))
        continue
      }
      if (!isRateLimited(error)) throw error
      if (attempt > options.maxRetries) throw new RateLimitExhaustedError(attempt)
      const header = error.headers?.['retry-after']
      const delay = backoffDelay(attempt, typeof header === 'string' ? header : undefined, options, options.random)
      options.onWait?.(delay, attempt)
      await sleep(delay)
    }
  }
}
