import { LEARNING_DAYS, learningLine, type AccountNote, type Finding, type Monitor } from '../monitor.js'
import { ACCOUNT, HOUR, WEEK, about, accountOf, historyDays, inWindows, lastWeeks, mean, span, weeksCovered } from '../queries.js'
import { oneIn, poissonZero } from '../stats.js'

/** How far back the last sale is looked for: a gap longer than this is told as "over a day". */
const LOOKBACK = 24 * HOUR

/**
 * `silence`: the checkout stopped selling. The sales expected in the stretch since the last one are
 * counted in the same hours of the week over the last 4 weeks, and the quietest of those weeks is
 * taken (days swing by 20 % and more): if even that many sales make an empty stretch less likely
 * than 1 in 10,000 (Poisson: e^−expected), it opens. A 3 a.m. Sunday lull expects almost nothing
 * and raises nothing. It resolves when a sale arrives.
 */
export const silence: Monitor = {
  name: 'silence',
  reads: ['charges'],
  relative: true,
  rule: 'no sale since the last one, when even the quietest of the same hours over the last 4 weeks makes that gap less likely than the probability level',
  chart: { object: 'charges', where: `t.status = 'succeeded'`, noun: 'sales' },
  levels: {
    probability: { default: 1e-4, unit: 'probability', min: 1e-12, max: 0.1, description: 'how unlikely the empty stretch must be' }
  },
  async evaluate(ctx) {
    const charges = ctx.tables.charges!
    const history = await historyDays(ctx, charges)
    if (history.size === 0) return { notes: [], findings: [] }
    const last = await ctx.query<{ account: string; last: number | null }>(
      `SELECT ${ACCOUNT} AS account, extract(epoch FROM max(t.created_at))::float8 AS last
         FROM ${charges} t WHERE t.status = 'succeeded' AND t.created_at >= to_timestamp($1) AND t.created_at < to_timestamp($2) GROUP BY 1`,
      [ctx.at - LOOKBACK, ctx.at]
    )
    const lastSale = new Map(last.map((r) => [String(r.account), Number(r.last)]))
    const learning = [...history].filter(([, days]) => days < LEARNING_DAYS)
    const watched = [...history.keys()].filter((a) => history.get(a)! >= LEARNING_DAYS)
    // Sales in each account's gap, shifted back 1 to 4 weeks: one query, the gaps as a join.
    const starts = watched.map((a) => lastSale.get(a) ?? ctx.at - LOOKBACK)
    // Each week read once, from the earliest gap on (an index range), then kept per account from its own gap.
    const earliest = Math.min(ctx.at, ...starts)
    const weeks = inWindows(
      charges,
      [1, 2, 3, 4].map((k) => [earliest - k * WEEK, ctx.at - k * WEEK] as const),
      4
    )
    const expected = await ctx.query<{ account: string; k: number; n: number }>(
      `SELECT g.account, t.i::int AS k, count(*)::int AS n
         FROM ${weeks.sql} t
         JOIN unnest($1::text[], $2::float8[]) AS g(account, since) ON g.account = ${ACCOUNT} AND t.created_at > to_timestamp(g.since - t.i * $3::float8)
        WHERE t.status = 'succeeded'
        GROUP BY 1, 2`,
      [watched, starts, WEEK, ...weeks.params]
    )
    const byAccount = new Map<string, number[]>()
    for (const r of expected) {
      const list = byAccount.get(r.account) ?? [0, 0, 0, 0]
      list[r.k - 1] = r.n
      byAccount.set(r.account, list)
    }
    const notes: AccountNote[] = learning.map(([a, days]) => ({ account: accountOf(a), state: 'learning', line: learningLine(days) }))
    const findings: Finding[] = []
    const level = ctx.levels.probability!
    for (const account of watched) {
      const since = lastSale.get(account)
      const gap = ctx.at - (since ?? ctx.at - LOOKBACK)
      const covered = weeksCovered(history.get(account)!, gap)
      const weeks = (byAccount.get(account) ?? [0, 0, 0, 0]).slice(0, covered)
      const cautious = Math.min(...weeks)
      const typical = mean(weeks)
      const gapText = since === undefined ? 'over 24 h' : span(gap)
      const observed = `0 sales in ${gapText}`
      const quietest = `the quietest of ${lastWeeks(covered)}: ${cautious}`
      const expectedText = `about ${about(typical)} expected at this hour of the week (${quietest})`
      const chance = poissonZero(cautious)
      if (chance < level) {
        findings.push({
          account: accountOf(account),
          key: 'no-sales',
          severity: 'critical',
          summary: `${observed}; ${expectedText}. An empty stretch this long is ${oneIn(chance)} at the usual rate.`,
          observed: { sales: 0, minutes: Math.round(gap / 60), last_sale: since === undefined ? 'over 24 h ago' : new Date(since * 1000).toISOString() },
          expected: { sales: Math.round(typical * 10) / 10, quietest_week: cautious, probability: chance },
          dashboard: 'payments?status[0]=successful'
        })
      } else {
        notes.push({
          account: accountOf(account),
          state: 'ok',
          line: `last sale ${gapText} ago; about ${about(typical)} sales expected in that time (${quietest})`
        })
      }
    }
    return { notes, findings }
  }
}
