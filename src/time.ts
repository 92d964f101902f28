/** Time as Stripe has it: whole Unix seconds, UTC. */

/** Stripe launched in 2011: a whole-account sync with no `created-after` starts here. */
export const STRIPE_EPOCH = Date.UTC(2011, 0, 1) / 1000

export const DAY_SECONDS = 86400

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000)
}

/** 2026-11-27T06:38:00Z (no milliseconds). */
export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

/** 2026-11-27 06:38 (UTC, minutes): compact, for tables. */
export function compactUtc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')
}

/** 2026-11-27 (UTC). */
export function isoDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10)
}
