import type { LeaseRecord } from '../store/lease.js'
import type { RecentRuns } from '../store/runs.js'

/**
 * What a run that skips says, from the lease it found held and the schema's recent runs: who holds
 * the lock and since when, and how long the copy has gone unwritten against its own schedule. A
 * skip is a notice while the copy is current; a warning once it has not been written for three of
 * its usual intervals; a failure past twelve (and an hour), or when the lock has been held longer
 * than any GitHub job can run: something keeps renewing it without finishing.
 */
export interface SkipVerdict {
  level: 'notice' | 'warning' | 'failure'
  message: string
}

/** A warning's multiple of the usual interval between runs, and a failure's. */
export const STALE_WARN_INTERVALS = 3
export const STALE_FAIL_INTERVALS = 12
/** A failure is never sooner than this after the last write (an hourly schedule's missed runs, a slow backfill). */
export const STALE_FAIL_FLOOR_S = 3600
/** GitHub ends a job after 6 hours: a lease held longer is held by something else, or a stuck process. */
export const JOB_LIMIT_S = 6 * 3600

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  if (s < 172800) return `${Math.round(s / 360) / 10} h`.replace('.0 h', ' h')
  return `${Math.round(s / 8640) / 10} days`.replace('.0 days', ' days')
}

function at(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The median gap between consecutive starts (newest first), in seconds; undefined with fewer than two. */
export function usualInterval(starts: readonly Date[]): number | undefined {
  const gaps = starts
    .slice(1)
    .map((d, i) => (starts[i]!.getTime() - d.getTime()) / 1000)
    .filter((g) => g > 0)
    .sort((a, b) => a - b)
  if (gaps.length === 0) return undefined
  const mid = Math.floor(gaps.length / 2)
  return gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2
}

export function judgeSkip(schema: string, held: LeaseRecord | undefined, history: RecentRuns, waitedSeconds: number): SkipVerdict {
  const now = (held?.now ?? history.now).getTime()
  const heldFor = held ? (now - held.takenAt.getTime()) / 1000 : 0
  const holder = held
    ? `${held.run} has held the lock on schema ${schema} since ${at(held.takenAt)} (${duration(heldFor)}; renewed ${duration((now - held.renewedAt.getTime()) / 1000)} ago, ` +
      `its lease ends ${at(held.expiresAt)} unless renewed)`
    : `another run holds the lock on schema ${schema} (an advisory lock: this role may not read stripe_sync_lease, which would say who)`
  const base = `Skipped: ${holder}; this run waited ${waitedSeconds} s (lock-timeout) and wrote nothing.`
  const interval = usualInterval(history.starts)
  const age = history.lastWrittenAt ? (history.now.getTime() - history.lastWrittenAt.getTime()) / 1000 : undefined
  const written =
    age === undefined
      ? ' No run has finished writing this schema yet (a first backfill in progress).'
      : ` The copy was last written ${duration(age)} ago${interval ? `; runs here usually write every ${duration(interval)}` : ''}.`
  if (held && heldFor > JOB_LIMIT_S) {
    return {
      level: 'failure',
      message:
        `${base}${written} No GitHub job runs for ${duration(heldFor)}: whatever holds the lock keeps renewing it without finishing. ` +
        `Find it by its name above and stop it; the lock is free ${duration((held.expiresAt.getTime() - now) / 1000)} after it stops.`
    }
  }
  if (age !== undefined && interval !== undefined && age > Math.max(STALE_FAIL_INTERVALS * interval, STALE_FAIL_FLOOR_S)) {
    return {
      level: 'failure',
      message: `${base}${written} That is over ${STALE_FAIL_INTERVALS} of its intervals: the copy and the monitors' data are frozen while that run holds the lock. Find it by its name above; if it is stuck, cancel it.`
    }
  }
  if (age !== undefined && interval !== undefined && age > STALE_WARN_INTERVALS * interval) {
    return { level: 'warning', message: `${base}${written} The copy is falling behind while that run holds the lock.` }
  }
  return { level: 'notice', message: `${base}${written}` }
}

/** A lease taken over: its holder neither released nor renewed it (killed, or its runner lost). */
export function abandonedLease(schema: string, lease: LeaseRecord): string {
  const since = (lease.now.getTime() - lease.expiresAt.getTime()) / 1000
  const how =
    since >= 0
      ? `its lease ran out ${duration(since)} ago`
      : `its connection to Postgres is gone, so the lock was free at once, ${duration(-since)} before its lease would have run out`
  return (
    `Took over the lock on schema ${schema} from ${lease.run}, which took it at ${at(lease.takenAt)} and last renewed it at ${at(lease.renewedAt)}: ` +
    `it ended without releasing it (killed, or its runner was lost), and ${how}. An incremental run goes on from the last checkpoint that run committed.`
  )
}
