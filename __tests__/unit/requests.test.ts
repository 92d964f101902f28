import { requestsLine, scheduleOf } from '../../src/report/requests.js'

// The month of Stripe requests the summary projects: only from runs that look like a schedule, and
// saying what it assumes.
const NOW = new Date('2026-12-03T12:00:00Z')
const runs = (...ago: Array<[seconds: number, requests: number]>) => ago.map(([s, r]) => ({ startedAt: new Date(NOW.getTime() - s * 1000), stripeRequests: r }))
const length = (s: number) => `${s / 60} minutes`

describe('the schedule the recent runs suggest', () => {
  it('none from two runs a few seconds apart (the demo), nor from no earlier run', () => {
    expect(scheduleOf(NOW, 2, runs([3, 150]))).toBeUndefined()
    expect(scheduleOf(NOW, 2, runs([240, 150]))).toBeUndefined()
    expect(scheduleOf(NOW, 2, [])).toBeUndefined()
  })

  it('one interval of five minutes or more is a schedule', () => {
    expect(scheduleOf(NOW, 3, runs([3600, 5]))).toEqual({ intervalSeconds: 3600, requestsPerRun: 4, intervals: 1 })
  })

  it('several runs: the median interval (a minute counts) and the median requests, so a backfill or a retry moves neither', () => {
    expect(scheduleOf(NOW, 1, runs([60, 1], [120, 1], [180, 1], [190, 1200]))).toEqual({ intervalSeconds: 60, requestsPerRun: 1, intervals: 4 })
    // An hourly schedule with a run by hand in between.
    expect(scheduleOf(NOW, 3, runs([10, 3], [3600, 3], [7200, 3], [10800, 900]))).toEqual({ intervalSeconds: 3595, requestsPerRun: 3, intervals: 4 })
    expect(scheduleOf(NOW, 1, runs([20, 1], [40, 1], [60, 1]))).toBeUndefined()
  })
})

describe('the month of requests, per account', () => {
  it('projects a month at the schedule, says what it assumes, and compares it with the allocation per account', () => {
    const one = requestsLine(100, { intervalSeconds: 3600, requestsPerRun: 100, intervals: 1 }, length)
    expect(one.text).toBe(
      '100 Stripe API requests this run (retries included); about 72,000 a month at 100 requests a run every 60 minutes (the interval since the previous run).'
    )
    expect(one.warning).toContain('about 72,000 Stripe read requests a month, more than 10,000')
    expect(requestsLine(7, { intervalSeconds: 3600, requestsPerRun: 3, intervals: 5 }, length).text).toBe(
      '7 Stripe API requests this run (retries included); about 2,160 a month at 3 requests a run every 60 minutes (the median of the last 5 intervals and runs).'
    )
    // 1,000 accounts at 1 request each, hourly: 720 a month each, well within every account's allocation.
    const many = requestsLine(1000, { intervalSeconds: 3600, requestsPerRun: 1000, intervals: 1 }, length, 1000)
    expect(many.text).toContain('about 720,000 a month (about 720 for each of 1,000 accounts)')
    expect(many.warning).toBeUndefined()
    expect(requestsLine(30_000, { intervalSeconds: 3600, requestsPerRun: 30_000, intervals: 1 }, length, 1000).warning).toContain(
      'about 21,600 Stripe read requests a month for each account'
    )
    expect(requestsLine(5, undefined, length)).toEqual({ text: '5 Stripe API requests this run (retries included).', warning: undefined })
  })
})
