import { InputError, parseBoolean } from '../../config.js'
import { OBJECTS } from '../../objects/registry.js'
import { defineFeature, type FeatureIndex } from '../../report/feature.js'
import { CONTRACT } from './contract.js'
import { parseHolidays } from './holidays.js'
import { tokenProblem } from './github.js'
import { INCIDENTS } from './incidents.js'
import { MONITORS } from './monitors/index.js'
import { PaymentMonitor } from './payment-monitor.js'
import { PLACES } from './place.js'
import { ACCOUNT_INDEX } from './queries.js'
import { parseQuiet } from './quiet.js'
import { parseBacktest, parseFailOn, parseMonitors, parseThresholds, parseTimezone, unusedThresholds, type MonitorSettings } from './settings.js'

// The payment monitor as the action loads it: its inputs read and checked, its tables and index
// declared, and the feature (payment-monitor.ts) made when a monitor runs.

/** The index the monitors read charges through, as the run makes it. */
const MONITOR_INDEX: FeatureIndex = {
  object: 'charges',
  ...ACCOUNT_INDEX,
  about: 'the monitors read the charges of each account through it',
  without: 'the monitors read every charge of their windows: slower on big accounts'
}

export const monitor = defineFeature({
  name: 'payment monitor',
  ...CONTRACT,
  load: (inputs, config) => {
    const names = parseMonitors(inputs.get('monitors'), MONITORS)
    const monitors = MONITORS.filter((m) => names.includes(m.name))
    const settings: MonitorSettings = {
      levels: parseThresholds(inputs.get('monitor-thresholds'), MONITORS),
      failOn: parseFailOn(inputs.get('fail-on')),
      incidentIssues: parseBoolean('incident-issues', inputs.get('incident-issues')),
      githubToken: inputs.get('github-token'),
      backtestSeconds: parseBacktest(inputs.get('monitor-backtest')),
      timezone: parseTimezone(inputs.get('monitor-timezone')),
      holidays: parseHolidays(inputs.get('monitor-holidays')),
      quiet: parseQuiet(inputs.get('monitor-quiet'))
    }
    if (settings.githubToken && !settings.githubToken.startsWith('${{')) {
      // Masked first, in each line of it too (a token pasted with a line break is refused next, never echoed).
      for (const part of [settings.githubToken, ...settings.githubToken.split(/\s+/)]) if (part.length >= 8) inputs.mask(part)
      const wrong = settings.incidentIssues ? tokenProblem(settings.githubToken) : undefined
      if (wrong) throw new InputError('github-token', `the token ${wrong}. Give a GitHub token (the workflow's own is the default), or leave the input out.`)
    }
    const on = monitors.length > 0
    const calendarSet = settings.timezone !== undefined || settings.holidays !== undefined || settings.quiet.length > 0
    if (!on && (settings.failOn !== 'never' || settings.incidentIssues || settings.backtestSeconds !== undefined || calendarSet)) {
      inputs.warn('monitors is none: fail-on, incident-issues, monitor-backtest, monitor-timezone, monitor-holidays and monitor-quiet have no effect.')
    }
    if (on && config.dryRun && (settings.failOn !== 'never' || settings.incidentIssues || settings.backtestSeconds !== undefined)) {
      inputs.warn('dry-run: the monitors need the database, so fail-on, incident-issues and monitor-backtest have no effect.')
    }
    const unused = on ? unusedThresholds(inputs.get('monitor-thresholds'), names) : []
    if (unused.length > 0) {
      inputs.warn(
        `monitor-thresholds sets levels of ${unused.join(', ')}, not among the monitors run (monitors): ${unused.length === 1 ? 'it has' : 'they have'} no effect.`
      )
    }
    if (on && !config.objects.some((o) => MONITORS.some((m) => m.reads.includes(o)))) {
      inputs.warn(
        `No monitor can run: they read ${[...new Set(MONITORS.flatMap((m) => m.reads))].map((o) => OBJECTS.find((x) => x.name === o)!.plural).join(', ')}.`
      )
    }
    return {
      views: [],
      tables: on && !config.dryRun ? [INCIDENTS, PLACES] : [],
      indexes: on && !config.dryRun ? [MONITOR_INDEX] : [],
      feature: on && !config.dryRun ? new PaymentMonitor(settings, monitors, config) : undefined
    }
  }
})
