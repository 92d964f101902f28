/** Time as Stripe has it: whole Unix seconds, UTC. */

/** Stripe launched in 2011: a whole-account sync with no `created-after` starts here. */
export const STRIPE_EPOCH = Date.UTC(2011, 0, 1) / 1000

export const DAY_SECONDS = 86400

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY_SECONDS, w: 7 * DAY_SECONDS }

/** A length of time written as an age (`30m`, `24h`, `7d`, `4w`), in seconds; undefined when it is not one. */
export function ageSeconds(text: string): number | undefined {
  const age = /^(\d{1,9})\s*([smhdw])$/i.exec(text)
  return age ? Number(age[1]) * AGE_UNITS[age[2]!.toLowerCase()]! : undefined
}

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
