import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { UTC_CALENDAR, comparableWeeks, sameLocalHours, type Calendar } from '../../src/features/monitor/calendar.js'
import { HOLIDAY_DATES } from '../../src/features/monitor/holiday-dates.js'
import { NO_HOLIDAYS, countryFrom, loadFromLibrary, loadHolidays, parseHolidays, type HolidayCalendar } from '../../src/features/monitor/holidays.js'
import { LEARNING_DAYS } from '../../src/features/monitor/monitor.js'
import { calendarNotes, expectGap, judgeSilence, type GapDay } from '../../src/features/monitor/monitors/silence.js'
import { LAST_SALE_LOOKBACK } from '../../src/features/monitor/queries.js'
import { parseQuiet, quietAt } from '../../src/features/monitor/quiet.js'
import { parseTimezone } from '../../src/features/monitor/settings.js'
import { DAY_SECONDS } from '../../src/time.js'
import { addDays, dayStart, instantOf, knownZone, localDate, localMinutes, secondOfDay, shiftDays } from '../../src/zone.js'
import { SHOP_ZONE, SaleCounter, shopSales } from '../../test-support/shop.js'

// The account's own week: local hours across clock changes, public holidays from the library, quiet
// windows, closures that do not blind — and a British shop's year replayed through the silence rule.

const HOUR = 3600
const london = (date: string, clock = '00:00') => instantOf(date, Number(clock.slice(0, 2)) * HOUR + Number(clock.slice(3)) * 60, SHOP_ZONE)

describe('local time', () => {
  it('compares the same local hours across a clock change, where 7 × 24 h would slip an hour', () => {
    // Monday 30 March 2026 10:00 in London is BST (09:00 UTC); a week before it was GMT (10:00 UTC).
    const monday = london('2026-03-30', '10:00')
    expect(new Date(monday * 1000).toISOString()).toBe('2026-03-30T09:00:00.000Z')
    const week = shiftDays(monday, -7, SHOP_ZONE)
    expect(new Date(week * 1000).toISOString()).toBe('2026-03-23T10:00:00.000Z')
    expect(localMinutes(week, SHOP_ZONE)).toBe('2026-03-23 10:00')
    const calendar: Calendar = { ...UTC_CALENDAR, zone: SHOP_ZONE }
    const windows = sameLocalHours(calendar, monday, monday + 2 * HOUR)
    expect(windows.map(([a, b]) => `${localMinutes(a, SHOP_ZONE)}–${localMinutes(b, SHOP_ZONE).slice(11)}`)).toEqual([
      '2026-03-30 10:00–12:00',
      '2026-03-23 10:00–12:00',
      '2026-03-16 10:00–12:00',
      '2026-03-09 10:00–12:00',
      '2026-03-02 10:00–12:00'
    ])
    // Autumn: the repeated hour is its first showing; the skipped spring hour lands after the change.
    expect(new Date(london('2026-10-25', '01:30') * 1000).toISOString()).toBe('2026-10-25T00:30:00.000Z')
    expect(localMinutes(london('2026-03-29', '01:30'), SHOP_ZONE)).toBe('2026-03-29 02:30')
    // A day of 23 hours starts and ends at local midnight.
    expect(dayStart('2026-03-30', SHOP_ZONE) - dayStart('2026-03-29', SHOP_ZONE)).toBe(23 * HOUR)
    expect(localDate(dayStart('2026-03-29', SHOP_ZONE), SHOP_ZONE)).toBe('2026-03-29')
    expect(secondOfDay(london('2026-07-01', '13:45'), SHOP_ZONE)).toBe(13 * HOUR + 45 * 60)
  })

  it('reads the wall clock exactly as Intl does, every minute around clock changes, in zones of odd offsets and odd change times', () => {
    // Offsets remembered per hour must not blur a change: Lord Howe moves 30 minutes, Kathmandu and
    // Chatham sit at :45, St John's changed at 00:01 until 2011, London at 01:00 UTC.
    const intl = (t: number, zone: string) => {
      const f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit'
      })
      const p = Object.fromEntries(f.formatToParts(new Date(t * 1000)).map((x) => [x.type, Number(x.value)]))
      return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000
    }
    const around: Array<[string, string]> = [
      ['Europe/London', '2026-03-29T01:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
      ['Asia/Kathmandu', '2026-06-01T00:00:00Z'],
      ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
      ['America/St_Johns', '2010-11-07T02:31:00Z'],
      ['America/Santiago', '2026-04-05T03:00:00Z']
    ]
    const mismatches: string[] = []
    for (const [zone, iso] of around) {
      const change = Date.parse(iso) / 1000
      for (let t = change - 2 * HOUR; t <= change + 2 * HOUR; t += 59) {
        if (secondOfDay(t, zone) !== ((intl(t, zone) % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS) mismatches.push(`${zone} ${t}`)
      }
    }
    expect(mismatches).toEqual([])
  })

  it('takes an IANA zone name in monitor-timezone, and refuses anything else naming the input', () => {
    expect(parseTimezone('')).toBeUndefined()
    expect(parseTimezone('Europe/London')).toBe('Europe/London')
    expect(parseTimezone('UTC')).toBe('UTC')
    expect(() => parseTimezone('Europe/Londres')).toThrow(/monitor-timezone`: "Europe\/Londres" is not an IANA time zone name/)
    expect(() => parseTimezone('GMT+1; DROP TABLE')).toThrow(/monitor-timezone/)
  })

  it("answers UTC's names without Intl exactly as Intl would: the canonical name, and no offset", () => {
    const names = ['UTC', 'Etc/UTC', 'etc/utc', 'GMT', 'Etc/GMT', 'Etc/GMT0', 'Etc/GMT-0', 'GMT+0', 'UCT', 'Universal', 'Zulu', 'Etc/Greenwich']
    for (const name of names) {
      expect([name, knownZone(name)]).toEqual([name, new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone])
      expect(localMinutes(Date.UTC(2026, 2, 29, 1, 30) / 1000, name)).toBe('2026-03-29 01:30')
    }
    // Not UTC, though the names start alike: an offset of an hour, and London's summer time.
    expect(localMinutes(Date.UTC(2026, 6, 1, 12) / 1000, 'Etc/GMT-1')).toBe('2026-07-01 13:00')
    expect(localMinutes(Date.UTC(2026, 6, 1, 12) / 1000, 'GB')).toBe('2026-07-01 13:00')
  })
})

describe('public holidays', () => {
  it("takes a country's own holidays and those most of its regions keep (England's August bank holiday: 3 of 4 nations); a region narrows them", async () => {
    const gb = (await loadHolidays({ country: 'GB' }, [2026])).calendar
    expect(gb.label).toBe('GB')
    expect(gb.nameOf('2026-04-03')).toBe('Good Friday')
    expect(gb.whereOf('2026-04-03')).toBe('GB')
    expect(gb.nameOf('2026-08-31')).toBe('Summer bank holiday')
    expect(gb.whereOf('2026-08-31')).toBe('most of GB: ENG, NIR, WLS')
    // One nation's day is an ordinary day for a British shop: Scotland's August holiday, Northern Ireland's St Patrick's Day.
    expect(gb.nameOf('2026-08-03')).toBeUndefined()
    expect(gb.nameOf('2026-03-17')).toBeUndefined()
    const scotland = (await loadHolidays({ country: 'GB', region: 'SCT' }, [2026])).calendar
    expect([scotland.nameOf('2026-08-03'), scotland.whereOf('2026-08-03'), scotland.nameOf('2026-08-31')]).toEqual(['Summer bank holiday', 'GB-SCT', undefined])
    expect(gb.nameOf('2026-04-05')).toBeUndefined() // Easter Sunday is an observance, not a holiday
    expect(gb.nameOf('2026-06-17')).toBeUndefined()
    const england = (await loadHolidays({ country: 'GB', region: 'ENG' }, [2026])).calendar
    expect(england.label).toBe('GB-ENG')
    expect(england.nameOf('2026-08-31')).toBe('Summer bank holiday')
    expect(england.nameOf('2026-08-03')).toBeUndefined()
    const california = (await loadHolidays({ country: 'US', region: 'CA' }, [2026])).calendar
    expect(california.nameOf('2026-11-26')).toMatch(/Thanksgiving/)
    expect(california.nameOf('2026-07-04') ?? california.nameOf('2026-07-03')).toBeDefined()
  })

  it('a holiday of one region is an ordinary day elsewhere in its country (US, BR, DE, IN, ES, CH in 2027)', async () => {
    const year = async (code: { country: string; region?: string }) => (await loadHolidays(code, [2027])).calendar
    const us = await year({ country: 'US' })
    // Evacuation Day (one Massachusetts county) and Lincoln's Birthday: watched in New York; Independence Day observed is not.
    expect(us.nameOf('2027-03-17')).toBeUndefined()
    expect(us.nameOf('2027-07-05')).toMatch(/Independence Day/)
    expect((await year({ country: 'US', region: 'NY' })).nameOf('2027-03-17')).toBeUndefined()
    const br = await year({ country: 'BR' })
    // São Jorge (Rio de Janeiro only) is ordinary for a Brazilian shop; Tiradentes is national.
    expect(br.nameOf('2027-04-23')).toBeUndefined()
    expect(br.nameOf('2027-04-21')).toMatch(/Tiradentes/)
    expect((await year({ country: 'BR', region: 'RJ' })).nameOf('2027-04-23')).toBeDefined()
    // Corpus Christi: 6 of 16 German states. Ordinary unless the shop is in one of them.
    const corpus = '2027-05-27'
    expect((await year({ country: 'DE' })).nameOf(corpus)).toBeUndefined()
    expect((await year({ country: 'DE', region: 'BY' })).nameOf(corpus)).toBeDefined()
    expect((await year({ country: 'DE', region: 'BE' })).nameOf(corpus)).toBeUndefined()
    // Every weekday a holiday of the whole country (or of most of it) is far fewer than the union of regions gave.
    const weekdays = (c: HolidayCalendar) => {
      let n = 0
      for (let d = '2027-01-01'; d.startsWith('2027'); d = addDays(d, 1)) if (c.nameOf(d) && ![0, 6].includes(new Date(`${d}T12:00:00Z`).getUTCDay())) n++
      return n
    }
    for (const [country, atMost] of [
      ['US', 12],
      ['BR', 14],
      ['IN', 20],
      ['ES', 12],
      ['CH', 10]
    ] as const) {
      expect([country, weekdays(await year({ country })) <= atMost]).toEqual([country, true])
    }
  })

  it('reads a country from the dates computed at build time exactly as the library gives them, and goes to the library outside them', async () => {
    // The file was written from the library installed now (npm run holidays after an upgrade).
    const installed = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('date-holidays/package.json'), 'utf8')).version
    expect(HOLIDAY_DATES.library).toBe(installed)
    const dates = (calendar: HolidayCalendar, year: number) => {
      const out: Array<[string, string]> = []
      for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) if (calendar.nameOf(d)) out.push([d, calendar.nameOf(d)!])
      return out
    }
    // Countries with many regions, one without, and names that meet on one date.
    for (const country of ['GB', 'US', 'DE', 'CH', 'ES', 'AU', 'IS']) {
      for (const year of [2026, HOLIDAY_DATES.to]) {
        const built = countryFrom(HOLIDAY_DATES, country, [year])
        const library = await loadFromLibrary({ country }, [year])
        expect([country, year, built.calendar.label, dates(built.calendar, year)]).toEqual([
          country,
          year,
          library.calendar.label,
          dates(library.calendar, year)
        ])
      }
    }
    // Every country the library knows is in the file.
    expect(Object.keys(HOLIDAY_DATES.countries).length).toBeGreaterThan(200)
    // A year past the computed range is read from the library.
    const later = (await loadHolidays({ country: 'GB' }, [HOLIDAY_DATES.to + 1])).calendar
    expect(later.nameOf(`${HOLIDAY_DATES.to + 1}-12-25`)).toMatch(/Christmas/)
  })

  it('says what it does not know, and reads monitor-holidays strictly', async () => {
    // A region the account's address names that the library does not know: the country's rule holds.
    const wrong = await loadHolidays({ country: 'GB', region: 'XYZ' }, [2026])
    expect(wrong.calendar.label).toBe('GB')
    expect(wrong.calendar.nameOf('2026-08-31')).toBeDefined()
    // monitor-holidays is checked as the inputs are read: an unknown code never reaches a run.
    expect(() => parseHolidays('XX')).toThrow(/monitor-holidays`: "XX": the holiday library knows no country XX/)
    expect(() => parseHolidays('UK')).toThrow(/knows no country UK .*Did you mean GB\?/)
    expect(() => parseHolidays('GB-ZZZ')).toThrow(/monitor-holidays`: "GB-ZZZ": GB has no region ZZZ in the holiday library \(its regions: .*ENG/)
    expect(parseHolidays('gb-eng')).toEqual({ country: 'GB', region: 'ENG' })
    // A control character in what was written is shown escaped, not dropped.
    expect(() => parseHolidays('G\u0007B')).toThrow('monitor-holidays`: "G\\u0007B" is not a country or region code')
    expect(() => parseTimezone('Europe/\u202eLondon')).toThrow('"Europe/\\u202eLondon" is not an IANA time zone name')
    const unknown = await loadHolidays({ country: 'QQ' }, [2026])
    expect(unknown.calendar).toBe(NO_HOLIDAYS)
    expect(unknown.problem).toMatch(/does not know the country QQ/)
    expect(parseHolidays('')).toBeUndefined()
    expect(parseHolidays('none')).toBe('none')
    expect(parseHolidays('us-ca')).toEqual({ country: 'US', region: 'CA' })
    expect(parseHolidays('DE-BY')).toEqual({ country: 'DE', region: 'BY' })
    expect(() => parseHolidays('United Kingdom')).toThrow(/monitor-holidays`: "United Kingdom" is not a country or region code/)
  })
})

describe('quiet windows', () => {
  it('reads one-off ranges and weekly windows, and refuses what it cannot read naming the input', () => {
    const windows = parseQuiet('2026-12-24..2027-01-02; Sat, Sun 00:00-06:00\nMon-Fri 22:00-06:00')
    expect(windows.map((w) => w.kind)).toEqual(['dates', 'weekly', 'weekly', 'weekly'])
    expect(() => parseQuiet('2026-02-30')).toThrow(/monitor-quiet`: "2026-02-30" is not a real date/)
    expect(() => parseQuiet('2027-01-02..2026-12-24')).toThrow(/ends before it begins/)
    expect(() => parseQuiet('Caturday')).toThrow(/names a day/)
    // Muted for ever is refused: it would look after the shop while watching nothing.
    expect(() => parseQuiet('Mon-Sun')).toThrow(/monitor-quiet`: "Mon-Sun" mutes every hour of every week: .*set monitors: none/)
    expect(() => parseQuiet('Mon-Fri, Sat 00:00-12:00, Sat 11:00-24:00, Sun')).toThrow(/mutes every hour/)
    expect(parseQuiet('Mon-Sun 22:00-06:00')).toHaveLength(1)
    expect(() => parseQuiet('Sun 25:00-06:00')).toThrow(/HH:MM/)
    expect(parseQuiet('')).toEqual([])
  })

  it('mutes in local time and says until when; touching windows are one quiet', () => {
    const zone = SHOP_ZONE
    const windows = parseQuiet('2026-12-24..2027-01-02, Sat, Sun 00:00-06:00, Mon-Fri 22:00-06:00')
    // Christmas: until local midnight ending 2 January, then Saturday and Sunday's night run on to Sunday 06:00.
    const christmas = quietAt(windows, london('2026-12-28', '12:00'), zone)!
    expect(localMinutes(christmas.until, zone)).toBe('2027-01-03 06:00')
    // 2 January 2027 is a Saturday: the range covers it, then Sunday's night window.
    expect(christmas.windows).toEqual(['2026-12-24..2027-01-02', 'Sun 00:00-06:00'])
    // A weeknight: 22:00 until 06:00 the next morning, in BST as in GMT.
    expect(localMinutes(quietAt(windows, london('2026-07-08', '23:30'), zone)!.until, zone)).toBe('2026-07-09 06:00')
    expect(localMinutes(quietAt(windows, london('2026-07-09', '05:59'), zone)!.until, zone)).toBe('2026-07-09 06:00')
    expect(quietAt(windows, london('2026-07-09', '06:00'), zone)).toBeUndefined()
    expect(quietAt(windows, london('2026-07-09', '14:00'), zone)).toBeUndefined()
    // Friday night runs into the Saturday and the Sunday night: muted until Sunday 06:00.
    expect(localMinutes(quietAt(windows, london('2026-07-10', '22:30'), zone)!.until, zone)).toBe('2026-07-12 06:00')
  })
})

/** A calendar of the shop's zone and the given holidays (none by default). */
const shopCalendar = (holidays: HolidayCalendar = NO_HOLIDAYS, quiet = ''): Calendar => ({
  zone: SHOP_ZONE,
  zoneFrom: 'the Stripe account',
  holidays,
  holidaysFrom: holidays === NO_HOLIDAYS ? 'none' : 'the Stripe account',
  quiet: parseQuiet(quiet)
})

describe('closures do not blind', () => {
  const counts = (byDate: Record<string, number>) => (date: string) => {
    const n = byDate[date]
    return n === undefined ? undefined : { total: n, after: n / 2, before: n / 2, between: n / 4 }
  }

  it("expects a gap across midnight from the quietest whole stretch, not from each day's quietest week added up", () => {
    // Thursday 20:00 to Friday 02:00 (London, June 2026). Each week's evening and night are one stretch.
    const week = (thursdayAfter: number, fridayBefore: number) => [
      { total: 100, after: thursdayAfter, before: 0, between: 0 },
      { total: 100, after: 0, before: fridayBefore, between: 0 }
    ]
    const weeks: Record<string, { total: number; after: number; before: number; between: number }> = {}
    const pairs = [week(10, 2), week(3, 9), week(8, 4), week(4, 7)]
    pairs.forEach(([thu, fri], i) => {
      weeks[addDays('2026-06-04', -7 * (i + 1))] = thu!
      weeks[addDays('2026-06-05', -7 * (i + 1))] = fri!
    })
    const gap = expectGap(shopCalendar(), london('2026-06-04', '20:00'), london('2026-06-05', '02:00'), '2026-01-01', (d) => weeks[d])
    // Day by day the quietest weeks were 3 and 2 (5 in all); no week was that quiet: the quietest stretch sold 11.
    expect(gap.days.map((d) => d.expected)).toEqual([3, 2])
    expect(gap.expected).toBe(11)
    expect(gap.wholeWeeks).toBe(4)
    // A week closed on one of the days is not a whole stretch: the others are compared.
    weeks[addDays('2026-06-05', -7)] = { total: 0, after: 0, before: 0, between: 0 }
    const fewer = expectGap(shopCalendar(), london('2026-06-04', '20:00'), london('2026-06-05', '02:00'), '2026-01-01', (d) => weeks[d])
    expect([fewer.expected, fewer.wholeWeeks]).toEqual([11, 3])
  })

  it('names a weekday always closed once, however many of them a long gap spans', () => {
    const day = (date: string, closed: number): GapDay => ({ date, expected: 0, typical: 0, open: 0, closed, leftOut: [] })
    // Four Saturdays and four Sundays in a gap of four weeks, each closed in the weeks compared.
    const days = ['2026-11-07', '2026-11-08', '2026-11-14', '2026-11-15', '2026-11-21', '2026-11-22', '2026-11-28', '2026-11-29'].map((d, i) =>
      day(d, 1 + (i >> 1))
    )
    const notes = calendarNotes({ expected: 0, typical: 0, days })
    expect(notes).toEqual([
      'Saturdays: closed in each of the 4 weeks compared, so none expected',
      'Sundays: closed in each of the 4 weeks compared, so none expected'
    ])
  })

  it('watches the Monday after two closed Mondays like any Monday: the closed weeks are left out, not the quietest', () => {
    // Monday 1 June 2026, 10:00 to 14:00: 25 May and 4 May were closed (bank holidays the calendar does not know here).
    const gap = expectGap(
      shopCalendar(),
      london('2026-06-01', '10:00'),
      london('2026-06-01', '14:00'),
      '2026-01-01',
      counts({ '2026-05-18': 80, '2026-05-11': 60 })
    )
    expect(gap.days).toHaveLength(1)
    expect(gap.days[0]).toMatchObject({ open: 2, closed: 2, expected: 15, typical: 17.5 })
    // The rule before: the quietest of the four weeks, a closed one: nothing expected, the outage unseen.
    expect(gap.expected).toBeGreaterThan(9.3)
  })

  it('expects nothing on a holiday or a quiet day, and leaves past holidays out of the weeks compared', async () => {
    const gb = (await loadHolidays({ country: 'GB' }, [2026])).calendar
    // Good Friday itself: nothing expected, whatever Fridays sold.
    const friday = expectGap(
      shopCalendar(gb),
      london('2026-04-02', '19:00'),
      london('2026-04-03', '18:00'),
      '2026-01-01',
      counts({ '2026-03-27': 90, '2026-03-20': 90, '2026-03-13': 90, '2026-03-06': 90 })
    )
    expect(friday.days.map((d) => [d.date, d.off])).toEqual([
      ['2026-04-02', undefined],
      ['2026-04-03', 'Good Friday (public holiday, GB)']
    ])
    expect(friday.days[1]!.expected).toBe(0)
    // The Tuesday after Easter Monday compares with 3 Tuesdays... and a Monday after it with 3 Mondays: Easter Monday left out.
    const monday = expectGap(
      shopCalendar(gb),
      london('2026-04-13', '10:00'),
      london('2026-04-13', '13:00'),
      '2026-01-01',
      counts({ '2026-03-30': 60, '2026-03-23': 60, '2026-03-16': 60 })
    )
    expect(monday.days[0]).toMatchObject({ open: 3, closed: 0, leftOut: ['2026-04-06 Easter Monday (public holiday, GB)'] })
    // A planned closure in monitor-quiet: no sales expected that day.
    const quiet = expectGap(
      shopCalendar(NO_HOLIDAYS, '2026-06-17'),
      london('2026-06-17', '09:00'),
      london('2026-06-17', '17:00'),
      '2026-01-01',
      counts({ '2026-06-10': 80 })
    )
    expect(quiet.expected).toBe(0)
    expect(quiet.days[0]!.off).toBe('a quiet day (monitor-quiet)')
  })

  it('expects nothing on a weekday the shop never opens (its Saturdays), and says why', () => {
    const saturday = expectGap(
      shopCalendar(),
      london('2026-06-05', '19:00'),
      london('2026-06-06', '15:00'),
      '2026-01-01',
      counts({ '2026-05-29': 80, '2026-05-22': 80, '2026-05-15': 80, '2026-05-08': 80 })
    )
    expect(saturday.days[1]).toMatchObject({ date: '2026-06-06', expected: 0, open: 0, closed: 4 })
  })
})

/** One incident of the replay: opened and resolved (Unix seconds; resolved undefined while open). */
interface Replayed {
  opened: number
  resolved?: number
  summary: string
}

/**
 * The silence rule replayed hour by hour (as `monitor-backtest` does) over sale times counted in
 * memory the way its query counts them: what would have opened, and when it would have resolved.
 */
function replay(sales: readonly number[], calendar: Calendar, from: number, to: number): Replayed[] {
  const counter = new SaleCounter(sales, calendar.zone)
  const incidents: Replayed[] = []
  let open: Replayed | undefined
  for (let at = from; at <= to; at += HOUR) {
    const history = (at - counter.first) / DAY_SECONDS
    if (history < LEARNING_DAYS) continue
    const last = counter.lastBefore(at, LAST_SALE_LOOKBACK)
    const start = last ?? at - LAST_SALE_LOOKBACK
    const since = secondOfDay(start, calendar.zone)
    const until = secondOfDay(at, calendar.zone)
    const judged = judgeSilence({
      calendar,
      at,
      from: start,
      lastSale: last,
      historyDays: history,
      counts: (date) => counter.day(date, since, until),
      openedAt: open?.opened,
      level: 1e-4
    })
    if (judged.finding && !open) incidents.push((open = { opened: at, summary: judged.finding.summary }))
    else if (!judged.finding && open) {
      open.resolved = at
      open = undefined
    }
  }
  return incidents
}

describe("a British shop's year, replayed with only its account's country and time zone", () => {
  let gb: HolidayCalendar
  let closed: Set<string>
  // From the first Monday after the shop reopens in January, to the year's end (its next Christmas closure in it).
  const from = london('2026-01-05')
  const to = london('2026-12-31', '23:00')
  const shop = (outages?: Array<readonly [number, number]>) => shopSales({ from: '2025-11-01', to: '2026-12-31', januaryWeekday: 60, closed, outages, seed: 7 })

  beforeAll(async () => {
    gb = (await loadHolidays({ country: 'GB' }, [2025, 2026, 2027])).calendar
    // The shop closes on England's bank holidays, Easter Sunday and ten days at Christmas.
    const england = (await loadHolidays({ country: 'GB', region: 'ENG' }, [2025, 2026, 2027])).calendar
    closed = new Set(['2026-04-05'])
    for (let d = '2025-11-01'; d <= '2026-12-31'; d = addDays(d, 1)) if (england.nameOf(d)) closed.add(d)
    for (const start of ['2025-12-23', '2026-12-23']) for (let i = 0; i < 10; i++) closed.add(addDays(start, i))
  })

  it('raises nothing on a holiday, at most 3 times on its other closed days, at most 4 times otherwise — and finds its real 4-hour gap within the hour', () => {
    // Its one real gap: Wednesday 17 June, 13:00 to 17:00, no sale.
    const gap = [london('2026-06-17', '13:00'), london('2026-06-17', '17:00')] as const
    const incidents = replay(shop([gap]), { ...shopCalendar(gb) }, from, to)
    const day = (i: Replayed) => localDate(i.opened, SHOP_ZONE)
    const onHoliday = incidents.filter((i) => gb.nameOf(day(i)))
    const found = incidents.filter((i) => i.opened > gap[0] && i.opened <= gap[1] + HOUR)
    const onClosedDays = incidents.filter((i) => !onHoliday.includes(i) && (closed.has(day(i)) || new Date(i.opened * 1000).getUTCDay() === 6))
    const others = incidents.filter((i) => !onHoliday.includes(i) && !onClosedDays.includes(i) && !found.includes(i))
    const listed = (list: Replayed[]) => list.map((i) => `${localMinutes(i.opened, SHOP_ZONE)} ${i.summary.slice(0, 60)}`)
    expect(listed(onHoliday)).toEqual([])
    expect(found).toHaveLength(1)
    expect(onClosedDays.length).toBeLessThanOrEqual(3)
    expect(others.length).toBeLessThanOrEqual(4)
    // The ten days at Christmas are one incident, open until the shop sells again.
    const christmas = incidents.find((i) => day(i) >= '2026-12-23' && day(i) <= '2026-12-24')
    expect(christmas?.resolved).toBeUndefined()
  })

  it('finds an outage from 10:00 within 3 hours on ordinary weekdays, and within 4 on the Monday after two closed Mondays', () => {
    for (const [date, within] of [
      ['2026-03-10', 3],
      ['2026-06-10', 3],
      ['2026-07-16', 3],
      ['2026-09-21', 3],
      ['2026-10-09', 3],
      // 4 May and 25 May were bank holidays: two of the four Mondays before were closed.
      ['2026-06-01', 4]
    ] as const) {
      const start = london(date, '10:00')
      const outage = [start, london(date, '18:00')] as const
      const incidents = replay(shop([outage]), shopCalendar(gb), start - DAY_SECONDS, start + DAY_SECONDS)
      expect(incidents.map((i) => [date, (i.opened - start) / HOUR <= within])).toEqual([[date, true]])
    }
  })

  it('keeps a 4-day outage over a weekend one incident, resolved only when sales return', () => {
    const start = london('2026-10-15', '10:00') // a Thursday; the shop is closed on Saturdays
    const end = london('2026-10-19', '10:00')
    const incidents = replay(shop([[start, end]]), shopCalendar(gb), start - DAY_SECONDS, end + DAY_SECONDS)
    expect(incidents).toHaveLength(1)
    expect(incidents[0]!.opened - start).toBeLessThanOrEqual(3 * HOUR)
    expect(incidents[0]!.resolved).toBeGreaterThan(end)
    expect(incidents[0]!.resolved! - end).toBeLessThanOrEqual(2 * HOUR)
  })

  it('compares the week after a clock change with the same local hours, not the hour beside them', () => {
    // Two weeks either side of 29 March: the same local busy hours in GMT and BST.
    const sales = shop()
    const incidents = replay(sales, shopCalendar(gb), london('2026-03-22'), london('2026-04-26'))
    expect(incidents.map((i) => localDate(i.opened, SHOP_ZONE)).filter((d) => !closed.has(d))).toEqual([])
    // The same week in UTC weeks: 8:00 BST (7:00 UTC) compared with 7:00 GMT, before opening: less expected, not more.
    const at = london('2026-03-30', '12:00')
    const weeks = comparableWeeks(shopCalendar(gb), sameLocalHours(shopCalendar(gb), at - 2 * HOUR, at), 4)
    expect(weeks.weeks).toEqual([1, 2, 3, 4])
  })
})
