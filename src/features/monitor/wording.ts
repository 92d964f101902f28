import { formatCount } from '../../text.js'

// How the monitors write numbers and lengths for people: one place, so every line reads alike.

/** "2026-04-03 Good Friday (public holiday, GB); … and 2 more": the days a judgement did not compare with, the first two named. */
export function leftOutList(days: readonly string[]): string {
  return `${days.slice(0, 2).join('; ')}${days.length > 2 ? ` and ${days.length - 2} more` : ''}`
}

/** "; left out: 2026-04-03 Good Friday (public holiday, GB)", or nothing when none was. */
export function leftOutText(days: readonly string[]): string {
  return days.length === 0 ? '' : `; left out: ${leftOutList(days)}`
}

/** "38", "3.5", "0.4": an expected count as a founder reads it. */
export function about(n: number): string {
  if (n >= 10) return formatCount(Math.round(n))
  return formatCount(Math.round(n * 10) / 10)
}

/** "2.6 %": a share as the summary writes it. */
export function percent(share: number): string {
  const p = share * 100
  return `${p >= 10 ? Math.round(p) : p >= 1 ? Math.round(p * 10) / 10 : Math.round(p * 100) / 100} %`
}

/** "1 refund", "3 refunds": a plural noun of this action's (refunds, cards, sales, disputes) for a count as written. */
export function counted(count: string | number, plural: string): string {
  const one = String(count) === '1'
  return `${count} ${one && plural.endsWith('s') ? plural.slice(0, -1) : plural}`
}
