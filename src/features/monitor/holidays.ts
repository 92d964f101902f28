import { InputError } from '../../config.js'
import { shown } from '../../text.js'
import { HOLIDAY_TYPES, type HolidayDates } from './holiday-data.js'

/**
 * Public holidays, from the maintained `date-holidays` library (never a list written here): the
 * days a shop may close that its weeks before do not foretell. Public and bank holidays count;
 * observances (Mother's Day, Valentine's Day, Easter Sunday in England) do not: most shops sell on
 * them, and a shop that closes can say so with `monitor-quiet`.
 */
export interface HolidayCalendar {
  /** `GB`, `US-CA`; empty for none. */
  readonly code: string
  /** How the summary names it: "GB (any of its regions)", "US-CA". */
  readonly label: string
  /** The holiday's name on a local date (`YYYY-MM-DD`), if it is one. */
  nameOf(date: string): string | undefined
}

export const NO_HOLIDAYS: HolidayCalendar = { code: '', label: 'none', nameOf: () => undefined }

/** What `monitor-holidays` (or the account's country) asks for: a country, perhaps one of its regions. */
export interface HolidayCode {
  country: string
  region?: string
}

/**
 * `monitor-holidays`: empty (the account's country), `none`, or a country or region code (`GB`,
 * `US-CA`, `DE-BY`, `GB-ENG`). The form is checked here; whether the library knows the code is
 * checked when it is loaded (a warning, then the country alone).
 */
export function parseHolidays(value: string): HolidayCode | 'none' | undefined {
  const text = value.trim()
  if (text === '') return undefined
  if (text.toLowerCase() === 'none') return 'none'
  const match = /^([A-Za-z]{2})(?:[-.]([A-Za-z0-9]{1,3}))?$/.exec(text)
  if (!match) {
    throw new InputError('monitor-holidays', `"${shown(text, 40)}" is not a country or region code (GB, US-CA, DE-BY) or none.`)
  }
  return { country: match[1]!.toUpperCase(), ...(match[2] ? { region: match[2].toUpperCase() } : {}) }
}

/** A holiday calendar's loading: the calendar, and what the user should know (an unknown code). */
export interface LoadedHolidays {
  calendar: HolidayCalendar
  problem?: string
}

/**
 * The holidays of a country (of any of its regions: England's August bank holiday is not national in
 * `GB`) or of one region, for the given years. A country's within the years computed at build time
 * come from `holiday-dates.ts`; the rest (one region, other years) from the library itself, which
 * is imported only then (about 0.4 s and 23 MB once loaded).
 */
export async function loadHolidays(code: HolidayCode, years: readonly number[]): Promise<LoadedHolidays> {
  if (!code.region) {
    const { HOLIDAY_DATES } = await import('./holiday-dates.js')
    if (years.every((y) => y >= HOLIDAY_DATES.from && y <= HOLIDAY_DATES.to)) return countryFrom(HOLIDAY_DATES, code.country, years)
  }
  return loadFromLibrary(code, years)
}

/** A country's holidays (any of its regions) from the dates computed at build time: what the library gives. */
export function countryFrom(data: HolidayDates, country: string, years: readonly number[]): LoadedHolidays {
  const found = data.countries[country]
  if (!found) return { calendar: NO_HOLIDAYS, problem: unknownCountry(country) }
  const names = new Map<string, string>()
  const wanted = new Set(years.map(String))
  for (const [, date, n] of found.days) {
    if (!wanted.has(date.slice(0, 4))) continue
    addName(names, date, found.names[n]!)
  }
  const label = found.regions.length > 1 ? `${country} (any of its regions)` : country
  return { calendar: { code: country, label, nameOf: (date) => names.get(date) } }
}

function unknownCountry(country: string): string {
  return `the holiday library does not know the country ${country}: no public holidays are taken into account.`
}

/** One more holiday's name on a date: "Christmas Day / Weihnachten" when a date has two. */
function addName(names: Map<string, string>, date: string, name: string): void {
  const before = names.get(date)
  if (!before) names.set(date, name)
  else if (!before.split(' / ').includes(name)) names.set(date, `${before} / ${name}`)
}

/** The holidays as the library computes them now (regions, years outside the computed range, and the parity test). */
export async function loadFromLibrary(code: HolidayCode, years: readonly number[]): Promise<LoadedHolidays> {
  const { default: Holidays } = await import('date-holidays')
  const library = new Holidays()
  const countries = library.getCountries('en') as Record<string, string>
  if (!countries[code.country]) return { calendar: NO_HOLIDAYS, problem: unknownCountry(code.country) }
  const regions = (library.getStates(code.country, 'en') ?? {}) as Record<string, string>
  let problem: string | undefined
  let chosen: Array<string | undefined>
  if (code.region) {
    if (regions[code.region]) chosen = [code.region]
    else {
      const known = Object.keys(regions)
      problem = `monitor-holidays: ${code.country} has no region ${code.region} in the holiday library${known.length > 0 ? ` (its regions: ${known.join(', ')})` : ''}; the holidays of any of its regions are used.`
      chosen = [undefined, ...known]
    }
  } else {
    chosen = [undefined, ...Object.keys(regions)]
  }
  const names = new Map<string, string>()
  for (const region of chosen) {
    const h = new Holidays(code.country, region ?? '', { types: [...HOLIDAY_TYPES] })
    for (const year of years) {
      for (const day of h.getHolidays(year, 'en')) {
        if (!(HOLIDAY_TYPES as readonly string[]).includes(day.type)) continue
        addName(names, day.date.slice(0, 10), day.name)
      }
    }
  }
  const label = code.region && !problem ? `${code.country}-${code.region}` : chosen.length > 1 ? `${code.country} (any of its regions)` : code.country
  return { calendar: { code: code.region && !problem ? `${code.country}-${code.region}` : code.country, label, nameOf: (date) => names.get(date) }, problem }
}
