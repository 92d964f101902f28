import type { AccountNote, Finding, Monitor } from '../monitor.js'
import { DAY_SECONDS as DAY } from '../../../time.js'
import { ACCOUNT, SALE, accountOf, countsBetween } from '../queries.js'
import { percent } from '../wording.js'
import { formatCount } from '../../../text.js'

/** The card networks' monitoring programs count merchants from these volumes a month (Visa VAMP: disputes and fraud; Mastercard ECM: chargebacks). */
export const NETWORK_FLOORS = { visa: 1500, mastercard: 100 } as const

/** The first second of the UTC month of `at`, and of the month before. */
function months(at: number): { month: number; previous: number } {
  const d = new Date(at * 1000)
  return { month: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000, previous: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1) / 1000 }
}

/**
 * `disputes`: the dispute ratio climbing toward the card networks' levels. Disputes ÷ card sales,
 * by count, three ways: over the last 30 days; this calendar month as Visa's VAMP counts it (the
 * month's disputes ÷ the month's card sales); and as Mastercard counts it (the month's chargebacks ÷
 * the previous month's sales). Warning at 0.75 %, critical at 1.5 % (Visa's "excessive" level from
 * April 2026 and Mastercard's ECM level), with at least 5 disputes. Absolute: no history needed.
 */
export const disputes: Monitor = {
  name: 'disputes',
  reads: ['disputes', 'charges'],
  relative: false,
  rule: 'disputes ÷ card sales by count, over 30 days and per calendar month as Visa and Mastercard count it',
  footnote: `Dispute levels: the networks' programs count merchants from ${formatCount(NETWORK_FLOORS.visa)} disputes a month (Visa VAMP) and ${NETWORK_FLOORS.mastercard} chargebacks (Mastercard ECM).`,
  levels: {
    warning: { default: 0.0075, unit: 'share', min: 0, max: 1, description: 'the ratio that warns' },
    critical: { default: 0.015, unit: 'share', min: 0, max: 1, description: 'the ratio that is critical' },
    min: { default: 5, unit: 'count', min: 1, max: 1e6, description: 'disputes needed' }
  },
  async evaluate(ctx) {
    const { month, previous } = months(ctx.at)
    const since30 = ctx.at - 30 * DAY
    // Card sales between each two of the moments the three ratios start at; a ratio's sales are the segments in its stretch.
    const bounds = [...new Set([previous, since30, month, ctx.at])].sort((a, b) => a - b)
    const within = (counts: readonly number[], start: number, end = ctx.at) =>
      counts.reduce((n, c, j) => n + (bounds[j]! >= start && bounds[j + 1]! <= end ? c : 0), 0)
    const [segments, opened] = await Promise.all([
      countsBetween(ctx, ctx.tables.charges!, SALE, bounds),
      ctx.query<{ account: string; d30: number; month: number }>(
        `SELECT ${ACCOUNT} AS account,
                count(*) FILTER (WHERE t.created_at >= to_timestamp($1))::int AS d30,
                count(*) FILTER (WHERE t.created_at >= to_timestamp($2))::int AS month
           FROM ${ctx.tables.disputes!} t
          WHERE t.created_at >= to_timestamp(least($1::float8, $2::float8)) AND t.created_at < to_timestamp($3)
          GROUP BY 1`,
        [since30, month, ctx.at]
      )
    ])
    const sales = [...segments].map(([account, counts]) => ({
      account,
      d30: within(counts, since30),
      month: within(counts, month),
      previous: within(counts, previous, month)
    }))
    const disputed = new Map(opened.map((r) => [r.account, r]))
    const notes: AccountNote[] = []
    const findings: Finding[] = []
    const { warning, critical, min } = ctx.levels as Record<'warning' | 'critical' | 'min', number>
    for (const s of sales) {
      const d = disputed.get(s.account) ?? { d30: 0, month: 0 }
      const ratios = {
        last_30_days: s.d30 > 0 ? d.d30 / s.d30 : 0,
        visa_month: s.month > 0 ? d.month / s.month : 0,
        mastercard_month: s.previous > 0 ? d.month / s.previous : 0
      }
      // Each measure counts only with enough disputes behind it.
      const counted = [ratios.last_30_days * Number(d.d30 >= min), ratios.visa_month * Number(d.month >= min), ratios.mastercard_month * Number(d.month >= min)]
      const worst = Math.max(...counted)
      const line =
        `${percent(ratios.last_30_days)} of card sales disputed over 30 days (${formatCount(d.d30)} of ${formatCount(s.d30)}); this month ${percent(ratios.visa_month)} as Visa counts it, ` +
        (s.previous > 0 ? `${percent(ratios.mastercard_month)} as Mastercard does` : 'Mastercard counts against last month, which had no card sales') +
        ` (${formatCount(d.month)} dispute${d.month === 1 ? '' : 's'})`
      const floors = `The networks' programs count from ${formatCount(NETWORK_FLOORS.visa)} disputes a month (Visa VAMP) and ${NETWORK_FLOORS.mastercard} chargebacks (Mastercard ECM): ${formatCount(d.month)} this month.`
      if (worst >= warning) {
        findings.push({
          account: accountOf(s.account),
          key: 'ratio',
          severity: worst >= critical ? 'critical' : 'warning',
          summary: `${line}; warning at ${percent(warning)}, critical at ${percent(critical)}. ${floors}`,
          observed: {
            ...ratios,
            disputes_30_days: d.d30,
            sales_30_days: s.d30,
            disputes_month: d.month,
            sales_month: s.month,
            sales_previous_month: s.previous
          },
          expected: { warning, critical, visa_floor: NETWORK_FLOORS.visa, mastercard_floor: NETWORK_FLOORS.mastercard },
          dashboard: 'disputes'
        })
      } else {
        notes.push({ account: accountOf(s.account), state: 'ok', line: `${line}; warning at ${percent(warning)}` })
      }
    }
    return { notes, findings }
  }
}
