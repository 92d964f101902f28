/**
 * `npm run holidays`: writes src/features/monitor/holiday-dates.ts, every country's public and bank
 * holidays for a range of years, computed here from the `date-holidays` library. A run then reads
 * the dates of its account's country without loading the library (0.4 s and about 23 MB); outside
 * the range, or for one region (`US-CA`), it loads the library as before. Run it again after
 * upgrading date-holidays: a test fails while the file was written from another version.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import Holidays from 'date-holidays'
import { HOLIDAY_TYPES, type HolidayDates } from '../src/features/monitor/holiday-data.js'

const FROM = 2025
const TO = 2034
const require = createRequire(import.meta.url)
const version = (JSON.parse(readFileSync(require.resolve('date-holidays/package.json'), 'utf8')) as { version: string }).version

const library = new Holidays()
const data: HolidayDates = { library: version, from: FROM, to: TO, countries: {} }
for (const country of Object.keys(library.getCountries('en') as Record<string, string>)) {
  const regions = ['', ...Object.keys((library.getStates(country, 'en') ?? {}) as Record<string, string>)]
  const names: string[] = []
  const days: Array<[number, string, number]> = []
  const national = new Set<string>()
  regions.forEach((region, r) => {
    const h = new Holidays(country, region, { types: [...HOLIDAY_TYPES] })
    for (let year = FROM; year <= TO; year++) {
      for (const day of h.getHolidays(year, 'en')) {
        if (!(HOLIDAY_TYPES as readonly string[]).includes(day.type)) continue
        const date = day.date.slice(0, 10)
        // A region's copy of a national holiday adds nothing to the country's union.
        if (r === 0) national.add(`${date} ${day.name}`)
        else if (national.has(`${date} ${day.name}`)) continue
        let n = names.indexOf(day.name)
        if (n < 0) n = names.push(day.name) - 1
        days.push([r, date, n])
      }
    }
  })
  data.countries[country] = { regions, names, days }
}
const file = path.resolve(import.meta.dirname, '../src/features/monitor/holiday-dates.ts')
const json = JSON.stringify(data)
writeFileSync(
  file,
  `// Written by \`npm run holidays\` (scripts/holiday-dates.ts) from date-holidays ${version}: do not edit.\n` +
    `import type { HolidayDates } from './holiday-data.js'\n\n` +
    `export const HOLIDAY_DATES: HolidayDates = JSON.parse(${JSON.stringify(json)})\n`
)
console.log(`${file}: ${Object.keys(data.countries).length} countries, ${FROM}–${TO}, ${Math.round(json.length / 1024)} KB`)
// The codes alone, small enough to check monitor-holidays with as the inputs are read.
const codes = Object.fromEntries(Object.entries(data.countries).map(([country, c]) => [country, c.regions.filter((r) => r !== '')]))
const codesFile = path.resolve(import.meta.dirname, '../src/features/monitor/holiday-codes.ts')
writeFileSync(
  codesFile,
  `// Written by \`npm run holidays\` (scripts/holiday-dates.ts) from date-holidays ${version}: do not edit.\n` +
    `/** Every country the holiday library knows, with its regions' codes. */\n` +
    `export const HOLIDAY_CODES: Record<string, string[]> = JSON.parse(${JSON.stringify(JSON.stringify(codes))})\n`
)
console.log(`${codesFile}: ${Math.round(JSON.stringify(codes).length / 1024)} KB`)
