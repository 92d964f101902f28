import type { FeatureDatabase } from '../../report/feature.js'
import type { TableDefinition } from '../../store/schema.js'
import type { AccountFacts } from '../../stripe/accounts.js'
import { column } from './incidents.js'

/**
 * Where the account lives (its country, its address's region and Dashboard time zone), remembered for a day: an hourly
 * schedule asks Stripe once a day, not once a run (GET requests count against the account's read
 * allocation).
 */
export const PLACES_TABLE = 'stripe_monitor_places'

/** How long a remembered place is used before Stripe is asked again. */
export const PLACE_SECONDS = 86400

export const PLACES: TableDefinition = {
  table: PLACES_TABLE,
  columns: [
    column('account_key', 'text', { notNull: true }),
    column('country', 'text'),
    column('region', 'text'),
    column('timezone', 'text'),
    column('read_at', 'timestamptz', { notNull: true })
  ],
  idColumn: 'account_key',
  indexes: [],
  optional: "the account's country and time zone are asked of Stripe every run"
}

/**
 * The account's place: remembered when read within `PLACE_SECONDS`, else asked (`ask`: GET
 * /v1/account) and remembered. A table the role may not use is no reason to go without: then it asks.
 */
export async function placeOf(db: FeatureDatabase, key: string, now: Date, ask: () => Promise<AccountFacts>, remember: boolean): Promise<AccountFacts> {
  const table = db.table(PLACES_TABLE)
  if (remember) {
    const [row] = await db.query<{ country: string | null; region: string | null; timezone: string | null }>(
      `SELECT country, region, timezone FROM ${table} WHERE account_key = $1 AND read_at > $2::timestamptz - make_interval(secs => $3)`,
      [key, now, PLACE_SECONDS]
    )
    if (row) {
      return {
        ...(row.country ? { country: row.country } : {}),
        ...(row.region ? { region: row.region } : {}),
        ...(row.timezone ? { timezone: row.timezone } : {})
      }
    }
  }
  const facts = await ask()
  // A zone Stripe gave that no runtime knows is not remembered: once fixed, the next run reads it.
  if (remember && !facts.error && !facts.unknownZone) {
    await db.query(
      `INSERT INTO ${table} (account_key, country, region, timezone, read_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_key) DO UPDATE SET country = EXCLUDED.country, region = EXCLUDED.region, timezone = EXCLUDED.timezone, read_at = EXCLUDED.read_at`,
      [key, facts.country ?? null, facts.region ?? null, facts.timezone ?? null, now]
    )
  }
  return facts
}
