/**
 * The one base of the errors a user can act on. Each says, in its message (or `describe`), what
 * failed and what to do. Anything else that reaches the top is a bug, reported as "Unexpected
 * error" with its stack.
 */

/** What a message may name of the run: never the key itself, only its last characters. */
export interface FailureContext {
  keyTail: string
  apiBase: string
  stripeAccount?: string
}

export abstract class ActionError extends Error {
  /** The message as the user reads it; some errors say more with the run's context. */
  describe(_context?: FailureContext): string {
    return this.message
  }
}
