/**
 * `customer-details`: what of a customer's data reaches the log, the annotations, the job summary
 * and the outputs — which anyone can read on a public repository. The database always stores
 * everything.
 *
 * - `show`: emails and descriptions as Stripe has them (cut to a sensible length);
 * - `mask`: emails as `j…@example.com`, descriptions left out;
 * - `hide`: neither.
 */
import type { CustomerDetails } from '../config.js'

/** Emails longer than this are cut: a 100 KB "email" must not fill the summary. */
export const MAX_EMAIL_CHARS = 80

export interface Privacy {
  mode: CustomerDetails
  email(value: string | null | undefined): string | null
  description(value: string | null | undefined, maxChars: number): string | null
}

/** Cut to `max` characters (code points, so an emoji is never split), with an ellipsis. */
export function cut(text: string, max: number): string {
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, Math.max(1, max - 1)).join('')}…` : text
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return '…'
  const first = [...email.slice(0, at)][0]!
  return cut(`${first}…@${email.slice(at + 1)}`, MAX_EMAIL_CHARS)
}

export function privacy(mode: CustomerDetails): Privacy {
  return {
    mode,
    email: (value) => {
      if (value == null || value === '' || mode === 'hide') return null
      return mode === 'mask' ? maskEmail(value) : cut(value, MAX_EMAIL_CHARS)
    },
    description: (value, maxChars) => {
      if (value == null || value === '' || mode !== 'show') return null
      return cut(value, maxChars)
    }
  }
}
