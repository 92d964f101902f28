import type { AccountNote, Finding, Monitor } from '../monitor.js'
import { isoDay, DAY_SECONDS as DAY } from '../../../time.js'
import { ACCOUNT, accountOf } from '../queries.js'

/** Whole business days (Monday to Friday, UTC) from `from` to `to`. */
export function businessDaysBetween(from: number, to: number): number {
  let days = 0
  for (let t = from + DAY; t <= to; t += DAY) {
    const weekday = new Date(t * 1000).getUTCDay()
    if (weekday !== 0 && weekday !== 6) days += 1
  }
  return days
}

/**
 * `payouts`: money that did not reach the bank. A payout `failed` or `canceled` is critical, with its
 * failure code (a closed or wrong bank account); one still `in_transit` two business days after its
 * arrival date is a warning. Each is its own incident, resolved once a later payout is paid (or it
 * is paid itself). Absolute: no history needed.
 */
export const payouts: Monitor = {
  name: 'payouts',
  reads: ['payouts'],
  relative: false,
  rule: 'a payout failed or canceled; one still in transit two business days after its arrival date',
  levels: {
    late: { default: 2, unit: 'business days', min: 1, max: 30, description: 'business days after the arrival date a payout in transit is late' },
    lookback: { default: 30, unit: 'days', min: 1, max: 365, description: 'how far back failed payouts are looked at' }
  },
  async evaluate(ctx) {
    const table = ctx.tables.payouts!
    const rows = await ctx.query<{ account: string; id: string; status: string; arrival: number | null; failure_code: string | null; paid_after: boolean }>(
      `SELECT ${ACCOUNT} AS account, t.id, t.status, extract(epoch FROM t.arrival_date)::float8 AS arrival, t.failure_code,
              EXISTS (SELECT 1 FROM ${table} p WHERE coalesce(p.account_id, '') = ${ACCOUNT} AND p.status = 'paid'
                         AND p.arrival_date > t.arrival_date AND p.created_at < to_timestamp($2)) AS paid_after
         FROM ${table} t
        WHERE t.created_at >= to_timestamp($1) AND t.created_at < to_timestamp($2) AND t.status IN ('failed', 'canceled', 'in_transit')`,
      [ctx.at - ctx.levels.lookback! * DAY, ctx.at]
    )
    const findings: Finding[] = []
    for (const r of rows) {
      if (r.paid_after) continue
      const account = accountOf(r.account)
      const arrival = r.arrival === null ? '' : isoDay(r.arrival)
      if (r.status === 'in_transit') {
        const late = r.arrival === null ? 0 : businessDaysBetween(r.arrival, ctx.at)
        if (late < ctx.levels.late!) continue
        findings.push({
          account,
          key: r.id,
          severity: 'warning',
          summary: `Payout ${r.id} is still in transit ${late} business days after its arrival date (${arrival}): ask your bank, then Stripe support.`,
          observed: { payout: r.id, status: r.status, business_days_late: late, arrival_date: arrival },
          expected: { business_days_late: 0 },
          dashboard: `payouts/${r.id}`
        })
      } else {
        findings.push({
          account,
          key: r.id,
          severity: 'critical',
          summary: `Payout ${r.id} ${r.status}${r.failure_code ? ` (${r.failure_code})` : ''}, due ${arrival}: the money went back to the Stripe balance. Check the bank account in the Dashboard.`,
          observed: { payout: r.id, status: r.status, failure_code: r.failure_code ?? '', arrival_date: arrival },
          expected: { status: 'paid' },
          dashboard: `payouts/${r.id}`
        })
      }
    }
    const accounts = await ctx.query<{ account: string }>(`SELECT DISTINCT ${ACCOUNT} AS account FROM ${table} t WHERE t.created_at >= to_timestamp($1)`, [
      ctx.at - ctx.levels.lookback! * DAY
    ])
    const notes: AccountNote[] = accounts
      .filter((a) => !findings.some((f) => (f.account ?? '') === a.account))
      .map((a) => ({ account: accountOf(a.account), state: 'ok', line: `no failed or late payouts in the last ${ctx.levels.lookback} days` }))
    return { notes, findings }
  }
}
