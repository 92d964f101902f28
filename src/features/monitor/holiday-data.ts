/** The types of day that count as holidays: public and bank holidays; observances do not. */
export const HOLIDAY_TYPES = ['public', 'bank'] as const

/**
 * Every country's holidays for a range of years, computed from the library at build time
 * (`npm run holidays`, into `holiday-dates.ts`): per country its regions ('' first: the country
 * itself), the holidays' names, and each holiday as [region, date, name] in the library's order — a
 * region's copy of a national holiday left out, as it adds nothing to the country's union.
 */
export interface HolidayDates {
  library: string
  from: number
  to: number
  countries: Record<string, { regions: string[]; names: string[]; days: Array<[number, string, number]> }>
}
