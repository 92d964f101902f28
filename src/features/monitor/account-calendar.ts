import type { Config } from '../../config.js'
import type { FeatureDatabase, ReadBackContext } from '../../report/feature.js'
import { escapeCell } from '../../report/summary.js'
import { DAY_SECONDS } from '../../time.js'
import { knownZone, wallSeconds } from '../../zone.js'
import { shown } from '../../text.js'
import { yearsAround, type Calendar } from './calendar.js'
import { NO_HOLIDAYS, loadHolidays, type HolidayCode } from './holidays.js'
import { tableAccess } from './incidents.js'
import { PLACES_TABLE, placeOf } from './place.js'
import type { MonitorSettings } from './settings.js'

/** How far back the holidays are loaded: the weeks compared, a backtest's longest window, and a week to spare. */
const HOLIDAY_DAYS = 100

/**
 * The account's week: the time zone and holidays from the inputs, else from the Stripe account
 * (GET /v1/account), else UTC and none. What stood in the way is told to `problem` (the user can
 * set them).
 */
export async function accountCalendar(
  db: FeatureDatabase,
  settings: Pick<MonitorSettings, 'timezone' | 'holidays' | 'quiet' | 'backtestSeconds'>,
  config: Pick<Config, 'stripeAccount'>,
  ctx: Pick<ReadBackContext, 'now' | 'account'>,
  at: number,
  problem: (text: string) => void
): Promise<Calendar> {
  // Asked of Stripe (once a day: the place is remembered) unless the inputs say both.
  const asks = settings.timezone === undefined || settings.holidays === undefined
  const account = asks ? await placeOf(db, config.stripeAccount ?? '', ctx.now, ctx.account, (await tableAccess(db, PLACES_TABLE)) === 'ok') : undefined
  if (account?.error) {
    problem(
      `The monitors could not read where the Stripe account lives (GET /v1/account: ${escapeCell(account.error, 200)}): they use ${settings.timezone ?? 'UTC'} and ${settings.holidays === undefined ? 'no public holidays' : 'the holidays asked for'}. Set \`monitor-timezone\` and \`monitor-holidays\`, or give the key read access to the account.`
    )
  }
  if (account?.unknownZone && settings.timezone === undefined) {
    problem(
      `The Stripe account's Dashboard time zone is ${shown(account.unknownZone, 60)}, which is not an IANA time zone this runtime knows: the monitors use UTC. Fix it in the Dashboard, or set \`monitor-timezone\`.`
    )
  }
  const accountZone = account?.timezone ? knownZone(account.timezone) : undefined
  const zone = settings.timezone ?? accountZone ?? 'UTC'
  const zoneFrom: Calendar['zoneFrom'] = settings.timezone ? 'monitor-timezone' : accountZone ? 'the Stripe account' : 'default'
  const asked = settings.holidays
  const code: HolidayCode | undefined =
    asked === 'none'
      ? undefined
      : (asked ?? (account?.country ? { country: account.country, ...(account.region ? { region: account.region } : {}) } : undefined))
  const fixed = settings.timezone ? fixedOffsetProblem(settings.timezone, accountZone, at) : undefined
  if (fixed) problem(fixed)
  let holidays = NO_HOLIDAYS
  if (code) {
    const loaded = await loadHolidays(code, yearsAround(at, HOLIDAY_DAYS + (settings.backtestSeconds ?? 0) / DAY_SECONDS))
    holidays = loaded.calendar
    if (loaded.problem) problem(loaded.problem)
  }
  const holidaysFrom: Calendar['holidaysFrom'] = !code ? 'none' : asked ? 'monitor-holidays' : 'the Stripe account'
  return { zone, zoneFrom, holidays, holidaysFrom, quiet: settings.quiet }
}

/** A zone named for a fixed offset (`EST`, `Etc/GMT+5`): it never changes its clocks. */
const FIXED_OFFSET = /^(?:EST|MST|HST|Etc\/GMT[+-]\d{1,2}|GMT[+-]\d{1,2})$/i

/** Whether a zone moves its clocks in the year around `at` (its offset in January and July differ). */
function changesClocks(zone: string, at: number): boolean {
  const year = new Date(at * 1000).getUTCFullYear()
  const offset = (t: number) => wallSeconds(t, zone) - t
  return offset(Date.UTC(year, 0, 15) / 1000) !== offset(Date.UTC(year, 6, 15) / 1000)
}

/**
 * `monitor-timezone: EST` for a New York shop: a fixed offset, an hour off the shop's clock for
 * eight months a year. Said when the account's own zone moves its clocks (or the account does not say).
 */
export function fixedOffsetProblem(zone: string, accountZone: string | undefined, at: number): string | undefined {
  if (!FIXED_OFFSET.test(zone)) return undefined
  if (accountZone && !changesClocks(accountZone, at)) return undefined
  return (
    `monitor-timezone: ${zone} is a fixed offset that never changes its clocks${accountZone ? `, while the account's own zone, ${accountZone}, does` : ''}: ` +
    `for part of the year the monitors' hours are an hour off the shop's. Give the place's zone${accountZone ? ` (${accountZone})` : ' (America/New_York, Europe/London)'} instead.`
  )
}
