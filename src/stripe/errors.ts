import Stripe from 'stripe'
import { ActionError, type FailureContext } from '../errors.js'
import { isGarbledResponse } from './retry.js'

/** A Stripe call failed; carries what it was doing and the key permission that call needs. */
export class StripeRequestError extends ActionError {
  constructor(
    override readonly cause: unknown,
    readonly doing: string,
    readonly permission: string
  ) {
    super(cause instanceof Error ? cause.message : String(cause))
    this.name = 'StripeRequestError'
  }

  /** What Stripe said, as a user can act on it; an error of ours inside (a paging loop, 429s to the end) speaks for itself. */
  override describe(context?: FailureContext): string {
    if (this.cause instanceof ActionError) return this.cause.describe(context)
    return context ? describeStripeError(this, context) : `Failed to ${this.doing}: ${this.message}`
  }
}

/** A message a user can act on, naming the key by its last four characters only. */
export function describeStripeError(error: StripeRequestError, context: FailureContext): string {
  const cause = error.cause
  const key = `(ending …${context.keyTail})`
  if (cause instanceof Stripe.errors.StripeAuthenticationError) {
    return `Stripe rejected the API key ${key}: check \`stripe-secret-key\`; the key may be mistyped, revoked or rolled.`
  }
  // A connected account that revoked the platform's access answers 403 too: not a missing permission.
  if (isAccountInvalid(cause)) {
    return (
      `Stripe refused to ${error.doing} for the connected account${context.stripeAccount ? ` ${context.stripeAccount}` : ''}: ` +
      "the platform has no access to it (account_invalid) — the account revoked the platform's access, or is not one of its accounts."
    )
  }
  if (cause instanceof Stripe.errors.StripePermissionError) {
    return (
      `Stripe refused to ${error.doing}: the restricted key ${key} lacks the permission "${error.permission}". ` +
      'Edit the key in the Stripe Dashboard (Developers → API keys) and grant it, or use a key that has it.'
    )
  }
  if (cause instanceof Stripe.errors.StripeConnectionError) {
    return `Could not reach Stripe at ${context.apiBase} to ${error.doing}, after retries: ${cause.message}`
  }
  if (isGarbledResponse(cause)) {
    return `Stripe's answer to ${error.doing} could not be read (invalid JSON), after retries. Re-run the step later; nothing stored so far is lost.`
  }
  if (cause instanceof Stripe.errors.StripeAPIError) {
    return `Stripe returned a server error (HTTP ${cause.statusCode ?? '5xx'}) to ${error.doing}, after retries: ${cause.message}. Re-run the step later; nothing stored so far is lost.`
  }
  if (cause instanceof Stripe.errors.StripeInvalidRequestError) {
    const account = context.stripeAccount && /account/i.test(cause.message) ? ' Check `stripe-account`.' : ''
    return `Stripe rejected the request to ${error.doing} (HTTP ${cause.statusCode ?? 400}): ${cause.message}${account}`
  }
  if (cause instanceof Stripe.errors.StripeError) {
    return `Stripe error while trying to ${error.doing}: ${cause.message}`
  }
  return `Failed to ${error.doing}: ${error.message}`
}

/** Stripe's refusal of a connected account the platform may not reach: revoked, or not its own (403 account_invalid). */
export function isAccountInvalid(error: unknown): boolean {
  const cause = error instanceof StripeRequestError ? error.cause : error
  return cause instanceof Stripe.errors.StripeError && cause.code === 'account_invalid'
}

/** A restricted key lacking a permission (not a connected account refusing the platform, which is a 403 too). */
export function isMissingPermission(error: unknown): boolean {
  const cause = error instanceof StripeRequestError ? error.cause : error
  return cause instanceof Stripe.errors.StripePermissionError && !isAccountInvalid(cause)
}

/** Stripe has no such object (404 resource_missing): one object gone or never listable, not a broken run. */
export function isMissingObject(error: unknown): boolean {
  const cause = error instanceof StripeRequestError ? error.cause : error
  return cause instanceof Stripe.errors.StripeInvalidRequestError && cause.statusCode === 404
}
