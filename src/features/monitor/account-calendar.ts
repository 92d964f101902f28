import type { Config } from '../../config.js'
import type { FeatureDatabase, ReadBackContext } from '../../report/feature.js'
import { escapeCell } from '../../report/summary.js'
import { DAY_SECONDS } from '../../time.js'
import { knownZone } from '../../zone.js'
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
  const accountZone = account?.timezone ? knownZone(account.timezone) : undefined
  const zone = settings.timezone ?? accountZone ?? 'UTC'
  const zoneFrom: Calendar['zoneFrom'] = settings.timezone ? 'monitor-timezone' : accountZone ? 'the Stripe account' : 'default'
  const asked = settings.holidays
  const code: HolidayCode | undefined = asked === 'none' ? undefined : (asked ?? (account?.country ? { country: account.country } : undefined))
  let holidays = NO_HOLIDAYS
  if (code) {
    const loaded = await loadHolidays(code, yearsAround(at, HOLIDAY_DAYS + (settings.backtestSeconds ?? 0) / DAY_SECONDS))
    holidays = loaded.calendar
    if (loaded.problem) problem(loaded.problem)
  }
  const holidaysFrom: Calendar['holidaysFrom'] = !code ? 'none' : asked ? 'monitor-holidays' : 'the Stripe account'
  return { zone, zoneFrom, holidays, holidaysFrom, quiet: settings.quiet }
}
