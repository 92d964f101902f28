import { InputError } from '../../config.js'
import { cut } from '../../text.js'
import { HOLIDAY_TYPES, type HolidayDates } from './holiday-data.js'
import { HOLIDAY_CODES } from './holiday-codes.js'

/**
 * Public holidays, from the maintained `date-holidays` library (never a list written here): the
 * days a shop may close that its weeks before do not foretell. Public and bank holidays count;
 * observances (Mother's Day, Valentine's Day, Easter Sunday in England) do not: most shops sell on
 * them, and a shop that closes can say so with `monitor-quiet`.
 *
 * A day is the shop's holiday when its whole country keeps it, or when it is kept where the shop
 * is: the region `monitor-holidays` names (`US-NY`, `DE-BY`), else the region of the Stripe
 * account's address. Where the region is not known, a regional day counts when more than half of
 * the country's regions keep it — England, Wales and Northern Ireland's August bank holiday is kept
 * by 3 of the United Kingdom's 4 nations, and a British shop closes on it — and not otherwise: one
 * Massachusetts county's Evacuation Day, Rio's São Jorge day or Germany's Corpus Christi (6 of 16
 * states) are ordinary days there, watched and kept in the weeks compared, because on them the
 * shop sells as on any other day.
 */
export interface HolidayCalendar {
  /** `GB`, `US-CA`; empty for none. */
  readonly code: string
  /** How the summary names it: "GB", "US-CA". */
  readonly label: string
  /** The holiday's name on a local date (`YYYY-MM-DD`), if it is one. */
  nameOf(date: string): string | undefined
  /** Where it is kept: "GB", "US-NY", "most of GB: ENG, NIR, WLS". */
  whereOf(date: string): string | undefined
}

export const NO_HOLIDAYS: HolidayCalendar = { code: '', label: 'none', nameOf: () => undefined, whereOf: () => undefined }

/** What `monitor-holidays` (or the account's country) asks for: a country, perhaps one of its regions. */
export interface HolidayCode {
  country: string
  region?: string
}

/**
 * `monitor-holidays`: empty (the account's country), `none`, or a country or region code (`GB`,
 * `US-CA`, `DE-BY`, `GB-ENG`). The form and the code are checked here, before the run asks Stripe
 * anything: a code the holiday library does not know is refused, naming the input.
 */
export function parseHolidays(value: string, codes: Readonly<Record<string, readonly string[]>> = HOLIDAY_CODES): HolidayCode | 'none' | undefined {
  const text = value.trim()
  if (text === '') return undefined
  if (text.toLowerCase() === 'none') return 'none'
  const match = /^([A-Za-z]{2})(?:[-.]([A-Za-z0-9]{1,3}))?$/.exec(text)
  if (!match) {
    throw new InputError('monitor-holidays', `"${cut(text, 40)}" is not a country or region code (GB, US-CA, DE-BY) or none.`)
  }
  const country = match[1]!.toUpperCase()
  const region = match[2]?.toUpperCase()
  const known = codes[country]
  if (!known) {
    const hint = ALIASES[country] ? ` Did you mean ${ALIASES[country]}?` : ''
    throw new InputError('monitor-holidays', `"${cut(text, 40)}": the holiday library knows no country ${country} (ISO 3166 codes: GB, US, DE, BR, IN).${hint}`)
  }
  if (region && !known.includes(region)) {
    const regions = known
    throw new InputError(
      'monitor-holidays',
      `"${cut(text, 40)}": ${country} has no region ${region} in the holiday library${regions.length > 0 ? ` (its regions: ${regions.join(', ')})` : ' (it has no regions: give the country alone)'}.`
    )
  }
  return { country, ...(region ? { region } : {}) }
}

/** Codes people write that are not ISO 3166's. */
const ALIASES: Record<string, string> = { UK: 'GB', EL: 'GR', EN: 'GB-ENG' }

/** A holiday calendar's loading: the calendar, and what the user should know (an unknown code). */
export interface LoadedHolidays {
  calendar: HolidayCalendar
  problem?: string
}

/**
 * The shop's holidays for the given years (the rule above). A country's within the years computed
 * at build time come from `holiday-dates.ts`; other years from the library itself, which is
 * imported only then (about 0.4 s and 23 MB once loaded). A region the library does not know (one
 * read from the account's address) is left out: the country's rule holds.
 */
export async function loadHolidays(code: HolidayCode, years: readonly number[]): Promise<LoadedHolidays> {
  // Imported only by a run that asks for holidays: parsing every country's dates costs a few MB.
  const { HOLIDAY_DATES } = await import('./holiday-dates.js')
  if (years.every((y) => y >= HOLIDAY_DATES.from && y <= HOLIDAY_DATES.to)) return countryFrom(HOLIDAY_DATES, code.country, years, code.region)
  return loadFromLibrary(code, years)
}

/** A country's days, each with the regions that keep it ('' for the whole country). */
interface Kept {
  regions: readonly string[]
  /** date → name → the regions keeping it. */
  days: Map<string, Map<string, Set<string>>>
}

function keep(kept: Kept, date: string, name: string, region: string): void {
  let names = kept.days.get(date)
  if (!names) kept.days.set(date, (names = new Map()))
  let regions = names.get(name)
  if (!regions) names.set(name, (regions = new Set()))
  regions.add(region)
}

/** The rule: the whole country's days, the shop's region's, and (region unknown) what most regions keep. */
function shopCalendar(country: string, kept: Kept, region: string | undefined, years: readonly number[]): HolidayCalendar {
  const regionCount = kept.regions.filter((r) => r !== '').length
  const shopRegion = region && kept.regions.includes(region) ? region : undefined
  const wanted = new Set(years.map(String))
  const names = new Map<string, string>()
  const where = new Map<string, string>()
  for (const [date, byName] of kept.days) {
    if (!wanted.has(date.slice(0, 4))) continue
    for (const [name, regions] of byName) {
      let place: string | undefined
      if (regions.has('')) place = country
      else if (shopRegion) place = regions.has(shopRegion) ? `${country}-${shopRegion}` : undefined
      else if (regions.size * 2 > regionCount) place = `most of ${country}: ${[...regions].sort().join(', ')}`
      if (!place) continue
      addName(names, date, name)
      // The first name's place (a date with two names is a national one and another, or two of one place).
      if (!where.has(date)) where.set(date, place)
    }
  }
  const code = shopRegion ? `${country}-${shopRegion}` : country
  return { code, label: code, nameOf: (date) => names.get(date), whereOf: (date) => where.get(date) }
}

/** A country's holidays from the dates computed at build time: what the library gives. */
export function countryFrom(data: HolidayDates, country: string, years: readonly number[], region?: string): LoadedHolidays {
  const found = data.countries[country]
  if (!found) return { calendar: NO_HOLIDAYS, problem: unknownCountry(country) }
  const kept: Kept = { regions: found.regions, days: new Map() }
  for (const [r, date, n] of found.days) keep(kept, date, found.names[n]!, found.regions[r]!)
  return { calendar: shopCalendar(country, kept, region, years) }
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

/** The holidays as the library computes them now (years outside the computed range, and the parity test). */
export async function loadFromLibrary(code: HolidayCode, years: readonly number[]): Promise<LoadedHolidays> {
  const { default: Holidays } = await import('date-holidays')
  const library = new Holidays()
  const countries = library.getCountries('en') as Record<string, string>
  if (!countries[code.country]) return { calendar: NO_HOLIDAYS, problem: unknownCountry(code.country) }
  const regions = ['', ...Object.keys((library.getStates(code.country, 'en') ?? {}) as Record<string, string>)]
  const kept: Kept = { regions, days: new Map() }
  const national = new Set<string>()
  for (const region of regions) {
    const h = new Holidays(code.country, region, { types: [...HOLIDAY_TYPES] })
    for (const year of years) {
      for (const day of h.getHolidays(year, 'en')) {
        if (!(HOLIDAY_TYPES as readonly string[]).includes(day.type)) continue
        const date = day.date.slice(0, 10)
        // A region's copy of a national holiday is the country's (as the build-time file keeps it).
        if (region === '') national.add(`${date} ${day.name}`)
        else if (national.has(`${date} ${day.name}`)) continue
        keep(kept, date, day.name, region)
      }
    }
  }
  return { calendar: shopCalendar(code.country, kept, code.region, years) }
}
