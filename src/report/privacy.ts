/**
 * `customer-details`: what of a customer's data reaches the log, the annotations, the job summary
 * and the outputs — which anyone can read on a public repository. The database always stores
 * everything.
 *
 * - `show`: emails and descriptions as Stripe has them (cut to a sensible length);
 * - `mask`: emails as `j…@e….com` (the domain too: a business customer's domain names the client), descriptions left out;
 * - `hide`: neither.
 */
import type { CustomerDetails } from '../config.js'
import { shown } from '../text.js'

/** Emails longer than this are cut: a 100 KB "email" must not fill the summary. */
export const MAX_EMAIL_CHARS = 80

export interface Privacy {
  mode: CustomerDetails
  email(value: string | null | undefined): string | null
  description(value: string | null | undefined, maxChars: number): string | null
  /**
   * Free text that may quote customer data (a quarantine reason echoing the refused value): emails
   * masked or removed, and with `hide` every quoted value; cut to `maxChars`.
   */
  text(value: string, maxChars: number): string
}

/** `jane@secretclient-corp.com` → `j…@s….com`: the first letter of each part and the top-level domain only. */
export function maskEmail(raw: string): string {
  // Without controls first: a right-to-left override must not be the one letter shown.
  const email = shown(raw)
  const at = email.lastIndexOf('@')
  if (at <= 0) return '…'
  const first = [...email.slice(0, at)][0]!
  const domain = email.slice(at + 1)
  const dot = domain.lastIndexOf('.')
  const host = [...domain][0]
  const masked = !host ? '' : dot > 0 ? `${host}….${domain.slice(dot + 1)}` : `${host}…`
  return shown(`${first}…@${masked}`, MAX_EMAIL_CHARS)
}

const EMAIL = /[^\s"'<>()[\],;:]+@[^\s"'<>()[\],;:]+/g
const QUOTED = /"[^"]*"/g

/** A value a message quotes in parentheses: `("1234.50")`, `(10.5)`, `("ch_99…)` cut — an amount as often as not. */
const QUOTED_VALUE = /\((?:"[^"]*"?|-?[\d.][\d.eE+-]*)\)/g

/**
 * What of customers (`mode`) and of money (`amounts`: summary-amounts) a run shows. Free text that
 * quotes the values it is about (a quarantine reason) shows them only when both are shown.
 */
export function privacy(mode: CustomerDetails, amounts: 'show' | 'hide' = 'show'): Privacy {
  return {
    mode,
    email: (value) => {
      if (value == null || value === '' || mode === 'hide') return null
      return mode === 'mask' ? maskEmail(value) : shown(value, MAX_EMAIL_CHARS)
    },
    description: (value, maxChars) => {
      if (value == null || value === '' || mode !== 'show') return null
      return shown(value, maxChars)
    },
    text: (value, maxChars) => {
      let out = value
      if (mode === 'mask') out = out.replace(EMAIL, (e) => maskEmail(e))
      if (mode === 'hide') out = out.replace(EMAIL, '(email)').replace(QUOTED, '"…"')
      if (amounts === 'hide') out = out.replace(QUOTED_VALUE, '(…)').replace(QUOTED, '"…"')
      return shown(out, maxChars)
    }
  }
}
