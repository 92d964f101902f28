import { OBJECTS, specOf } from '../objects/registry.js'
import type { ObjectName } from '../objects/registry.js'
import { DAY_SECONDS, compactUtc, isoSeconds } from '../time.js'
import { dayRange } from './chart.js'
import type { RunReport } from './collect.js'
import { formatMoney } from './money.js'
import { requestsLine } from './requests.js'
import type { Feature, FeatureContext, SummaryContext } from './feature.js'
import { shown, formatCount as count } from '../text.js'
import { markdownSafe } from './markdown.js'

/** GitHub refuses a step summary over 1 MiB; stay clear of it. */
export const SUMMARY_LIMIT_BYTES = 1_000_000
/** Rows shown in a table before the rest goes into a collapsed <details>. */
export const VISIBLE_ROWS = 20

/**
 * Text from Stripe (descriptions, emails, ids) is untrusted: inside a table cell it must not end
 * the cell (`|`), the row (newline), open HTML, or form links and emphasis.
 */
export function escapeCell(text: string | null | undefined, maxChars = Infinity): string {
  if (text == null || text === '') return ''
  return markdownSafe(text, maxChars)
}

/** An email as a code span: GitHub cannot autolink part of it (it links only the ASCII tail of `Ünïcode@x.org`). */
export function emailCell(email: string | null): string {
  if (!email) return ''
  const text = shown(email)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/\|/g, '\\|')
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${longest > 0 ? ' ' : ''}${text}${longest > 0 ? ' ' : ''}${fence}`
}

/** Money on one line in a table: the space before the currency code does not break. */
export function moneyCell(minor: number, currency: string): string {
  return formatMoney(minor, currency).replace(' ', '&nbsp;')
}

export function timeCell(seconds: number): string {
  return compactUtc(seconds).replace(' ', '&nbsp;')
}

export function describeWindow(gte: number | undefined, lt: number | undefined): string {
  if (gte === undefined && lt === undefined) return 'all time'
  if (lt === undefined) return `from ${isoSeconds(gte!)}`
  if (gte === undefined) return `before ${isoSeconds(lt)}`
  return `from ${isoSeconds(gte)} to before ${isoSeconds(lt)}`
}

/** A length of time as every line of the action writes it: "40 s", "42 min", "3 h 10 min", "2 days 3 h". */
export function describeLength(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  // Whole days read as days ("the previous 1 day"); other lengths under two days in hours.
  if (minutes === 1440) return '1 day'
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  const days = Math.floor(hours / 24)
  return hours % 24 === 0 ? `${days} days` : `${days} days ${hours % 24} h`
}

/** "Nov 22 – Nov 27, 2026 (UTC)", or within a day "Nov 27, 2026, 06:23 – 06:38 UTC". */
export function describePeriod(from: number, to: number): string {
  const fromDay = Math.floor(from / DAY_SECONDS)
  const toDay = Math.floor((to - 1) / DAY_SECONDS)
  if (fromDay === toDay) return `${dayRange(fromDay, toDay)}, ${compactUtc(from).slice(11)} – ${compactUtc(to).slice(11)} UTC`
  return `${dayRange(fromDay, toDay)} (UTC)`
}

/** Whether amounts are left out of the summary and annotations (`summary-amounts`). */
export function amountsHidden(ctx: Pick<SummaryContext, 'config'>): boolean {
  return ctx.config.summaryAmounts === 'hide'
}

/** The summary's first line when amounts are hidden: why, and how to show them. */
export function amountsNotice(ctx: Pick<SummaryContext, 'config'>): string {
  const how = 'Set `summary-amounts: show` to show them; the step outputs carry every amount either way.'
  switch (ctx.config.amountsHiddenBecause) {
    case 'public':
      return `_Amounts are hidden because this repository is public: anyone can read this summary. ${how}_`
    case 'unknown':
      return `_Amounts are hidden because this repository's visibility is unknown (it may be public). ${how}_`
    default:
      return '_Amounts are hidden (`summary-amounts: hide`)._'
  }
}

/** The first block: what a founder wants to know in five seconds. */
function headline(report: RunReport, ctx: FeatureContext): string[] {
  const lines = report.features.flatMap((f) => f.headline?.(ctx) ?? [])
  // Short labelled parts, one per line, so a reader can scan them: the run's money first.
  const inSlot = (slot: Feature['slot']) => report.features.filter((f) => (f.slot ?? 'top') === slot).flatMap((f) => f.facts?.(ctx) ?? [])
  const facts = [...inSlot('money'), ...inSlot('bottom')]
  const rejected = report.total('rejected')
  if (rejected > 0) facts.push(['Quarantined', `**${count(rejected)}** (table stripe_sync_rejects)`])
  facts.push(...inSlot('top'))
  if (facts.length > 0) lines.push(facts.map(([label, text]) => `- **${label}:** ${text}`).join('\n'))
  if (ctx.config.dryRun) lines.push('_Dry run: nothing was written._')
  return lines
}

/** Rows a table leaves out altogether: how many, and where they all are (`table \`public.processed_charges\``). */
export interface NotListed {
  count: number
  where: string
}

/** A table with at most VISIBLE_ROWS rows in view; the rest collapsed under "N more"; `more` not listed at all. */
export function foldedTable(header: string[], rows: string[], more: NotListed | undefined, what: string, visible = VISIBLE_ROWS): string[] {
  const lines = [...header, ...rows.slice(0, visible), '']
  const hidden = rows.slice(visible)
  if (hidden.length > 0) lines.push(`<details><summary>${hidden.length} more ${what}</summary>`, '', ...header, ...hidden, '', '</details>', '')
  if (more && more.count > 0) lines.push(`…and ${count(more.count)} more not listed here; all are in ${more.where}.`, '')
  return lines
}

function syncedSection(report: RunReport, ctx: SummaryContext): string[] {
  if (ctx.config.objects.length < 2 && report.total('rejected') === 0) return []
  const lines = ['### Synced', '', '| Object | Listed | New rows | Updated rows | Quarantined |', '| --- | ---: | ---: | ---: | ---: |']
  for (const name of ctx.config.objects) {
    const p = report.of(name)
    const spec = OBJECTS.find((o) => o.name === name)!
    const failed = report.failures.has(name) ? ' (failed)' : ''
    lines.push(
      `| ${spec.plural[0]!.toUpperCase()}${spec.plural.slice(1)}${failed} | ${count(p.matched)} | ${count(p.stored)} | ${count(p.updated)} | ${count(p.rejected)} |`
    )
  }
  lines.push(
    '',
    'Listed: found in the range this run listed. New rows can be more: objects learnt from change and deletion events and from payout reconciliation are stored too.',
    ''
  )
  return lines
}

function failuresSection(report: RunReport, describe: (error: unknown) => string): string[] {
  if (report.failures.size === 0) return []
  const lines = ['### Failed', '']
  for (const [name, error] of report.failures) lines.push(`- **${name}**: ${escapeCell(describe(error), 400)}`)
  lines.push('')
  return lines
}

function settings(report: RunReport, ctx: SummaryContext): string[] {
  const c = ctx.config
  const rows: Array<[string, string]> = []
  const inc = report.incremental.get(c.objects[0]!)
  rows.push(['Objects', c.objects.join(', ')])
  rows.push(['Mode', c.incremental ? `incremental${[...report.incremental.values()].some((r) => r.firstRun) ? ' (first run: backfill)' : ''}` : 'newest first'])
  for (const name of c.objects) {
    const values = specOf(name).filter?.values
    if (values) rows.push(['Status', values.every((s) => c.statuses.has(s)) ? 'all' : values.filter((s) => c.statuses.has(s)).join(', ')])
  }
  rows.push(['Limit', Number.isFinite(c.limit) ? String(c.limit) : 'all'])
  if (inc) {
    rows.push(['Window covered', describeWindow(inc.from, inc.cursor)])
    rows.push(['Complete through', isoSeconds(Math.min(...[...report.incremental.values()].map((r) => r.cursor)) - 1)])
    const events = [...report.incremental.values()].reduce((n, r) => n + r.eventsProcessed, 0)
    const refetched = [...report.incremental.values()].reduce((n, r) => n + r.refetched, 0)
    rows.push(['Change events replayed', `${events} (${refetched} object(s) re-fetched)`])
    if ([...report.incremental.values()].some((r) => r.resweep)) rows.push(['Re-sweep', 'yes: the event cursor was older than Stripe keeps events'])
  } else {
    rows.push(['Created', describeWindow(c.createdGte, c.createdLt)])
  }
  rows.push(['Tables', `schema \`${c.schema}\`${c.objects.includes('charges') ? `, charges in \`${c.table}\`` : ''}`])
  rows.push(['Dry run', c.dryRun ? 'yes: nothing was written' : 'no'])
  if (c.stripeAccount) rows.push(['Stripe account', c.stripeAccount])
  rows.push(['Stripe key', `${c.keyMode} mode`])
  rows.push(['Customer details', c.customerDetails])
  rows.push(['Summary amounts', c.summaryAmounts === 'hide' ? 'hidden' : 'shown'])
  let scanned = 0
  let pages = 0
  for (const p of report.progress.values()) {
    scanned += p.scanned
    pages += p.pages
  }
  rows.push(['Objects scanned', `${scanned} in ${pages} page(s)`])
  return ['<details><summary>Settings</summary>', '', '| Setting | Value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`), '', '</details>', '']
}

/** What the run cost Stripe, and what the schedule would cost a month. */
function requestsFooter(report: RunReport): string[] {
  const line = requestsLine(report.stripeRequests, report.runSchedule, describeLength, report.accountsSynced)
  return [`<sub>${line.text}</sub>`, '', ...(line.warning ? [`> [!WARNING]`, `> ${line.warning}`, ''] : [])]
}

/** Nothing was added or changed: one line, and the settings. */
function upToDate(report: RunReport, ctx: SummaryContext): boolean {
  if (ctx.config.dryRun || report.failures.size > 0) return false
  if (report.total('stored') + report.total('updated') + report.total('rejected') > 0) return false
  if (report.features.some((f) => f.news?.())) return false
  return true
}

/** An up-to-date run names its objects up to this many; past it (objects: all) it counts them, so the line stays a line. */
const MAX_OBJECTS_NAMED = 5

function render(report: RunReport, ctx: FeatureContext, rows: number, describe: (error: unknown) => string): string {
  const lines: string[] = ['## Stripe Payment Monitor', '']
  if (ctx.skipped) return [...lines, ctx.skipped, ''].join('\n')
  const status = report.features.flatMap((f) => f.status?.(ctx) ?? [])
  if (upToDate(report, ctx)) {
    lines.push(...status)
    const what = ctx.config.objects.map((n: ObjectName) => OBJECTS.find((o) => o.name === n)!.plural)
    const since = ctx.lastRunAt ? ` since ${compactUtc(Math.floor(ctx.lastRunAt.getTime() / 1000))} UTC` : ''
    lines.push(
      what.length === 1
        ? `Up to date — no new ${what[0]} or changes${since}.`
        : what.length <= MAX_OBJECTS_NAMED
          ? `Up to date — no new ${what.slice(0, -1).join(', ')} or ${what.at(-1)}, and no changes${since ? `,${since}` : ''}.`
          : `Up to date — nothing new or changed in the ${what.length} objects synced${since}.`,
      ''
    )
    return [...lines, ...requestsFooter(report), ...settings(report, ctx)].join('\n')
  }
  // Said first, where amounts would otherwise be (an up-to-date run shows none).
  if (amountsHidden(ctx)) lines.push(amountsNotice(ctx), '')
  lines.push(...status)
  lines.push(...headline(report, ctx).flatMap((l) => [l, '']))
  lines.push(...failuresSection(report, describe))
  for (const slot of ['top', 'money', 'bottom'] as const)
    for (const feature of report.features.filter((f) => (f.slot ?? 'top') === slot)) lines.push(...(feature.section?.(ctx, rows) ?? []))
  lines.push(...syncedSection(report, ctx))
  for (const feature of report.features) lines.push(...(feature.details?.(ctx, rows) ?? []))
  lines.push(...requestsFooter(report))
  lines.push(...settings(report, ctx))
  return lines.join('\n')
}

/** The job summary as GitHub-flavoured Markdown, within GitHub's size limit: long tables are shortened together. Pure. */
export function renderSummary(
  report: RunReport,
  summary: SummaryContext,
  describe: (error: unknown) => string = String,
  limitBytes = SUMMARY_LIMIT_BYTES
): string {
  const ctx: FeatureContext = { ...summary, run: report }
  let rows = Math.max(0, ...report.features.map((f) => f.rows?.() ?? 0))
  let markdown = render(report, ctx, rows, describe)
  while (Buffer.byteLength(markdown) > limitBytes && rows > 0) {
    rows = Math.floor(rows / 2)
    markdown = render(report, ctx, rows, describe)
  }
  return markdown
}
