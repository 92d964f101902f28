import Stripe from 'stripe'
import type { Config } from '../config.js'
import { STRIPE_API_VERSION } from '../api-version.js'
import { endpointOf, type RateLimits } from './limiter.js'

/** Per-request timeout. Stripe answers list calls in well under a second; 30 s means something is wrong. */
export const STRIPE_TIMEOUT_MS = 30_000

type Client = ReturnType<typeof Stripe.createNodeHttpClient>

/**
 * The SDK's own HTTP client behind the run's rate limits: every request waits for its turn on its
 * endpoint and on the global limit — including retries — and every 429 slows its endpoint down.
 */
class RateLimitedHttpClient extends Stripe.HttpClient {
  constructor(
    private readonly inner: Client,
    private readonly limits: RateLimits,
    private readonly onAnswer: () => void
  ) {
    super()
  }

  override getClientName(): string {
    return this.inner.getClientName()
  }

  override async makeRequest(...args: Parameters<Client['makeRequest']>): ReturnType<Client['makeRequest']> {
    const endpoint = endpointOf(args[3], args[2])
    await this.limits.acquire(endpoint)
    const response = await this.inner.makeRequest(...args)
    if (response.getStatusCode() < 300) this.onAnswer()
    if (response.getStatusCode() === 429) {
      const headers = response.getHeaders()
      const retryAfter = Number(headers['retry-after'])
      const reason = headers['stripe-rate-limited-reason']
      this.limits.onRateLimited(endpoint, Number.isFinite(retryAfter) ? retryAfter : undefined, typeof reason === 'string' ? reason : undefined)
    }
    return response
  }
}

/**
 * The official SDK, pointed at `stripe-api-base`. The SDK itself retries connection errors, 409s
 * and 5xx (with its own backoff); 429s are retried by `withRetries`.
 */
export function createStripeClient(
  config: Pick<Config, 'stripeKey' | 'stripeAccount' | 'stripeApiBase'>,
  limits?: RateLimits,
  timeoutMs = STRIPE_TIMEOUT_MS,
  /** Told each time Stripe answers a request successfully. */
  onAnswer: () => void = () => {}
): Stripe {
  const base = config.stripeApiBase
  const protocol = base.protocol === 'http:' ? 'http' : 'https'
  return new Stripe(config.stripeKey, {
    apiVersion: STRIPE_API_VERSION,
    protocol,
    host: base.hostname,
    port: base.port || (protocol === 'http' ? 80 : 443),
    maxNetworkRetries: 3,
    timeout: timeoutMs,
    telemetry: false,
    stripeAccount: config.stripeAccount,
    appInfo: { name: 'stripe-payment-monitor', url: 'https://github.com/marketplace/actions/stripe-payment-monitor' },
    ...(limits ? { httpClient: new RateLimitedHttpClient(Stripe.createNodeHttpClient(), limits, onAnswer) } : {})
  })
}
