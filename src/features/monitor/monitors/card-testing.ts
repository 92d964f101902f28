import type { AccountNote, Finding, Monitor } from '../monitor.js'
import { ACCOUNT, CARD, REASON, SMALL, accountOf, historyDays } from '../queries.js'
import { counted, percent } from '../wording.js'

/** Decline reasons card testers run into: a wrong CVC or number, an expired card, too many tries. */
const TESTING_REASONS = [
  'incorrect_cvc',
  'invalid_cvc',
  'incorrect_number',
  'invalid_number',
  'card_velocity_exceeded',
  'expired_card',
  'invalid_expiry_month',
  'invalid_expiry_year'
]

/**
 * `card-testing`: bursts of small attempts from many cards, most declined (fraudsters checking
 * stolen numbers). Within the window, at least 30 failed attempts from at least 20 distinct cards
 * (fingerprints), most of them small amounts or CVC, number, expiry or velocity declines. Absolute:
 * it needs no history. It resolves after an hour without the pattern (while open, the last hour is
 * what it looks at).
 */
export const cardTesting: Monitor = {
  name: 'card-testing',
  reads: ['charges'],
  relative: false,
  needsFailedCharges: true,
  rule: 'within the window, many failed attempts from many distinct cards, mostly small amounts or CVC / number / velocity declines',
  chart: { object: 'charges', where: `t.status = 'failed'`, noun: 'failed charges' },
  levels: {
    window: { default: 30, unit: 'minutes', min: 5, max: 24 * 60, description: 'the stretch looked at' },
    failures: { default: 30, unit: 'count', min: 1, max: 1e6, description: 'failed attempts needed' },
    cards: { default: 20, unit: 'count', min: 1, max: 1e6, description: 'distinct cards among them' },
    share: { default: 0.6, unit: 'share', min: 0, max: 1, description: 'of the failures small or testing declines' }
  },
  async evaluate(ctx) {
    const charges = ctx.tables.charges!
    const window = ctx.levels.window! * 60
    // Opening looks at the window; an open incident at the last hour ("an hour without the pattern").
    const rows = await ctx.query<{
      account: string
      failed: number
      cards: number
      telling: number
      attempts: number
      failed_hour: number
      cards_hour: number
      telling_hour: number
    }>(
      `SELECT ${ACCOUNT} AS account,
              count(*) FILTER (WHERE t.status = 'failed' AND t.created_at >= to_timestamp($2))::int AS failed,
              count(DISTINCT ${CARD}) FILTER (WHERE t.status = 'failed' AND t.created_at >= to_timestamp($2))::int AS cards,
              count(*) FILTER (WHERE t.status = 'failed' AND t.created_at >= to_timestamp($2) AND (${SMALL} OR ${REASON} = ANY($4)))::int AS telling,
              count(*) FILTER (WHERE t.created_at >= to_timestamp($2))::int AS attempts,
              count(*) FILTER (WHERE t.status = 'failed')::int AS failed_hour,
              count(DISTINCT ${CARD}) FILTER (WHERE t.status = 'failed')::int AS cards_hour,
              count(*) FILTER (WHERE t.status = 'failed' AND (${SMALL} OR ${REASON} = ANY($4)))::int AS telling_hour
         FROM ${charges} t
        WHERE t.created_at >= to_timestamp(least($1::float8, $2::float8)) AND t.created_at < to_timestamp($3)
        GROUP BY 1`,
      [ctx.at - 3600, ctx.at - window, ctx.at, TESTING_REASONS]
    )
    const notes: AccountNote[] = []
    const findings: Finding[] = []
    const { failures, cards, share } = ctx.levels as Record<'failures' | 'cards' | 'share', number>
    const quiet = (failed: number, distinct: number) =>
      `${counted(failed, 'failed attempts')} from ${counted(distinct, 'cards')} in the last ${ctx.levels.window!} min (opens at ${failures} from ${cards})`
    const pattern = (failed: number, distinct: number, telling: number) => failed >= failures && distinct >= cards && telling >= share * failed
    for (const r of rows) {
      const account = accountOf(r.account)
      const minutes = ctx.levels.window!
      if (pattern(r.failed, r.cards, r.telling) || (ctx.isOpen(account, 'burst') && pattern(r.failed_hour, r.cards_hour, r.telling_hour))) {
        const [failed, distinct, telling, within] = pattern(r.failed, r.cards, r.telling)
          ? [r.failed, r.cards, r.telling, `${minutes} min`]
          : [r.failed_hour, r.cards_hour, r.telling_hour, 'hour']
        findings.push({
          account,
          key: 'burst',
          severity: 'critical',
          summary:
            `${counted(failed, 'failed attempts')} from ${counted(distinct, 'cards')} in the last ${within}; ${percent(telling / Math.max(1, failed))} of them small or CVC, number, expiry or velocity declines — ` +
            `the pattern of card testing (levels: ${failures} failures from ${cards} cards). Turn on Radar rules or a CAPTCHA on the payment form.`,
          observed: { failed, cards: distinct, telling, attempts: r.attempts },
          expected: { failures, cards, share },
          dashboard: 'payments?status[0]=failed'
        })
      } else {
        notes.push({
          account,
          state: 'ok',
          line: quiet(r.failed, r.cards)
        })
      }
    }
    // Every account with charges is watched, those without a failure in the last hour too.
    const seen = new Set(rows.map((r) => r.account))
    for (const account of (await historyDays(ctx, charges)).keys()) {
      if (!seen.has(account)) notes.push({ account: accountOf(account), state: 'ok', line: quiet(0, 0) })
    }
    return { notes, findings }
  }
}
