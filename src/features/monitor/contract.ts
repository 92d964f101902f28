import { MONITORS } from './monitors/index.js'

/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
export const CONTRACT = {
  inputs: [
    { name: 'monitors', default: 'all', since: '1.3.0', description: `The payment monitors to run after the sync - all, none, or a comma-separated list of ${MONITORS.map((m) => m.name).join(', ')}. Each runs when the objects it reads are synced.` },
    { name: 'monitor-thresholds', default: '', since: '1.3.0', description: 'Overrides of the monitors\' levels, monitor.level=value pairs separated by commas, semicolons or lines (silence.probability=1e-5, disputes.warning=0.5%, card-testing.failures=50). See Monitoring in the README.' },
    { name: 'fail-on', default: 'never', since: '1.3.0', description: 'Fail the step, after everything is stored and written, while an incident is open - never, warning (any incident) or critical. GitHub then e-mails the failed run.' },
    { name: 'incident-issues', default: 'false', since: '1.3.0', description: 'true: one GitHub issue per incident (labels stripe-incident, the monitor, the severity), commented when its severity changes, closed when it resolves; closing one by hand acknowledges its incident. Each run reconciles the issues with the incidents. Needs permissions: issues: write.' },
    { name: 'github-token', default: '${{ github.token }}', since: '1.3.0', description: 'The token incident-issues writes with. Default: the workflow\'s token.' },
    { name: 'monitor-backtest', default: '', since: '1.3.0', description: 'Replay the monitors hour by hour over this much stored history (1d to 90d, e.g. 28d) and report what they would have raised (output backtest), instead of monitoring: nothing is stored, no issue opened, nothing fails.' },
    { name: 'monitor-timezone', default: '', since: '1.3.0', description: 'The time zone whose local hours the monitors compare week to week (an IANA name, e.g. Europe/London). Empty: the Stripe account\'s own (its Dashboard time zone), else UTC.' },
    { name: 'monitor-holidays', default: '', since: '1.3.0', description: 'Public holidays the monitors know, from the date-holidays library - a country or region code (GB, US-CA, DE-BY) or none. Empty: the Stripe account\'s country (and its address\'s region when it gives one). A day counts when the whole country keeps it, when the shop\'s region does, or - the region not known - when more than half of the regions do; a holiday of another region is an ordinary day. Unknown codes fail the run before anything is synced. A holiday is not a silence, and past holidays are left out of the weeks compared.' },
    { name: 'monitor-quiet', default: '', since: '1.3.0', description: 'Planned windows in local time during which no incident opens (open ones stay open) - days or ranges (2026-12-24..2027-01-02) and weekly windows (Sat, Sun 00:00-06:00), separated by commas. A whole quiet day also expects no sales.' }
  ],
  outputs: [
    { name: 'incidents', empty: '[]', description: 'JSON array of the incidents opened, still open and resolved this run - {id, monitor, severity (warning or critical), state (opened, ongoing or resolved), account_id, opened_at, resolved_at, summary, observed, expected, dashboard_url}.' },
    { name: 'incidents_opened', empty: '0', description: 'Incidents opened this run.' },
    { name: 'incidents_resolved', empty: '0', description: 'Incidents resolved this run.' },
    { name: 'monitor_status', empty: '', description: 'critical or warning (the worst open incident; one acknowledged - its issue closed by hand - still counts here, but no longer fails the step); else muted (a monitor-quiet window held back a finding that would have opened), stale (the copy the monitors read stops short of now - a backfill in progress, a created-before window, a limit reached - or another run held the lock: nothing is judged past it), partial (a chosen monitor cannot watch - an object not synced, status without failed charges, a key that cannot read an object, the monitors could not read the database), learning (a monitor that compares with the account\'s history has under 14 days of it) or ok; empty when no monitor ran.' },
    { name: 'backtest', empty: '', description: 'With monitor-backtest: JSON {window {from, to}, history_from (when the stored history begins inside the window), evaluations, incidents [{monitor, account, key, severity, opened_at, resolved_at, summary}]}.' }
  ]
} as const
