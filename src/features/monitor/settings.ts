import { InputError } from '../../config.js'
import { cut } from '../../text.js'
import { DAY_SECONDS, ageSeconds } from '../../time.js'
import { knownZone } from '../../zone.js'
import type { HolidayCode } from './holidays.js'
import type { QuietWindow } from './quiet.js'
import type { Monitor, MonitorName, Setting, Severity } from './monitor.js'

/** What the monitor's inputs say. */
export interface MonitorSettings {
  /** Each monitor's levels: its defaults, with `monitor-thresholds` over them. */
  levels: Readonly<Record<MonitorName, Readonly<Record<string, number>>>>
  failOn: 'never' | Severity
  incidentIssues: boolean
  githubToken: string
  /** `monitor-backtest`: replay this many seconds of history hour by hour instead of monitoring. */
  backtestSeconds: number | undefined
  /** `monitor-timezone`: the account's local time; undefined: the Stripe account's own. */
  timezone: string | undefined
  /** `monitor-holidays`: a country or region, none; undefined: the Stripe account's country. */
  holidays: HolidayCode | 'none' | undefined
  /** `monitor-quiet`: windows that mute the opening of incidents. */
  quiet: QuietWindow[]
}

/** `monitor-timezone`: empty (the Stripe account's) or an IANA time zone name (Europe/London, America/New_York). */
export function parseTimezone(value: string): string | undefined {
  const text = value.trim()
  if (text === '') return undefined
  const zone = knownZone(text)
  if (!zone) throw new InputError('monitor-timezone', `"${cut(text, 40)}" is not an IANA time zone name (e.g. Europe/London, America/New_York, UTC).`)
  return zone
}

/** `monitors`: all (the default), none, or a list of the registry's names; returned in the registry's order. */
export function parseMonitors(value: string, registry: readonly Monitor[]): MonitorName[] {
  const known = registry.map((m) => m.name)
  const text = value.trim().toLowerCase()
  if (text === 'all') return known
  if (text === 'none') return []
  const names = text.split(',').map((p) => p.trim())
  for (const name of names) {
    if (!known.includes(name)) {
      throw new InputError('monitors', `unknown monitor "${cut(name, 40)}". Expected all, none, or a comma-separated list of ${known.join(', ')}.`)
    }
  }
  return known.filter((n) => names.includes(n))
}

const UNIT_FORMS: Record<Setting['unit'], string> = {
  count: 'a whole number',
  share: 'a percentage with its % (0.75%)',
  probability: 'a probability (1e-4, 0.0001 or 1/10000)',
  hours: 'hours (2 or 2h)',
  minutes: 'minutes (30 or 30m)',
  days: 'days (2 or 2d)',
  'business days': 'a whole number of business days (2 or 2d)',
  ratio: 'a number (2 or 2.5)'
}

/** One value of `monitor-thresholds` in its level's unit; undefined when it is not written that way. */
function readValue(text: string, unit: Setting['unit']): number | undefined {
  const number = (s: string) => (/^\d+(\.\d+)?(e-?\d+)?$/i.test(s) ? Number(s) : undefined)
  switch (unit) {
    case 'count':
      return /^\d+$/.test(text) ? Number(text) : undefined
    case 'share':
      // Only with its %: a bare 0.75 could mean 0.75 % or 75 %, and read wrong it turns a monitor off.
      return text.endsWith('%') ? (number(text.slice(0, -1).trim()) ?? NaN) / 100 : undefined
    case 'probability': {
      const ratio = /^1\s*\/\s*(\d+)$/.exec(text)
      return ratio ? 1 / Number(ratio[1]) : number(text)
    }
    case 'hours':
      return number(text.replace(/\s*h$/i, ''))
    case 'minutes':
      return number(text.replace(/\s*m(in)?$/i, ''))
    case 'days':
      return number(text.replace(/\s*d$/i, ''))
    case 'business days': {
      const days = text.replace(/\s*d$/i, '')
      return /^\d+$/.test(days) ? Number(days) : undefined
    }
    case 'ratio':
      return number(text.replace(/\s*x$/i, ''))
  }
}

/**
 * `monitor-thresholds`: `monitor.level=value` pairs, one a line or separated by commas or
 * semicolons (`silence.probability=1e-5, disputes.warning=0.5%, card-testing.failures=50`). Each
 * level is written in its unit; anything else is refused naming the input.
 */
export function parseThresholds(value: string, monitors: readonly Monitor[]): Record<MonitorName, Record<string, number>> {
  const levels = Object.fromEntries(monitors.map((m) => [m.name, Object.fromEntries(Object.entries(m.levels).map(([k, s]) => [k, s.default]))])) as Record<
    MonitorName,
    Record<string, number>
  >
  const known = monitors.flatMap((m) => Object.keys(m.levels).map((l) => `${m.name}.${l}`))
  const form = `Expected monitor.level=value pairs separated by commas, semicolons or lines, e.g. silence.probability=1e-5, disputes.warning=0.5%. Levels: ${known.join(', ')}.`
  const seen = new Set<string>()
  for (const part of value
    .split(/[\r\n,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const match = /^([a-z-]+)\.([a-z-]+)\s*=\s*(.+)$/i.exec(part)
    if (!match) throw new InputError('monitor-thresholds', `"${cut(part, 60)}" is not monitor.level=value. ${form}`)
    const [monitorName = '', level = '', raw = ''] = match.slice(1)
    const monitor = monitors.find((m) => m.name === monitorName.toLowerCase())
    const setting = monitor?.levels[level.toLowerCase()]
    if (!monitor || !setting) throw new InputError('monitor-thresholds', `unknown level "${cut(`${monitorName}.${level}`, 60)}". ${form}`)
    const name = `${monitor.name}.${level.toLowerCase()}`
    if (seen.has(name)) throw new InputError('monitor-thresholds', `${name} is given twice. ${form}`)
    seen.add(name)
    const n = readValue(raw.trim(), setting.unit)
    if (n === undefined || !Number.isFinite(n)) {
      const bare = setting.unit === 'share' && /^\d+(\.\d+)?$/.test(raw.trim()) ? ` Write ${raw.trim()}% for ${raw.trim()} %.` : ''
      throw new InputError('monitor-thresholds', `${name}: "${cut(raw, 40)}" is not ${UNIT_FORMS[setting.unit]}.${bare}`)
    }
    if (n < setting.min || n > setting.max) {
      throw new InputError(
        'monitor-thresholds',
        `${name}: ${cut(raw.trim(), 40)} is out of range (${written(setting.min, setting.unit)} to ${written(setting.max, setting.unit)}: ${setting.description}).`
      )
    }
    levels[monitor.name]![level.toLowerCase()] = n
  }
  for (const m of monitors) {
    const l = levels[m.name]!
    if (l.warning !== undefined && l.critical !== undefined && l.warning > l.critical) {
      const unit = m.levels.warning!.unit
      throw new InputError('monitor-thresholds', `${m.name}.warning (${written(l.warning, unit)}) is above ${m.name}.critical (${written(l.critical, unit)}).`)
    }
  }
  return levels
}

/** A level as a user writes it: a share as a percentage (`150%`), the rest as numbers. */
function written(n: number, unit: Setting['unit']): string {
  return unit === 'share' ? `${Math.round(n * 100 * 1e6) / 1e6}%` : String(n)
}

/** The monitors' names in `monitor-thresholds` that are not among those run: their levels do nothing. */
export function unusedThresholds(value: string, run: readonly MonitorName[]): string[] {
  const named = value
    .split(/[\r\n,;]+/)
    .map((p) => /^([a-z-]+)\./i.exec(p.trim())?.[1]?.toLowerCase())
    .filter((n): n is string => n !== undefined)
  return [...new Set(named.filter((n) => !run.includes(n)))]
}

/** `fail-on`: never (the default), warning or critical. */
export function parseFailOn(value: string): MonitorSettings['failOn'] {
  const text = value.trim().toLowerCase()
  if (text === 'never' || text === 'warning' || text === 'critical') return text
  throw new InputError('fail-on', `"${cut(value, 40)}" is not one of never, warning, critical.`)
}

/** `monitor-backtest`: empty (off) or a length of history, 1d to 90d (`28d`, `4w`, `672h`). */
export function parseBacktest(value: string): number | undefined {
  const text = value.trim().toLowerCase()
  if (text === '' || text === 'false' || text === 'off') return undefined
  const seconds = ageSeconds(text) ?? NaN
  if (!(seconds >= DAY_SECONDS && seconds <= 90 * DAY_SECONDS)) {
    throw new InputError('monitor-backtest', `"${cut(value, 40)}" is not a length of history from 1d to 90d (e.g. 28d, 4w, 336h).`)
  }
  return seconds
}
