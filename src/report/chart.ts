import { minorToNumber } from './money.js'

export interface Bar {
  label: string
  /** Gross in major units. */
  value: number
}

export interface Chart {
  unit: 'day' | 'week' | 'month'
  bars: Bar[]
}

const DAY = 86400
/** More bars than this are unreadable on a summary page: days become weeks, weeks become months. */
export const MAX_BARS = 62

function dayLabel(day: number): string {
  return new Date(day * DAY * 1000).toISOString().slice(5, 10)
}

/**
 * Gross per bucket over [fromDay, toDay] (UTC day numbers), including empty buckets so the chart's
 * gaps are real gaps. Daily up to MAX_BARS days, then weekly (Mondays), then monthly (last MAX_BARS months).
 */
export function bucketize(daily: ReadonlyMap<number, number>, fromDay: number, toDay: number, currency: string): Chart {
  const span = toDay - fromDay + 1
  if (span <= MAX_BARS) {
    const bars: Bar[] = []
    for (let d = fromDay; d <= toDay; d++) bars.push({ label: dayLabel(d), value: minorToNumber(daily.get(d) ?? 0, currency) })
    return { unit: 'day', bars }
  }
  const weekly = span <= MAX_BARS * 7
  const sums = new Map<string, number>()
  const keyOf = (day: number): string => {
    if (weekly) return dayLabel(day - ((new Date(day * DAY * 1000).getUTCDay() + 6) % 7))
    return new Date(day * DAY * 1000).toISOString().slice(0, 7)
  }
  for (let d = fromDay; d <= toDay; d++) {
    const key = keyOf(d)
    sums.set(key, (sums.get(key) ?? 0) + (daily.get(d) ?? 0))
  }
  const bars = [...sums].map(([label, minor]) => ({ label, value: minorToNumber(minor, currency) }))
  return { unit: weekly ? 'week' : 'month', bars: bars.slice(-MAX_BARS) }
}

/** A rounded-up axis maximum: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power
  return 10 * power
}

/** A Mermaid `xychart-beta` bar chart, as GitHub renders it in a ```mermaid block. */
export function mermaidBarChart(chart: Chart, currency: string): string {
  const code = currency.toUpperCase()
  const title = `${chart.unit === 'day' ? 'Daily' : chart.unit === 'week' ? 'Weekly' : 'Monthly'} gross, ${code}`
  const max = niceMax(Math.max(...chart.bars.map((b) => b.value), 0))
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis [${chart.bars.map((b) => `"${b.label}"`).join(', ')}]`,
    `    y-axis "${code}" 0 --> ${max}`,
    `    bar [${chart.bars.map((b) => String(b.value)).join(', ')}]`,
    '```'
  ].join('\n')
}
