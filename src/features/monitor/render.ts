import { specOf } from '../../objects/registry.js'
import { escapeCell, describeLength } from '../../report/summary.js'
import { markdownSafe } from '../../report/markdown.js'
import { unixSeconds } from '../../time.js'
import { localMinutes, wallSeconds } from '../../zone.js'
import type { Backtest } from './backtest.js'
import type { Calendar } from './calendar.js'
import type { Outcome } from './engine.js'
import { openKey, type Change } from './incidents.js'
import { LEARNING_DAYS, type Monitor } from './monitor.js'
import { BLOCK } from './queries.js'
import { formatCount } from '../../text.js'

/**
 * The monitor's part of the job summary, from what a run saw: the status first, then what the
 * monitors cannot see, whether they are muted, one line a monitor (observed against expected), the
 * calendar they read, the incidents resolved and the open ones' charts. Pure: text in, lines out.
 */

/** `monitor_status`, worst first: an open incident, then what the monitors cannot see, then learning. */
export type MonitorStatus = 'critical' | 'warning' | 'muted' | 'stale' | 'partial' | 'learning' | 'ok'

export const MARK: Record<MonitorStatus, string> = { ok: '✓', learning: '…', warning: '⚠', critical: '✗', muted: '🔇', stale: '◌', partial: '◐' }

/** What one run of the monitors saw, as the summary shows it. */
export interface MonitorView {
  outcomes: readonly Outcome[]
  changes: readonly Change[]
  /** Objects whose synced copy is not current, in words. */
  stale: readonly string[]
  /** Monitors that cannot watch, in words. */
  blind: readonly string[]
  /** The quiet window holding the run. */
  quiet: { until: number; windows: string[] } | undefined
  calendar: Calendar
  /** Charts of the open incidents, by open key. */
  charts: ReadonlyMap<string, string>
  problems: readonly string[]
  /** Incidents whose issue someone closed by hand this run. */
  acknowledged: ReadonlySet<string>
  stripeAccount: string | undefined
}

/**
 * critical or warning (the worst incident open); else stale (the data read is not current), partial
 * (a chosen monitor cannot watch), learning (a relative monitor has too little history) or ok.
 */
export function worstOf(view: Pick<MonitorView, 'changes' | 'stale' | 'blind' | 'outcomes'>): MonitorStatus {
  const open = view.changes.filter((c) => c.state !== 'resolved').map((c) => c.incident.severity)
  if (open.includes('critical')) return 'critical'
  if (open.includes('warning')) return 'warning'
  // A quiet window held a finding back: something would have opened, so never "all clear".
  if (view.outcomes.some((o) => (o.muted?.length ?? 0) > 0)) return 'muted'
  if (view.stale.length > 0) return 'stale'
  if (view.blind.length > 0) return 'partial'
  if (view.outcomes.some((o) => o.notes.some((n) => n.state === 'learning'))) return 'learning'
  return 'ok'
}

/** A monitor's line in a list item: its own words and numbers, with nothing that Markdown or HTML would read. */
function inline(text: string): string {
  return markdownSafe(text, 2000)
}

/** "2026-04-05 14:00 (Europe/London)": a moment in the account's local time. */
export function localTime(date: Date, zone: string): string {
  return `${localMinutes(unixSeconds(date), zone)} ${zone === 'UTC' ? 'UTC' : `(${zone})`}`
}

/** "muted until 2026-12-27 00:00 (Europe/London) by `monitor-quiet` — 1 finding held back (silence)". */
function mutedHead(view: MonitorView): string {
  const held = view.outcomes.filter((o) => (o.muted?.length ?? 0) > 0)
  const count = held.reduce((n, o) => n + o.muted!.length, 0)
  const until = view.quiet ? ` until ${localMinutes(view.quiet.until, view.calendar.zone)} (${view.calendar.zone})` : ''
  return `muted${until} by \`monitor-quiet\` — ${count} finding${count === 1 ? '' : 's'} held back (${held.map((o) => o.monitor.name).join(', ')})`
}

/** The summary's opening lines for the monitor. */
export function renderStatus(view: MonitorView, now: Date): string[] {
  const status = worstOf(view)
  const opened = view.changes.filter((c) => c.state === 'opened').length
  const resolved = view.changes.filter((c) => c.state === 'resolved')
  const open = view.changes.filter((c) => c.state !== 'resolved').length
  const watching = view.outcomes.filter((o) => !o.unavailable).length
  const head =
    status === 'critical' || status === 'warning'
      ? `${open} incident${open === 1 ? '' : 's'} open${opened > 0 ? ` (${opened} new)` : ''}`
      : status === 'muted'
        ? mutedHead(view)
        : status === 'stale'
          ? 'not current — the synced data is behind, so a quiet day may be a missing one'
          : status === 'partial'
            ? `watching ${watching} of ${view.outcomes.length} monitors — the others cannot see`
            : status === 'learning'
              ? 'watching; some monitors are still learning the account’s rhythm'
              : 'all clear'
  const lines = [`### ${MARK[status]} Monitor: ${head}`, '']
  // What it cannot see comes first, whatever else is open: a user acts on it.
  if (view.stale.length > 0 || view.blind.length > 0) {
    // `*` bullets: a list of its own, not merged with the monitors' `-` list that follows.
    lines.push('**Cannot see:**', '', ...view.stale.map((l) => `* ${MARK.stale} ${l}`), ...view.blind.map((l) => `* ${MARK.partial} ${l}`), '')
  }
  if (view.quiet) {
    const held = view.outcomes.reduce((n, o) => n + (o.muted?.length ?? 0), 0)
    lines.push(
      `🔇 **Muted** until ${localMinutes(view.quiet.until, view.calendar.zone)} (${view.calendar.zone}) by \`monitor-quiet\` (${view.quiet.windows.map((w) => inline(w)).join(', ')}): no incident opens; open ones stay open.${held > 0 ? ` ${held} finding${held === 1 ? '' : 's'} held back.` : ''}`,
      ''
    )
  }
  const items: string[] = []
  for (const outcome of view.outcomes) {
    const name = `**${outcome.monitor.name}**`
    if (outcome.unavailable) continue
    if (outcome.behind) {
      items.push(`- ${MARK.stale} ${name} — not judged this run: the copy of ${outcome.behind.map((o) => specOf(o).plural).join(' and ')} stops short (above)`)
      continue
    }
    const findings = view.changes.filter((c) => c.incident.monitor === outcome.monitor.name && c.state !== 'resolved')
    for (const { incident, state } of findings) {
      const where = incident.account ? ` \`${incident.account}\`` : ''
      const acknowledged = incident.issueState === 'acknowledged' || view.acknowledged.has(incident.id)
      items.push(
        `- ${MARK[incident.severity]} ${name}${where} — ${inline(incident.summary)} [Dashboard](${incident.dashboardUrl})${state === 'ongoing' ? ` _(open since ${localTime(incident.openedAt, view.calendar.zone)}${acknowledged ? `; acknowledged: its issue${incident.issueNumber ? ` #${incident.issueNumber}` : ''} was closed by hand` : ''})_` : ''}`
      )
    }
    const notes = outcome.notes
    if (findings.length > 0 && notes.length === 0) continue
    if (notes.length === 1 && findings.length === 0) {
      const note = notes[0]!
      items.push(`- ${MARK[note.state]} ${name}${note.account && view.stripeAccount !== note.account ? ` \`${note.account}\`` : ''} — ${inline(note.line)}`)
    } else if (notes.length > 0) {
      const learning = notes.filter((n) => n.state === 'learning').length
      const mark = findings.length > 0 ? '' : learning === notes.length ? MARK.learning : MARK.ok
      const rest = findings.length > 0 ? 'the other ' : ''
      items.push(
        `- ${mark ? `${mark} ` : '  '}${name} — ${rest}${formatCount(notes.length)} account${notes.length === 1 ? '' : 's'} within the usual${learning > 0 ? ` (${formatCount(learning)} still learning)` : ''}`
      )
    } else if (findings.length === 0) {
      items.push(`- ${MARK.ok} ${name} — nothing in the stretch it looks at`)
    }
  }
  lines.push(...items, '')
  const cal = view.calendar
  const zone = cal.zoneFrom === 'default' ? 'UTC (the account does not say: set `monitor-timezone`)' : `${cal.zone} (${cal.zoneFrom})`
  const holidays = cal.holidaysFrom === 'none' ? 'none' : `${cal.holidays.label} (${cal.holidaysFrom})`
  lines.push(
    `<sub>Local time: ${zone} · public holidays: ${holidays}${cal.quiet.length > 0 ? ` · quiet: ${cal.quiet.map((w) => inline(w.text)).join(', ')}` : ''}.</sub>`,
    ''
  )
  for (const c of resolved) {
    lines.push(
      `- ✓ Resolved: **${c.incident.monitor}**${c.incident.account ? ` \`${c.incident.account}\`` : ''} — open ${describeLength((now.getTime() - c.incident.openedAt.getTime()) / 1000)}, since ${localTime(c.incident.openedAt, view.calendar.zone)}.`
    )
  }
  if (resolved.length > 0) lines.push('')
  // How far into its block the charts' last block is (0: it has just begun, and is whole).
  const sofar = wallSeconds(unixSeconds(now), view.calendar.zone) % BLOCK
  for (const [key, chart] of view.charts) {
    const change = view.changes.find((c) => openKey(c.incident.account, c.incident.monitor, c.incident.key) === key)
    if (change)
      lines.push(
        `**${change.incident.monitor}**${change.incident.account ? ` \`${change.incident.account}\`` : ''}: the last 7 days against the same hours of the 4 weeks before` +
          (sofar ? ` (* the block in progress: ${describeLength(sofar)} of ${BLOCK / 3600} h so far)` : ''),
        '',
        chart,
        ''
      )
  }
  // A monitor's own footnote, when it watched and found nothing (an incident says it in its own words).
  for (const o of view.outcomes)
    if (o.monitor.footnote && !o.unavailable && !o.behind && o.findings.length === 0) lines.push(`<sub>${o.monitor.footnote}</sub>`, '')
  for (const problem of view.problems) lines.push('> [!WARNING]', `> ${problem}`, '')
  return lines
}

/** The summary's section for a backtest: what the monitors would have raised. */
export function renderBacktest(result: Backtest, monitors: readonly Monitor[]): string[] {
  const lines = [
    `### Monitor backtest: ${result.incidents.length} incident${result.incidents.length === 1 ? '' : 's'} in ${describeLength(Date.parse(result.window.to) / 1000 - Date.parse(result.window.from) / 1000)}`,
    '',
    `The monitors replayed hour by hour from ${result.window.from} to ${result.window.to} (${result.evaluations} evaluations) over the stored history: what they would have raised. Nothing was stored, no issue opened, nothing fails.`,
    ''
  ]
  if (result.history_from) {
    lines.push(
      `> [!NOTE]\n> The stored history begins ${result.history_from}, after the start of the window asked: the monitors that compare with past weeks only learn for its first ${LEARNING_DAYS} days. Backfill more (\`created-after\`, \`limit: all\`) for a full replay.`,
      ''
    )
  }
  if (result.incidents.length > 0) {
    lines.push('| Monitor | Account | Severity | Opened | Resolved | What it saw |', '| --- | --- | --- | --- | --- | --- |')
    for (const i of result.incidents.slice(0, 50)) {
      lines.push(`| ${i.monitor} | ${i.account ?? ''} | ${i.severity} | ${i.opened_at} | ${i.resolved_at ?? 'still open'} | ${escapeCell(i.summary, 300)} |`)
    }
    lines.push('')
    if (result.incidents.length > 50) lines.push(`…and ${result.incidents.length - 50} more in the \`backtest\` output.`, '')
  }
  const counts = monitors.map((m) => `${m.name} ${result.incidents.filter((i) => i.monitor === m.name).length}`)
  lines.push(`<sub>By monitor: ${counts.join(', ')}.</sub>`, '')
  return lines
}
