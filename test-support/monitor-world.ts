import type { IncidentEntry } from '../src/features/monitor/outputs.js'
import { generateMonitorAccount, type Incidents, type MonitorAccount } from './monitor-account.js'
import { withClient } from './postgres.js'
import type { Recorder } from './recorder.js'
import { runOrThrow, syncInputs } from './run-action.js'
import { World } from './world.js'

// The monitors' integration files' world: an account with a weekly rhythm (busy afternoons, quiet
// nights, slower weekends, days swinging ±20 %), about 200 sales a weekday over six weeks (the four
// weeks compared, and half of last month for the disputes ratios), served to the stand-in and synced
// by the action as a user's workflow would.

export const HOUR = 3600
/** Thursday 26 November 2026, 15:00 UTC: a busy afternoon. */
export const T0 = Date.UTC(2026, 10, 26, 15) / 1000
export const OBJECTS = 'charges, refunds, disputes, payouts, invoices'

export const incidentsOf = (io: Recorder): IncidentEntry[] => JSON.parse(io.outputs.incidents ?? '[]')

/** A World on T0 and the helpers every monitor test uses; registers the World's jest hooks. */
export function monitorWorld(prefix: string) {
  const world = new World(prefix, { start: T0 })

  function account(incidents: Incidents = {}, options: { now?: number; weeks?: number } = {}): MonitorAccount {
    return generateMonitorAccount({ now: options.now ?? T0, weeks: options.weeks ?? 6, salesPerDay: 200, subscriptions: 300, seed: 5, incidents })
  }

  /** The shop with 2.5 % of the last 30 days' sales disputed (against half of last month: Mastercard's ratio is higher). */
  const disputed = (more: Incidents = {}) => account({ disputes: { share: 0.025, days: 10 }, ...more })

  /** A young, small shop: for what the run does with an incident (fail-on, overlapping runs), not for how it is found. */
  const small = (incidents: Incidents = {}): MonitorAccount => generateMonitorAccount({ now: T0, weeks: 1.5, salesPerDay: 60, seed: 7, incidents })

  /** Serves what the account created before `until` and is not served yet (the stand-in lists by `created`). */
  function serve(a: MonitorAccount, until: number): void {
    const s = world.stripe
    const fresh = <T extends { id: string; created: number }>(list: T[], have: { byId: Map<string, unknown> }) =>
      list.filter((o) => o.created < until && !have.byId.has(o.id))
    s.charges.add(fresh(a.charges, s.charges))
    s.refunds.add(fresh(a.refunds, s.refunds))
    s.disputes.add(fresh(a.disputes, s.disputes))
    s.payouts.add(fresh(a.payouts, s.payouts))
    s.invoices.add(fresh(a.invoices, s.invoices))
  }

  /** The action as a monitoring workflow runs it, at the World's clock. */
  async function run(inputs: Record<string, string> = {}): Promise<Recorder> {
    return runOrThrow(
      {
        ...syncInputs({ databaseUrl: world.db.url, stripeUrl: world.stripe.url, schema: world.schema }),
        'stripe-secret-key': 'sk_test_Monitor123',
        objects: OBJECTS,
        status: 'all',
        incremental: 'true',
        'created-after': '70d',
        // T0 is Thanksgiving in the stand-in's US: these tests are about detection; the calendar has its own.
        'monitor-holidays': 'none',
        ...inputs
      },
      { now: world.now }
    )
  }

  async function openRows(): Promise<Array<{ monitor: string; key: string; state: string }>> {
    return withClient(
      world.db.url,
      async (c) => (await c.query(`SELECT monitor, key, state FROM "${world.schema}".stripe_monitor_incidents ORDER BY opened_at`)).rows
    )
  }

  return { world, account, disputed, small, serve, run, openRows }
}
