import type Stripe from 'stripe'
import { knownZone } from '../zone.js'
import { StripeRequestError } from './errors.js'
import { withRetries, type RetryOptions } from './retry.js'

/** The key's own account (the platform): GET /v1/account. */
export async function platformAccountId(stripe: Stripe, retry: RetryOptions): Promise<string> {
  try {
    const account = await withRetries(() => stripe.accounts.retrieve(null), retry)
    return account.id
  } catch (error) {
    throw new StripeRequestError(error, 'retrieve the platform account (GET /v1/account)', 'Connect: Read')
  }
}

/**
 * Every connected account of the platform, oldest first (GET /v1/accounts, 100 a page): only their
 * ids are kept, so a platform of many thousands costs little memory.
 */
export async function connectedAccountIds(stripe: Stripe, retry: RetryOptions): Promise<string[]> {
  const ids: string[] = []
  let after: string | undefined
  for (;;) {
    let page: Stripe.ApiList<Stripe.Account>
    try {
      page = await withRetries(() => stripe.accounts.list({ limit: 100, ...(after ? { starting_after: after } : {}) }), retry)
    } catch (error) {
      throw new StripeRequestError(error, 'list the connected accounts (GET /v1/accounts)', 'Connect: Read')
    }
    for (const account of page.data) if (typeof account?.id === 'string') ids.push(account.id)
    if (!page.has_more || page.data.length === 0) break
    after = page.data[page.data.length - 1]!.id
  }
  return ids.reverse()
}

/** GET /v1/account of the account a client speaks for, asked once however many parts of a run want it. */
export type AccountRead = () => Promise<Stripe.Account>

/**
 * One GET /v1/account for the whole run: the backfill's floor (when the account began) and the
 * monitors' place (its country and time zone) share it, so the monitors add no round trip after the
 * sync when the backfill has asked already. A failure is kept too: each reader says it its own way.
 */
export function readOnce(stripe: Stripe, retry: RetryOptions): AccountRead {
  let read: Promise<Stripe.Account> | undefined
  return () => (read ??= withRetries(() => stripe.accounts.retrieve(null), retry))
}

/**
 * When the account was created: nothing of it is older. Undefined when the key may not read it (a
 * restricted key without the permission) or Stripe does not say — then a backfill lists from
 * Stripe's start, as it would without it; `onError` is told why.
 */
export async function accountCreated(read: AccountRead, onError: (error: unknown) => void): Promise<number | undefined> {
  try {
    const account = await read()
    return typeof account.created === 'number' && Number.isSafeInteger(account.created) ? account.created : undefined
  } catch (error) {
    onError(error)
    return undefined
  }
}

/** Where the account the client speaks for lives: its country and the time zone its Dashboard shows. */
export interface AccountFacts {
  country?: string
  /** The region of its address (a state, a province: `NY`, `BY`), where it gives one as a code. */
  region?: string
  timezone?: string
  /** A Dashboard time zone the runtime does not know, as Stripe gave it (cut): said, never used or remembered. */
  unknownZone?: string
  /** Why GET /v1/account could not be read (a restricted key without the permission): the facts are missing. */
  error?: string
}

/**
 * GET /v1/account's `country` and `settings.dashboard.timezone`, each kept only when it is a plain
 * country code or a zone the runtime knows (the answer is untrusted input); never throws.
 */
export async function accountFacts(read: AccountRead): Promise<AccountFacts> {
  try {
    const account = await read()
    // A lowercase country is the code it is.
    const given = typeof account.country === 'string' ? account.country.trim().toUpperCase() : ''
    const country = /^[A-Z]{2}$/.test(given) ? given : undefined
    const state = account.company?.address?.state ?? account.individual?.address?.state ?? account.business_profile?.support_address?.state
    const code = typeof state === 'string' ? state.trim().toUpperCase() : ''
    const region = /^[A-Z0-9]{1,3}$/.test(code) ? code : undefined
    const zone = account.settings?.dashboard?.timezone
    const timezone = typeof zone === 'string' ? knownZone(zone) : undefined
    const unknownZone = typeof zone === 'string' && zone !== '' && !timezone ? zone.slice(0, 100) : undefined
    return { ...(country ? { country } : {}), ...(region ? { region } : {}), ...(timezone ? { timezone } : {}), ...(unknownZone ? { unknownZone } : {}) }
  } catch (error) {
    // Told in the summary; the monitors then fall back to UTC and no holidays (or the inputs).
    return { error: error instanceof Error ? error.message : String(error) }
  }
}
