import { LEARNING_DAYS, learningLine, type AccountNote, type Finding, type Monitor } from '../monitor.js'
import { cardTesting } from './card-testing.js'
import { comparableWeeks, sameLocalHours, type Window } from '../calendar.js'
import { CARD, HOUR, OUTCOME, REASON, accountOf, historyDays, inWindows, weeksCovered } from '../queries.js'
import { about, leftOutText, percent } from '../wording.js'
import { binomialAtLeast, hypergeometricAtLeast, oneIn } from '../stats.js'

/** Retries by the same card within this long are one attempt (its last try decides whether it was declined). */
const RETRY_SECONDS = 10 * 60

/**
 * Attempts and declined attempts per account and window: charges of one card within 10 minutes of
 * each other are one attempt, declined when its last try failed; declined ones by outcome type.
 */
async function attempts(ctx: Parameters<Monitor['evaluate']>[0], windows: readonly Window[]) {
  const charges = ctx.tables.charges!
  const rows = inWindows(charges, windows, 2)
  const found = await ctx.query<{ account: string; i: number; attempts: number; declined: number; issuer: number; blocked: number; invalid: number }>(
    `WITH tries AS (
       SELECT coalesce(t.account_id, '') AS account, t.i, t.status, ${OUTCOME} AS outcome, t.created_at,
              lead(t.created_at) OVER (PARTITION BY coalesce(t.account_id, ''), t.i, ${CARD} ORDER BY t.created_at) AS next_try
         FROM ${rows.sql} t
        WHERE t.status IN ('succeeded', 'failed'))
     SELECT account, i::int AS i, count(*)::int AS attempts,
            count(*) FILTER (WHERE status = 'failed')::int AS declined,
            count(*) FILTER (WHERE status = 'failed' AND outcome = 'issuer_declined')::int AS issuer,
            count(*) FILTER (WHERE status = 'failed' AND outcome = 'blocked')::int AS blocked,
            count(*) FILTER (WHERE status = 'failed' AND outcome = 'invalid')::int AS invalid
       FROM tries WHERE next_try IS NULL OR next_try > created_at + make_interval(secs => $1)
      GROUP BY 1, 2`,
    [RETRY_SECONDS, ...rows.params]
  )
  const out = new Map<string, Array<{ attempts: number; declined: number; issuer: number; blocked: number; invalid: number }>>()
  for (const r of found) {
    const list = out.get(r.account) ?? windows.map(() => ({ attempts: 0, declined: 0, issuer: 0, blocked: 0, invalid: 0 }))
    list[r.i - 1] = { attempts: r.attempts, declined: r.declined, issuer: r.issuer, blocked: r.blocked, invalid: r.invalid }
    out.set(r.account, list)
  }
  return out
}

/** The most frequent decline reasons of an account's window: "insufficient_funds 41, do_not_honor 12". */
async function topReasons(ctx: Parameters<Monitor['evaluate']>[0], from: number, to: number): Promise<Map<string, string>> {
  const rows = await ctx.query<{ account: string; reason: string; n: number }>(
    `SELECT coalesce(t.account_id, '') AS account, ${REASON} AS reason, count(*)::int AS n
       FROM ${ctx.tables.charges!} t
      WHERE t.status = 'failed' AND t.created_at >= to_timestamp($1) AND t.created_at < to_timestamp($2)
      GROUP BY 1, 2 ORDER BY 1, 3 DESC`,
    [from, to]
  )
  const out = new Map<string, string[]>()
  for (const r of rows) {
    const list = out.get(r.account) ?? []
    // Decline codes come from Stripe: only their word characters are shown.
    if (list.length < 3) list.push(`${r.reason.replace(/[^a-z0-9_]/gi, '').slice(0, 40)} ${r.n}`)
    out.set(r.account, list)
  }
  return new Map([...out].map(([a, l]) => [a, l.join(', ')]))
}

/** Attempts and declined attempts of a window. */
export interface Tally {
  attempts: number
  declined: number
}

/** What the declines rule makes of a window against the same hours of the weeks compared. */
export interface DeclinesJudgement {
  /** The weeks' attempts and declines, all weeks together. */
  baseAttempts: number
  baseDeclined: number
  /** The weeks' declined share (half a decline when they had none: a share of zero is not known). */
  usual: number
  share: number
  /** How likely at least this many declines were, had the window declined like the weeks (Fisher's exact test). */
  chance: number
  raised: boolean
}

/**
 * The rule, counts in: at least `min` declined, at least `ratio` times the usual share, and that
 * many declines less likely than `probability` had the window declined like the weeks compared.
 * The weeks' share is estimated from their own few declines, so the test is Fisher's (the window
 * and the weeks as two samples), not a binomial at a share taken as known: at 1,000 sales a day,
 * a baseline of 3 declines a week made an ordinary 14 of 221 look like 1 in 3,800.
 */
export function judgeDeclines(now: Tally, before: readonly Tally[], levels: { min: number; ratio: number; probability: number }): DeclinesJudgement {
  const baseAttempts = before.reduce((n, w) => n + w.attempts, 0)
  const baseDeclined = before.reduce((n, w) => n + w.declined, 0)
  const usual = baseAttempts > 0 ? Math.max(baseDeclined, 0.5) / baseAttempts : 0.05
  const share = now.attempts > 0 ? now.declined / now.attempts : 0
  // No attempts in the weeks compared: nothing to compare with but a common share of 5 %.
  const chance =
    baseAttempts > 0
      ? hypergeometricAtLeast(now.declined, now.attempts + baseAttempts, now.declined + baseDeclined, now.attempts)
      : binomialAtLeast(now.declined, now.attempts, usual)
  const raised = now.declined >= levels.min && share >= levels.ratio * usual && chance < levels.probability
  return { baseAttempts, baseDeclined, usual, share, chance, raised }
}

/**
 * `declines`: issuers (or Radar) decline far more than usual. The declined share of attempts in the
 * last hours against the same hours' share over the last 4 weeks (`judgeDeclines`: Fisher's exact
 * test below 1 in 1,000, at least 10 declined, at least twice the usual share). `invalid` outcomes
 * (the integration itself failing: a bad request, a wrong key) open at a handful an hour whatever
 * the history.
 */
export const declines: Monitor = {
  name: 'declines',
  reads: ['charges'],
  relative: true,
  needsFailedCharges: true,
  yieldsTo: { monitor: cardTesting.name, keys: ['rate'] },
  rule: 'the declined share of attempts in the last hours far above the same hours over the last 4 weeks; invalid requests at a handful an hour',
  chart: { object: 'charges', where: `t.status = 'failed'`, noun: 'declined charges' },
  levels: {
    window: { default: 2, unit: 'hours', min: 1, max: 24, description: 'the stretch compared' },
    probability: { default: 1e-3, unit: 'probability', min: 1e-12, max: 0.1, description: 'how unlikely the declines must be at the usual share' },
    min: { default: 10, unit: 'count', min: 1, max: 100000, description: 'declined attempts needed' },
    ratio: { default: 2, unit: 'ratio', min: 1, max: 100, description: 'times the usual share needed' },
    invalid: { default: 5, unit: 'count', min: 1, max: 100000, description: 'invalid attempts in an hour that open whatever the history' }
  },
  async evaluate(ctx) {
    const charges = ctx.tables.charges!
    const history = await historyDays(ctx, charges)
    const window = ctx.levels.window! * HOUR
    const windows = sameLocalHours(ctx.calendar, ctx.at - window, ctx.at)
    const lastHour: Window = [ctx.at - HOUR, ctx.at]
    const counts = await attempts(ctx, [...windows, lastHour])
    const notes: AccountNote[] = []
    const findings: Finding[] = []
    const flagged: string[] = []
    for (const [account, days] of history) {
      const list = counts.get(account)
      const now = list?.[0] ?? { attempts: 0, declined: 0, issuer: 0, blocked: 0, invalid: 0 }
      const hour = list?.[windows.length] ?? now
      // Invalid requests mean the integration is failing: no history needed.
      if (hour.invalid >= ctx.levels.invalid!) {
        findings.push({
          account: accountOf(account),
          key: 'invalid',
          severity: 'critical',
          summary: `${hour.invalid} attempts refused as invalid in the last hour (the integration's requests, not the cards): check recent deploys and the API key.`,
          observed: { invalid: hour.invalid, attempts: hour.attempts },
          expected: { invalid: 0 },
          dashboard: 'payments?status[0]=failed'
        })
      }
      if (days < LEARNING_DAYS) {
        notes.push({ account: accountOf(account), state: 'learning', line: learningLine(days) })
        continue
      }
      const covered = weeksCovered(days, window)
      // Holidays and quiet days are left out of the weeks compared.
      const { weeks, leftOut } = comparableWeeks(ctx.calendar, windows, covered)
      const before = list ? weeks.map((k) => list[k]!) : []
      const { baseAttempts, baseDeclined, usual, share, chance, raised } = judgeDeclines(now, before, {
        min: ctx.levels.min!,
        ratio: ctx.levels.ratio!,
        probability: ctx.levels.probability!
      })
      const hours = ctx.levels.window!
      const observed = `${percent(share)} of ${now.attempts} attempts declined in the last ${hours} h`
      const used = weeks.length
      const expected = `usually ${percent(usual)} at these hours (${about(baseDeclined / used)} of ${about(baseAttempts / used)} attempts ${used === 1 ? (covered === 1 ? 'last week' : `in 1 of the last ${covered} weeks`) : `a week, over ${used === covered ? 'the last' : `${used} of the last`} ${covered} weeks`})${leftOutText(leftOut)}`
      if (raised) {
        flagged.push(account)
        findings.push({
          account: accountOf(account),
          key: 'rate',
          severity: share >= 0.5 ? 'critical' : 'warning',
          summary: `${observed}; ${expected}. That many declines is ${oneIn(chance)} at the usual share.`,
          observed: { attempts: now.attempts, declined: now.declined, share, issuer_declined: now.issuer, blocked: now.blocked, invalid: now.invalid },
          expected: { share: usual, attempts_a_week: baseAttempts / used, declined_a_week: baseDeclined / used, probability: chance },
          dashboard: 'payments?status[0]=failed'
        })
      } else if (!findings.some((f) => f.account === accountOf(account))) {
        notes.push({ account: accountOf(account), state: 'ok', line: `${observed}; ${expected}` })
      }
    }
    // The breakdown by reason, for the accounts that need it.
    if (flagged.length > 0) {
      const reasons = await topReasons(ctx, ctx.at - window, ctx.at)
      for (const f of findings) {
        const top = reasons.get(f.account ?? '')
        if (f.key === 'rate' && top) {
          f.observed.top_reasons = top
          f.summary += ` By outcome: ${f.observed.issuer_declined} issuer declined, ${f.observed.blocked} blocked, ${f.observed.invalid} invalid; top reasons: ${top}.`
        }
      }
    }
    return { notes, findings }
  }
}
