import { InputError } from '../../src/config.js'
import { describeLength } from '../../src/report/summary.js'
import { evaluate } from '../../src/features/monitor/engine.js'
import { renderStatus, worstOf, type MonitorView } from '../../src/features/monitor/render.js'
import { cannotWatch, staleLine, staleObjects } from '../../src/features/monitor/visibility.js'
import { MONITORS } from '../../src/features/monitor/monitors/index.js'
import { businessDaysBetween } from '../../src/features/monitor/monitors/payouts.js'
import { UTC_CALENDAR, sameLocalHours, weeksText } from '../../src/features/monitor/calendar.js'
import { weeksCovered } from '../../src/features/monitor/queries.js'
import { about, percent } from '../../src/features/monitor/wording.js'
import { mermaidBandChart } from '../../src/report/chart.js'
import { failOnVerdict } from '../../src/features/monitor/outputs.js'
import { parseBacktest, parseFailOn, parseMonitors, parseThresholds, unusedThresholds } from '../../src/features/monitor/settings.js'
import { binomialAtLeast, hypergeometricAtLeast, oneIn, poissonAtLeast, poissonZero } from '../../src/features/monitor/stats.js'
import { judgeDeclines } from '../../src/features/monitor/monitors/declines.js'

describe('the statistics', () => {
  it('Poisson tails match the exact sums', () => {
    // Summed from k upwards, term by term: exact where 1 − P(X < k) would cancel to nothing.
    const exact = (k: number, mean: number) => {
      let term = Math.exp(-mean)
      for (let i = 0; i < k; i++) term *= mean / (i + 1)
      let sum = 0
      for (let i = k; i < k + 400; i++) {
        sum += term
        term *= mean / (i + 1)
      }
      return sum
    }
    for (const [k, mean] of [
      [1, 0.5],
      [3, 2],
      [10, 1],
      [10, 12],
      [25, 5],
      [60, 4]
    ] as const) {
      expect(poissonAtLeast(k, mean) / exact(k, mean)).toBeCloseTo(1, 6)
    }
    expect(poissonZero(9.2)).toBeCloseTo(1.01e-4, 6)
    expect(poissonAtLeast(0, 3)).toBe(1)
    expect(poissonAtLeast(2, 0)).toBe(0)
  })

  it('binomial tails match the exact sums, and stay finite for thousands of attempts', () => {
    const choose = (n: number, k: number) => {
      let c = 1
      for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i
      return c
    }
    const exact = (k: number, n: number, p: number) => {
      let sum = 0
      for (let i = k; i <= n; i++) sum += choose(n, i) * p ** i * (1 - p) ** (n - i)
      return sum
    }
    for (const [k, n, p] of [
      [10, 40, 0.05],
      [3, 20, 0.1],
      [24, 40, 0.05],
      [1, 1, 0.3]
    ] as const) {
      expect(binomialAtLeast(k, n, p) / exact(k, n, p)).toBeCloseTo(1, 6)
    }
    const big = binomialAtLeast(450, 5000, 0.05)
    expect(big).toBeGreaterThan(1e-40)
    expect(big).toBeLessThan(1e-20)
    expect(binomialAtLeast(0, 10, 0.5)).toBe(1)
    expect(binomialAtLeast(11, 10, 0.5)).toBe(0)
  })

  it('hypergeometric tails (Fisher) match the exact sums, and stay finite for thousands of attempts', () => {
    const choose = (n: number, k: number) => {
      let c = 1
      for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i
      return c
    }
    const exact = (k: number, population: number, successes: number, draws: number) => {
      let sum = 0
      for (let i = k; i <= Math.min(draws, successes); i++)
        sum += (choose(successes, i) * choose(population - successes, draws - i)) / choose(population, draws)
      return sum
    }
    for (const [k, population, successes, draws] of [
      [14, 845, 27, 221],
      [3, 30, 8, 10],
      [10, 200, 11, 40],
      [1, 5, 1, 1]
    ] as const) {
      expect(hypergeometricAtLeast(k, population, successes, draws) / exact(k, population, successes, draws)).toBeCloseTo(1, 6)
    }
    const big = hypergeometricAtLeast(450, 30000, 1500, 5000)
    expect(big).toBeGreaterThan(1e-60)
    expect(big).toBeLessThan(1e-20)
    // Outside what can happen: certain, or impossible.
    expect(hypergeometricAtLeast(2, 10, 9, 5)).toBe(1)
    expect(hypergeometricAtLeast(6, 10, 5, 8)).toBe(0)
  })

  it('declines: the weeks’ share is an estimate, so an ordinary busy hour against a few declines a week is not an incident', () => {
    const levels = { min: 10, ratio: 2, probability: 1e-3 }
    const weeks = (declined: number[], attempts: number) => declined.map((d) => ({ attempts, declined: d }))
    // The two false alarms of a 28-day backtest at 1,000 sales a day: 14 of 221 against 13 of 624
    // over four weeks, and 14 of 137 against 17 of 447 over three (a holiday left out).
    for (const [now, before] of [
      [{ attempts: 221, declined: 14 }, weeks([3, 4, 3, 3], 156)],
      [{ attempts: 137, declined: 14 }, weeks([6, 5, 6], 149)]
    ] as const) {
      const judged = judgeDeclines(now, before, levels)
      expect(judged.raised).toBe(false)
      expect(judged.chance).toBeGreaterThan(1e-3)
      // At the weeks' share taken as known, the same counts looked rarer than 1 in 1,000.
      expect(binomialAtLeast(now.declined, now.attempts, judged.usual)).toBeLessThan(1e-3)
    }
    // Issuers declining: 33 of 221 against 18 of 880, 13 of 44 on a small shop, three quarters of a busy shop's attempts.
    expect(judgeDeclines({ attempts: 221, declined: 33 }, weeks([5, 4, 5, 4], 220), levels)).toMatchObject({ raised: true })
    expect(judgeDeclines({ attempts: 44, declined: 13 }, weeks([1, 1, 1, 1], 44), levels).chance).toBeLessThan(1e-5)
    expect(judgeDeclines({ attempts: 300, declined: 225 }, weeks([6, 7, 5, 6], 300), levels).chance).toBeLessThan(1e-50)
    // Below the floor of 10 declined, or under twice the usual share, nothing opens however unlikely.
    expect(judgeDeclines({ attempts: 40, declined: 9 }, weeks([0, 0, 0, 0], 40), levels).raised).toBe(false)
    expect(judgeDeclines({ attempts: 2000, declined: 140 }, weeks([80, 80, 80, 80], 2000), levels).raised).toBe(false)
    // No attempts at these hours in the weeks compared: judged against a common 5 %.
    expect(judgeDeclines({ attempts: 30, declined: 12 }, weeks([0, 0, 0, 0], 0), levels)).toMatchObject({ usual: 0.05, raised: true })
  })

  it('says probabilities and amounts of time as people read them', () => {
    expect(oneIn(1e-4)).toBe('1 in 10,000')
    expect(oneIn(1 / 2345)).toBe('1 in 2,300')
    expect(oneIn(3e-8)).toBe('1 in 33 million')
    expect(oneIn(0)).toBe('below 1 in a billion')
    expect(describeLength(3 * 3600 + 600)).toBe('3 h 10 min')
    expect(describeLength(42 * 60)).toBe('42 min')
    expect(describeLength(51 * 3600)).toBe('2 days 3 h')
    expect(describeLength(40)).toBe('40 s')
    expect(describeLength(86400)).toBe('1 day')
    expect(describeLength(28 * 86400)).toBe('28 days')
    expect(about(37.6)).toBe('38')
    expect(about(0.44)).toBe('0.4')
    expect(percent(0.0075)).toBe('0.75 %')
    expect(percent(0.026)).toBe('2.6 %')
    expect(percent(0.6)).toBe('60 %')
  })

  it('compares the same hours of the week, four weeks back', () => {
    expect(sameLocalHours(UTC_CALENDAR, 1000, 2000)).toEqual([
      [1000, 2000],
      [1000 - 604800, 2000 - 604800],
      [1000 - 2 * 604800, 2000 - 2 * 604800],
      [1000 - 3 * 604800, 2000 - 3 * 604800],
      [1000 - 4 * 604800, 2000 - 4 * 604800]
    ])
  })

  it('compares only the weeks the history covers whole: a week before the first sale is not a week without sales', () => {
    const day = 86400
    expect(weeksCovered(60, 3 * 3600)).toBe(4)
    expect(weeksCovered(21.2, 3 * 3600)).toBe(3)
    expect(weeksCovered(14.5, 12.5 * 3600)).toBe(1) // 2 weeks and 12.5 h would need 14.52 days
    expect(weeksCovered(14 + 13 / 24, 12.5 * 3600)).toBe(2)
    expect(weeksCovered(14, day)).toBe(1)
    expect(weeksText(1, 1)).toBe('last week')
    expect(weeksText(3, 3)).toBe('the last 3 weeks')
    expect(weeksText(2, 4)).toBe('2 of the last 4 weeks')
  })

  it('draws the band chart with a place for every block, though the hours repeat each day', () => {
    const points = ['Thu', '06h', '12h', 'Fri', '06h', '12h*'].map((label, i) => ({ label, observed: i, low: 1, high: 3 }))
    const chart = mermaidBandChart(points, 'sales per 6 h', 'sales')
    const axis = /x-axis \[(.*)\]/.exec(chart)![1]!.split(', ')
    expect(new Set(axis).size).toBe(6)
    expect(axis.map((l) => l.replace(/\u200b/g, ''))).toEqual(['"Thu"', '"06h"', '"12h"', '"Fri"', '"06h"', '"12h*"'])
    expect(chart).toContain('bar [0, 1, 2, 3, 4, 5]')
  })

  it('counts business days (a Friday arrival is two business days late on Tuesday)', () => {
    const friday = Date.UTC(2026, 10, 27) / 1000
    expect(businessDaysBetween(friday, friday + 86400)).toBe(0) // Saturday
    expect(businessDaysBetween(friday, friday + 3 * 86400)).toBe(1) // Monday
    expect(businessDaysBetween(friday, friday + 4 * 86400)).toBe(2) // Tuesday
  })
})

describe('the registry, the only list of monitors', () => {
  it('names each monitor once, in the form inputs take, and every monitor one yields to is in it', () => {
    const names = MONITORS.map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    // `monitors` and `monitor-thresholds` read names of lower-case letters and hyphens.
    for (const name of names) expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/)
    for (const m of MONITORS) if (m.yieldsTo) expect(names).toContain(m.yieldsTo.monitor)
  })
})

describe('the inputs', () => {
  it('monitors: all, none, or a list of names; anything else is refused naming the input', () => {
    expect(parseMonitors('all', MONITORS)).toEqual(MONITORS.map((m) => m.name))
    expect(parseMonitors('none', MONITORS)).toEqual([])
    expect(parseMonitors('payouts, Silence', MONITORS)).toEqual(['silence', 'payouts'])
    expect(() => parseMonitors('silence, fraud', MONITORS)).toThrow(InputError)
    expect(() => parseMonitors('silence, fraud', MONITORS)).toThrow(/monitors.*unknown monitor "fraud"/)
    expect(() => parseMonitors('silence,,payouts', MONITORS)).toThrow(/unknown monitor ""/)
  })

  it('monitor-thresholds: monitor.level=value in each level’s unit, one a line or separated by commas or semicolons', () => {
    const levels = parseThresholds(
      'silence.probability=1e-5, disputes.warning=0.5%;\ncard-testing.failures=50\ndeclines.window=3h\nrefunds.probability=1/5000',
      MONITORS
    )
    expect(levels.silence!.probability).toBe(1e-5)
    expect(levels.disputes!.warning).toBe(0.005)
    expect(levels.disputes!.critical).toBe(0.015)
    expect(levels['card-testing']!.failures).toBe(50)
    expect(levels.declines!.window).toBe(3)
    expect(levels.refunds!.probability).toBe(1 / 5000)
    expect(parseThresholds('', MONITORS).declines!.min).toBe(10)
  })

  it.each([
    ['silence=1e-5', /is not monitor\.level=value/],
    ['silence.chance=1e-5', /unknown level "silence\.chance"/],
    ['card-testing.failures=lots', /card-testing\.failures: "lots" is not a whole number/],
    ['disputes.warning=150%', /disputes\.warning: 150% is out of range \(0% to 100%: the ratio that warns\)/],
    ['disputes.warning=2%', /disputes\.warning \(2%\) is above disputes\.critical \(1\.5%\)/],
    // A bare number for a share could be read two ways: refused, with how to write it.
    ['disputes.warning=0.75', /disputes\.warning: "0\.75" is not a percentage with its % \(0\.75%\)\. Write 0\.75% for 0\.75 %\./],
    ['payouts.late=1.5', /payouts\.late: "1\.5" is not a whole number of business days/],
    ['silence.probability=1e-5, silence.probability=1e-6', /given twice/]
  ])('monitor-thresholds %j is refused naming the input', (value, message) => {
    expect(() => parseThresholds(value, MONITORS)).toThrow(InputError)
    expect(() => parseThresholds(value, MONITORS)).toThrow(message)
  })

  it('says which thresholds name monitors that do not run', () => {
    expect(unusedThresholds('silence.probability=1e-5, disputes.warning=0.5%\ncard-testing.failures=50', ['silence', 'disputes'])).toEqual(['card-testing'])
    expect(unusedThresholds('', ['silence'])).toEqual([])
  })

  it('quotes what a user wrote without its control characters acting, and cuts a long value', () => {
    const huge = 'x'.repeat(120_000)
    const message = new InputError('limit', `"${huge}" is not a positive whole number`).message
    expect(message.length).toBeLessThan(200)
    expect(message).toContain('(120,000 characters)')
    expect(new InputError('limit', '"1\n::error::0\u202E" is not a number').message).toBe('Input `limit`: "1\\n::error::0\\u202e" is not a number')
  })

  it('fail-on and monitor-backtest', () => {
    expect(parseFailOn('Critical')).toBe('critical')
    expect(() => parseFailOn('error')).toThrow(/fail-on/)
    expect(parseBacktest('')).toBeUndefined()
    expect(parseBacktest('28d')).toBe(28 * 86400)
    expect(parseBacktest('4w')).toBe(28 * 86400)
    expect(parseBacktest('336h')).toBe(14 * 86400)
    expect(() => parseBacktest('12h')).toThrow(/monitor-backtest/)
    expect(() => parseBacktest('120d')).toThrow(/1d to 90d/)
  })
})

describe('what the monitors cannot see', () => {
  const sources = { tables: { charges: 't' }, failedCharges: false, accounts: false, indexed: new Set<string>() }
  const past = { isOpen: () => false, openedAt: () => undefined, openSince: () => false }
  const levels = parseThresholds('', MONITORS)

  it('a monitor that fails to run is told as not watching, and the others still look', async () => {
    const broken = { ...MONITORS[0]!, evaluate: () => Promise.reject(new Error('relation "t" does not exist')) }
    const fine = {
      ...MONITORS[5]!,
      reads: [] as const,
      evaluate: async () => ({ notes: [{ account: null, state: 'ok' as const, line: 'fine' }], findings: [] })
    }
    const outcomes = await evaluate({ query: () => Promise.reject(new Error('no query expected')) }, [broken, fine], levels, sources, 0, past, UTC_CALENDAR)
    expect(outcomes.map((o) => [o.monitor.name, o.unavailable ?? 'watching'])).toEqual([
      ['silence', 'could not run (relation "t" does not exist)'],
      ['payouts', 'watching']
    ])
    expect(cannotWatch(outcomes)).toEqual(['**silence**: could not run (relation "t" does not exist)'])
  })

  it('says in words what each needs: objects not synced, failed charges, a key that cannot read', async () => {
    const outcomes = await evaluate(
      { query: () => Promise.reject(new Error('no query expected')) },
      // These six by name: a monitor added to the registry has its own need, not this test's.
      MONITORS.filter((m) => ['declines', 'card-testing', 'disputes', 'refunds', 'payouts', 'renewals'].includes(m.name)),
      levels,
      { ...sources, tables: {}, unsynced: new Map([['refunds', 'the key cannot read refunds']]) },
      0,
      past,
      UTC_CALENDAR
    )
    expect(cannotWatch(outcomes)).toEqual([
      '**declines, card-testing**: need charges synced (add it to `objects`)',
      '**disputes**: needs disputes and charges synced (add them to `objects`)',
      '**refunds**: the key cannot read refunds',
      '**payouts**: needs payouts synced (add it to `objects`)',
      '**renewals**: needs invoices synced (add it to `objects`)'
    ])
  })

  it('an incremental copy behind the run is stale, with how far it got', () => {
    const at = Date.UTC(2026, 11, 6, 12) / 1000
    const report = (cursor: number) => ({ firstRun: false, from: 0, to: at, cursor, eventsProcessed: 0, refetched: 0, resweep: false, listed: true })
    const run = {
      incremental: new Map([
        ['charges', report(at - 60)],
        ['payouts', report(Date.UTC(2026, 9, 11) / 1000)]
      ] as const),
      progress: new Map()
    }
    const stale = staleObjects(['charges', 'payouts', 'refunds'], run, at)
    expect(stale).toEqual([{ object: 'payouts', through: Date.UTC(2026, 9, 11) / 1000, why: 'backfill' }])
    // 30 stored from 1 August to 11 October (71 days), the run on 6 December (127 days): about 54 in all.
    expect(staleLine(stale[0]!, 30, Date.UTC(2026, 7, 1) / 1000, at, 10)).toBe(
      'payouts complete through 2026-10-11 — backfill in progress, 30 of about 54 (each run stores 10: set `limit: all` to finish in one run)'
    )
    expect(staleLine(stale[0]!, 30, undefined, at, Number.POSITIVE_INFINITY)).toBe('payouts complete through 2026-10-11 — backfill in progress')
  })

  it('a run without incremental is not current past its created-before, nor when it reached its limit; a window up to now is', () => {
    const at = Date.UTC(2026, 11, 8, 6, 5) / 1000
    const midnight = Date.UTC(2026, 11, 8) / 1000
    const progress = (matched: number) => new Map([['charges', { matched, stored: matched, updated: 0, rejected: 0 }]]) as never
    const run = (matched: number) => ({ incremental: new Map(), progress: progress(matched) })
    // The daily digest: yesterday's window, run at 06:05.
    const window = staleObjects(['charges'], run(40), at, { limit: Infinity, createdLt: midnight })
    expect(window).toEqual([{ object: 'charges', through: midnight, why: 'window' }])
    expect(staleLine(window[0]!, 40, undefined, at, Infinity)).toBe(
      'charges synced only up to 2026-12-08 00:00 UTC (`created-before`): nothing after it is judged — leave `created-before` out to watch up to now'
    )
    // A window ending within the hour, and a limit not reached, leave the copy current.
    expect(staleObjects(['charges'], run(40), at, { limit: Infinity, createdLt: at - 600 })).toEqual([])
    expect(staleObjects(['charges'], run(40), at, { limit: 100, createdLt: undefined })).toEqual([])
    const limited = staleObjects(['charges'], run(100), at, { limit: 100, createdLt: undefined })
    expect(limited).toEqual([{ object: 'charges', why: 'limit' }])
    expect(staleLine(limited[0]!, 100, undefined, at, 100)).toBe(
      'charges: only the newest 100 were listed (`limit`), so the weeks compared are incomplete — set `limit: all` or `incremental: true`'
    )
  })
})

describe('the summary, from what a run saw', () => {
  const silence = MONITORS[0]!
  const payouts = MONITORS.find((m) => m.name === 'payouts')!
  const incident = {
    id: 'inc_00000000000000000001',
    account: null,
    monitor: 'payouts' as const,
    key: 'po_1',
    severity: 'critical' as const,
    openedAt: new Date(Date.UTC(2026, 3, 5, 12)),
    resolvedAt: null,
    summary: 'Payout po_1 failed (@octocat).',
    observed: {},
    expected: {},
    dashboardUrl: 'https://dashboard.stripe.com/test/payouts/po_1',
    issueNumber: 7,
    issueState: 'acknowledged' as const,
    issueSeverity: 'critical' as const,
    issueClaimedAt: null
  }
  const view = (more: Partial<MonitorView> = {}): MonitorView => ({
    outcomes: [
      { monitor: silence, notes: [{ account: null, state: 'ok', line: 'last sale 4 min ago' }], findings: [] },
      { monitor: payouts, notes: [], findings: [] }
    ],
    changes: [{ incident, state: 'ongoing' }],
    stale: [],
    blind: [],
    quiet: undefined,
    calendar: { ...UTC_CALENDAR, zone: 'Europe/London', zoneFrom: 'the Stripe account' },
    charts: new Map(),
    problems: [],
    acknowledged: new Set(),
    stripeAccount: undefined,
    ...more
  })
  const now = new Date(Date.UTC(2026, 3, 5, 14))

  it('puts the status first, then what it cannot see and the mute, then a line a monitor; an acknowledged incident says so', () => {
    const lines = renderStatus(
      view({
        stale: ['charges complete through 2026-03-01 — backfill in progress'],
        blind: ['**refunds**: the key cannot read refunds'],
        quiet: { until: Date.UTC(2026, 3, 6) / 1000 - 3600, windows: ['Sun'] }
      }),
      now
    )
    expect(lines.slice(0, 8)).toEqual([
      '### ✗ Monitor: 1 incident open',
      '',
      '**Cannot see:**',
      '',
      '* ◌ charges complete through 2026-03-01 — backfill in progress',
      '* ◐ **refunds**: the key cannot read refunds',
      '',
      expect.stringMatching(/^🔇 \*\*Muted\*\* until 2026-04-06 00:00 \(Europe\/London\) by `monitor-quiet` \(Sun\)/)
    ])
    expect(lines.join('\n')).toContain('- ✓ **silence** — last sale 4 min ago')
    expect(lines.join('\n')).toContain(
      '- ✗ **payouts** — Payout po\\_1 failed (@\u2060octocat). [Dashboard](https://dashboard.stripe.com/test/payouts/po_1) _(open since 2026-04-05 13:00 (Europe/London); acknowledged: its issue #7 was closed by hand)_'
    )
  })

  it("prints a monitor's own footnote when it watched and found nothing, and only then", () => {
    const disputes = MONITORS.find((m) => m.name === 'disputes')!
    const watched = (findings: MonitorView['outcomes'][number]['findings'], unavailable?: string) =>
      renderStatus(view({ outcomes: [{ monitor: disputes, notes: [], findings, unavailable }], changes: [] }), now).join('\n')
    expect(disputes.footnote).toContain('1,500 disputes a month (Visa VAMP)')
    expect(watched([])).toContain(`<sub>${disputes.footnote}</sub>`)
    const finding = { account: null, key: 'ratio', severity: 'warning' as const, summary: 'x', observed: {}, expected: {}, dashboard: 'disputes' }
    expect(watched([finding])).not.toContain(disputes.footnote)
    expect(watched([], 'needs disputes synced')).not.toContain(disputes.footnote)
  })

  it('ranks the status: an incident, then muted, stale, partial, learning, ok', () => {
    expect(worstOf(view())).toBe('critical')
    const finding = { account: null, key: 'gap', severity: 'critical' as const, summary: 'No sale in 4 h.', observed: {}, expected: {}, dashboard: 'payments' }
    const held = view({
      changes: [],
      stale: ['x'],
      outcomes: [{ monitor: silence, notes: [], findings: [], muted: [finding] }],
      quiet: { until: Date.UTC(2026, 3, 6) / 1000 - 3600, windows: ['Sun'] }
    })
    expect(worstOf(held)).toBe('muted')
    expect(renderStatus(held, now)[0]).toBe('### 🔇 Monitor: muted until 2026-04-06 00:00 (Europe/London) by `monitor-quiet` — 1 finding held back (silence)')
    expect(worstOf(view({ changes: [], stale: ['x'], blind: ['y'] }))).toBe('stale')
    expect(worstOf(view({ changes: [], blind: ['y'] }))).toBe('partial')
    expect(worstOf(view({ changes: [] }))).toBe('ok')
  })
})

describe('fail-on', () => {
  const change = (id: string, issueState: 'open' | 'acknowledged' | null, severity: 'critical' | 'warning' = 'critical') => ({
    state: 'ongoing' as const,
    incident: {
      id,
      account: null,
      monitor: 'disputes' as const,
      key: 'ratio',
      severity,
      openedAt: new Date(0),
      resolvedAt: null,
      summary: 'Disputes are 1.9 % of sales.',
      observed: {},
      expected: {},
      dashboardUrl: 'https://dashboard.stripe.com/test/disputes',
      issueNumber: 3,
      issueState,
      issueSeverity: null,
      issueClaimedAt: null
    }
  })
  it('fails on an open critical incident, not on one a person acknowledged by closing its issue', () => {
    expect(failOnVerdict([change('inc_a', 'open')], 'critical')).toMatch(
      /^fail-on: critical — 1 critical incident open\. disputes: Disputes are 1\.9 % of sales\./
    )
    expect(failOnVerdict([change('inc_a', 'acknowledged')], 'critical')).toBeUndefined()
    // Acknowledged this very run (the issue log saw the close).
    expect(failOnVerdict([change('inc_a', 'open')], 'critical', new Set(['inc_a']))).toBeUndefined()
    expect(failOnVerdict([change('inc_a', 'acknowledged'), change('inc_b', null, 'warning')], 'warning')).toMatch(/1 incident open/)
  })
})
