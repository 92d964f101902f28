import { DAY_SECONDS } from '../time.js'
import { minorToNumber } from './money.js'

export interface Bar {
  label: string
  /** Gross in major units. */
  value: number
  /** The run covered only part of this bucket. */
  partial: boolean
}

export interface Chart {
  unit: 'day' | 'week' | 'month'
  bars: Bar[]
  /** First and last day (UTC day numbers) the chart covers. */
  fromDay: number
  toDay: number
}

/** More bars than this are unreadable on a summary page: days become weeks, weeks become months. */
export const MAX_BARS = 31
/** Up to this many bars keep full labels ("Nov 22"); more get compact ones ("22") so none overlap. */
export const FULL_LABELS = 12
/** Fewer buckets than this say nothing a table does not: no chart. */
export const MIN_BARS = 3

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function dayDate(day: number): Date {
  return new Date(day * DAY_SECONDS * 1000)
}

/** "Nov 22" */
export function shortDay(day: number): string {
  const d = dayDate(day)
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`
}

/** "Nov 22 – Nov 27, 2026" or "Dec 28, 2025 – Jan 3, 2026" or "Nov 27, 2026". */
export function dayRange(fromDay: number, toDay: number): string {
  const a = dayDate(fromDay)
  const b = dayDate(toDay)
  if (fromDay === toDay) return `${shortDay(fromDay)}, ${a.getUTCFullYear()}`
  if (a.getUTCFullYear() === b.getUTCFullYear()) return `${shortDay(fromDay)} – ${shortDay(toDay)}, ${b.getUTCFullYear()}`
  return `${shortDay(fromDay)}, ${a.getUTCFullYear()} – ${shortDay(toDay)}, ${b.getUTCFullYear()}`
}

export interface Coverage {
  /** The first and last bucket hold only part of their time. */
  partialStart: boolean
  partialEnd: boolean
}

/**
 * Gross per bucket over [fromDay, toDay] (UTC day numbers), including empty buckets so the chart's
 * gaps are real gaps. Daily up to MAX_BARS days, then weekly (Mondays), then monthly (last MAX_BARS
 * months). The first and last bucket are marked partial when the run covered only part of them.
 */
export function bucketize(
  daily: ReadonlyMap<number, number>,
  fromDay: number,
  toDay: number,
  currency: string,
  coverage: Coverage = { partialStart: false, partialEnd: false }
): Chart {
  const span = toDay - fromDay + 1
  const unit = span <= MAX_BARS ? 'day' : span <= MAX_BARS * 7 ? 'week' : 'month'
  const keyOf = (day: number): string => {
    if (unit === 'day') return String(day)
    if (unit === 'week') return String(day - ((dayDate(day).getUTCDay() + 6) % 7))
    return dayDate(day).toISOString().slice(0, 7)
  }
  const labelOf = (key: string): string => {
    if (unit === 'month') return `${MONTHS[Number(key.slice(5, 7)) - 1]} ${key.slice(2, 4)}`
    return shortDay(Number(key))
  }
  const sums = new Map<string, number>()
  for (let d = fromDay; d <= toDay; d++) {
    const key = keyOf(d)
    sums.set(key, (sums.get(key) ?? 0) + (daily.get(d) ?? 0))
  }
  const keys = [...sums.keys()]
  // A week or month bucket that the range starts or ends inside is partial too.
  const startsInside = unit !== 'day' && keyOf(fromDay - 1) === keyOf(fromDay)
  const endsInside = unit !== 'day' && keyOf(toDay + 1) === keyOf(toDay)
  const bars = keys.map((key, i) => ({
    label: labelOf(key),
    value: minorToNumber(sums.get(key)!, currency),
    partial: (i === 0 && (coverage.partialStart || startsInside)) || (i === keys.length - 1 && (coverage.partialEnd || endsInside))
  }))
  const kept = bars.slice(-MAX_BARS)
  return { unit, bars: kept, fromDay, toDay }
}

/** A rounded-up axis maximum: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power
  return 10 * power
}

/** The axis scale that keeps the numbers short: units, thousands or millions. */
export function axisScale(max: number): { divisor: number; word: string } {
  if (max >= 10_000_000) return { divisor: 1_000_000, word: 'millions' }
  if (max >= 10_000) return { divisor: 1_000, word: 'thousands' }
  return { divisor: 1, word: '' }
}

/** GitHub's link blue: visible on light and dark themes (Mermaid's default bar colour is near-white). */
export const BAR_COLOUR = '#2f81f7'

/**
 * Labels short enough not to run into each other at a job page's width: beyond FULL_LABELS bars,
 * only the first bar and each change of month (or year, for monthly bars) carry the month.
 */
export function axisLabels(chart: Chart): string[] {
  const full = chart.bars.length <= FULL_LABELS
  let lastPrefix = ''
  return chart.bars.map((b) => {
    const [prefix, rest] = b.label.split(' ') as [string, string]
    let label = b.label
    if (!full) {
      if (chart.unit === 'month') label = rest !== lastPrefix ? b.label : prefix
      else label = prefix !== lastPrefix ? b.label : rest
      lastPrefix = chart.unit === 'month' ? rest : prefix
    }
    return `${label}${b.partial ? '*' : ''}`
  })
}

/** A Mermaid `xychart-beta` bar chart, as GitHub renders it in a ```mermaid block. */
export function mermaidBarChart(chart: Chart, currency: string): string {
  const code = currency.toUpperCase()
  const scale = axisScale(Math.max(...chart.bars.map((b) => b.value), 0))
  const values = chart.bars.map((b) => Math.round((b.value / scale.divisor) * 100) / 100)
  const per = chart.unit === 'day' ? 'day' : chart.unit === 'week' ? 'week (from Monday)' : 'month'
  const title = `Succeeded gross per ${per}, ${dayRange(chart.fromDay, chart.toDay)} (UTC)`
  return [
    '```mermaid',
    `%%{init: {"xyChart": {"width": 900, "height": 400}, "themeVariables": {"xyChart": {"plotColorPalette": "${BAR_COLOUR}"}}}}%%`,
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis [${axisLabels(chart)
      .map((label) => `"${label}"`)
      .join(', ')}]`,
    `    y-axis "${code}${scale.word ? `, ${scale.word}` : ''}" 0 --> ${niceMax(Math.max(...values, 0))}`,
    `    bar [${values.join(', ')}]`,
    '```'
  ].join('\n')
}

/** One point of a line chart: a label ("Nov 26") and a value in major units. */
export interface Point {
  label: string
  value: number
}

/** A Mermaid `xychart-beta` line chart (MRR month by month), from zero so a dip is not exaggerated. */
export function mermaidLineChart(points: readonly Point[], currency: string, title: string): string {
  const code = currency.toUpperCase()
  const scale = axisScale(Math.max(...points.map((p) => p.value), 0))
  const values = points.map((p) => Math.round((p.value / scale.divisor) * 100) / 100)
  return [
    '```mermaid',
    `%%{init: {"xyChart": {"width": 900, "height": 220}, "themeVariables": {"xyChart": {"plotColorPalette": "${BAR_COLOUR}"}}}}%%`,
    'xychart-beta',
    `    title "${title.replace(/"/g, "'")}"`,
    `    x-axis [${points.map((p) => `"${p.label}"`).join(', ')}]`,
    `    y-axis "${code}${scale.word ? `, ${scale.word}` : ''}" 0 --> ${niceMax(Math.max(...values, 0))}`,
    `    line [${values.join(', ')}]`,
    '```'
  ].join('\n')
}

/** "2026-11-01" → "Nov 26" */
export function monthLabel(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(2, 4)}`
}

/** One point of a chart against a band: what was seen, and the lowest and highest of the weeks before. */
export interface BandPoint {
  label: string
  observed: number
  low: number
  high: number
}

/**
 * A Mermaid `xychart-beta` chart of counts against the band of the weeks before: bars for what was
 * seen, two lines for the lowest and the highest the same hours reached. A monitor's incident shows
 * where it left the band.
 */
export function mermaidBandChart(points: readonly BandPoint[], title: string, unit: string): string {
  const max = Math.max(...points.flatMap((p) => [p.observed, p.high]), 1)
  // Mermaid places points by their label: a label seen before ("06h" each day) gets invisible
  // zero-width spaces, one more each time, so it is a place of its own and reads the same.
  const seen = new Map<string, number>()
  const labels = points.map((p) => {
    const n = seen.get(p.label) ?? 0
    seen.set(p.label, n + 1)
    return p.label + '\u200b'.repeat(n)
  })
  return [
    '```mermaid',
    `%%{init: {"xyChart": {"width": 900, "height": 260}, "themeVariables": {"xyChart": {"plotColorPalette": "${BAR_COLOUR}, #8c959f, #8c959f"}}}}%%`,
    'xychart-beta',
    `    title "${title.replace(/"/g, "'")}"`,
    `    x-axis [${labels.map((label) => `"${label}"`).join(', ')}]`,
    `    y-axis "${unit.replace(/"/g, "'")}" 0 --> ${niceMax(max)}`,
    `    bar [${points.map((p) => p.observed).join(', ')}]`,
    `    line [${points.map((p) => p.low).join(', ')}]`,
    `    line [${points.map((p) => p.high).join(', ')}]`,
    '```'
  ].join('\n')
}
