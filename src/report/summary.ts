import type Stripe from 'stripe'
import { CHARGE_STATUSES, chargeEmail } from '../objects/charges.js'
import { OBJECTS } from '../objects/registry.js'
import type { ObjectName } from '../objects/registry.js'
import { DAY_SECONDS, compactUtc, isoSeconds } from '../time.js'
import { MIN_BARS, bucketize, dayRange, mermaidBarChart } from './chart.js'
import type { RunReport } from './collect.js'
import { dashboardUrl } from './links.js'
import { formatMoney } from './money.js'
import { requestsLine } from './requests.js'
import type { SummaryContext } from './view.js'
import { cut } from '../text.js'

/** GitHub refuses a step summary over 1 MiB; stay clear of it. */
export const SUMMARY_LIMIT_BYTES = 1_000_000
/** Rows shown in a table before the rest goes into a collapsed <details>. */
export const VISIBLE_ROWS = 20
const DESCRIPTION_CHARS = 40

/**
 * Text from Stripe (descriptions, emails, ids) is untrusted: inside a table cell it must not end
 * the cell (`|`), the row (newline), open HTML, or form links and emphasis.
 */
export function escapeCell(text: string | null | undefined, maxChars = Infinity): string {
  if (text == null || text === '') return ''
  return cut(text, maxChars)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/([\\`*_[\]|~#!:])/g, '\\$1')
}

/** An email as a code span: GitHub cannot autolink part of it (it links only the ASCII tail of `Ünïcode@x.org`). */
export function emailCell(email: string | null): string {
  if (!email) return ''
  const text = email.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|')
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${longest > 0 ? ' ' : ''}${text}${longest > 0 ? ' ' : ''}${fence}`
}

/** Money on one line in a table: the space before the currency code does not break. */
export function moneyCell(minor: number, currency: string): string {
  return formatMoney(minor, currency).replace(' ', '&nbsp;')
}

function timeCell(seconds: number): string {
  return compactUtc(seconds).replace(' ', '&nbsp;')
}

export function describeWindow(gte: number | undefined, lt: number | undefined): string {
  if (gte === undefined && lt === undefined) return 'all time'
  if (lt === undefined) return `from ${isoSeconds(gte!)}`
  if (gte === undefined) return `before ${isoSeconds(lt)}`
  return `from ${isoSeconds(gte)} to before ${isoSeconds(lt)}`
}

/** "6 days", "15 minutes", "3 hours". */
export function describeLength(seconds: number): string {
  const units: Array<[number, string]> = [
    [DAY_SECONDS, 'day'],
    [3600, 'hour'],
    [60, 'minute']
  ]
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.round(seconds / size)
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  return `${Math.max(1, Math.round(seconds))} seconds`
}

/** The period the run's charges cover, [from, to) in Unix seconds. */
export function periodOf(report: RunReport, ctx: SummaryContext): { from: number; to: number } | undefined {
  const nowSeconds = Math.floor(ctx.now.getTime() / 1000)
  const inc = report.incremental.get('charges')
  const { createdGte, createdLt, limit } = ctx.config
  const first = report.totals.firstCreated
  const last = report.totals.lastCreated
  if (inc) {
    // A first run backfills from `created-after`, or from Stripe's start: then the data says where it begins.
    const from = inc.firstRun && createdGte === undefined ? (first ?? inc.from) : inc.from
    return { from, to: Math.max(from + 1, inc.cursor) }
  }
  if (limit === Number.POSITIVE_INFINITY || createdGte !== undefined) {
    const from = createdGte ?? first
    if (from === undefined) return undefined
    return { from, to: Math.min(createdLt ?? nowSeconds + 1, nowSeconds + 1) }
  }
  if (first === undefined || last === undefined) return undefined
  return { from: first, to: last + 1 }
}

/** "Nov 22 – Nov 27, 2026 (UTC)", or within a day "Nov 27, 2026, 06:23 – 06:38 UTC". */
export function describePeriod(from: number, to: number): string {
  const fromDay = Math.floor(from / DAY_SECONDS)
  const toDay = Math.floor((to - 1) / DAY_SECONDS)
  if (fromDay === toDay) return `${dayRange(fromDay, toDay)}, ${compactUtc(from).slice(11)} – ${compactUtc(to).slice(11)} UTC`
  return `${dayRange(fromDay, toDay)} (UTC)`
}

/** A count as people write it: 12,345. */
const count = (n: number): string => n.toLocaleString('en-US')

function percent(part: number, whole: number): string {
  const value = (100 * part) / whole
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} %`
}

function change(now: number, before: number): string {
  const value = ((now - before) / Math.abs(before)) * 100
  const rounded = Math.abs(value) < 10 ? value.toFixed(1) : String(Math.round(value))
  return `${value >= 0 ? '+' : '−'}${rounded.replace('-', '')} %`
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
function headline(report: RunReport, ctx: SummaryContext): string[] {
  const lines: string[] = []
  const hidden = amountsHidden(ctx)
  const currencies = report.totals.currencies().filter((c) => report.totals.byCurrency.get(c)!.succeededCount > 0)
  const period = periodOf(report, ctx)
  const hasCharges = ctx.config.objects.includes('charges')
  if (hasCharges && currencies.length > 0 && !hidden) {
    const nets = currencies.map((c) => {
      const t = report.totals.byCurrency.get(c)!
      return formatMoney(t.grossMinor - t.refundedMinor, c)
    })
    // In each charge's own currency; the balance section's net is after fees, in the settlement currency.
    lines.push(`**Charged, net of refunds: ${nets.join('; ')}**${period ? ` — ${describePeriod(period.from, period.to)}` : ''}`)
    if (ctx.previous && period) {
      const changes = currencies.flatMap((c) => {
        const before = ctx.previous!.get(c)
        if (!before) return []
        const t = report.totals.byCurrency.get(c)!
        return [`${c.toUpperCase()} ${change(t.grossMinor - t.refundedMinor, before)}`]
      })
      if (changes.length > 0) lines.push(`${changes.join(', ')} vs the previous ${describeLength(period.to - period.from)}`)
    }
  }
  // Short labelled parts, one per line, so a reader can scan them.
  const facts: Array<[string, string]> = []
  const charges = report.progress.get('charges')
  if (charges) {
    const parts: string[] = []
    const newCharges = ctx.config.dryRun ? charges.matched : charges.stored
    parts.push(
      `${count(newCharges)} ${ctx.config.dryRun ? 'found' : 'new'}${charges.updated > 0 ? `, ${count(charges.updated)} updated` : ''}${
        hidden && period && currencies.length > 0 ? ` over ${describePeriod(period.from, period.to)}` : ''
      }`
    )
    let refunded = 0
    for (const t of report.totals.byCurrency.values()) if (t.refundedMinor > 0) refunded += 1
    if (refunded > 0 && !hidden) {
      const main = currencies[0]
      const t = main ? report.totals.byCurrency.get(main)! : undefined
      parts.push(
        `refunded ${t && t.refundedMinor > 0 ? formatMoney(t.refundedMinor, main!) : 'in several currencies'}${refunded > 1 && t && t.refundedMinor > 0 ? ' and more' : ''}`
      )
    }
    const statuses = ctx.config.statuses
    if (statuses.has('failed') && statuses.has('succeeded')) {
      let failed = 0
      let settled = 0
      for (const t of report.totals.byCurrency.values()) {
        failed += t.failedCount
        settled += t.failedCount + t.succeededCount
      }
      if (settled > 0) parts.push(`failure rate ${percent(failed, settled)} (${count(failed)} of ${count(settled)})`)
    }
    facts.push(['Charges', parts.join('; ')])
  }
  const disputes = report.progress.get('disputes')
  if (disputes) facts.push(['Disputes', `${count(disputes.stored)} new`])
  for (const feature of report.features.filter((f) => f.slot === 'bottom')) facts.push(...(feature.facts?.(ctx) ?? []))
  const rejected = report.total('rejected')
  if (rejected > 0) facts.push(['Quarantined', `**${count(rejected)}** (table stripe_sync_rejects)`])
  for (const feature of report.features.filter((f) => f.slot !== 'bottom')) facts.push(...(feature.facts?.(ctx) ?? []))
  if (facts.length > 0) lines.push(facts.map(([label, text]) => `- **${label}:** ${text}`).join('\n'))
  if (ctx.config.dryRun) lines.push('_Dry run: nothing was written._')
  return lines
}

/** The connected account a listed charge belongs to, when the run synced several (Connect). */
export type AccountOf = (id: string) => string | undefined

export function chargeRow(c: Stripe.Charge, ctx: SummaryContext, withStatus: boolean, accountOf?: AccountOf): string {
  const cells = amountsHidden(ctx) ? [] : [moneyCell(c.amount, c.currency)]
  if (withStatus) cells.push(escapeCell(c.status))
  cells.push(emailCell(ctx.privacy.email(chargeEmail(c))))
  if (ctx.privacy.mode === 'show') cells.push(escapeCell(ctx.privacy.description(c.description, DESCRIPTION_CHARS)))
  // A connected account's charge (Connect) says whose it is in its link.
  const account = accountOf?.(c.id)
  cells.push(timeCell(c.created), `[${account ? escapeCell(account) : 'View'} ↗](${dashboardUrl(c, account ?? ctx.config.stripeAccount)})`)
  return `| ${cells.join(' | ')} |`
}

export function chargeHeader(ctx: SummaryContext, withStatus: boolean): string[] {
  const names = [
    ...(amountsHidden(ctx) ? [] : ['Amount']),
    ...(withStatus ? ['Status'] : []),
    'Customer',
    ...(ctx.privacy.mode === 'show' ? ['Description'] : []),
    'Created (UTC)',
    ''
  ]
  const align = names.map((n) => (n === 'Amount' ? '---:' : '---'))
  return [`| ${names.join(' | ')} |`, `| ${align.join(' | ')} |`]
}

/** Charges as a table, folded past VISIBLE_ROWS; `more` not listed at all. */
export function chargeTable(
  charges: readonly Stripe.Charge[],
  ctx: SummaryContext,
  withStatus: boolean,
  more: number,
  what: string,
  accountOf?: AccountOf
): string[] {
  return foldedTable(
    chargeHeader(ctx, withStatus),
    charges.map((c) => chargeRow(c, ctx, withStatus, accountOf)),
    more,
    what
  )
}

/** A table with at most VISIBLE_ROWS rows in view; the rest collapsed under "N more". */
export function foldedTable(header: string[], rows: string[], more: number, what: string, visible = VISIBLE_ROWS): string[] {
  const lines = [...header, ...rows.slice(0, visible), '']
  const hidden = rows.slice(visible)
  if (hidden.length > 0) lines.push(`<details><summary>${hidden.length} more ${what}</summary>`, '', ...header, ...hidden, '', '</details>', '')
  if (more > 0) lines.push(`…and ${more} more not listed here (all are in the table).`, '')
  return lines
}

function moneySection(report: RunReport, ctx: SummaryContext): string[] {
  const currencies = report.totals.currencies()
  if (currencies.length === 0) return []
  if (amountsHidden(ctx)) {
    const lines = ['### Charges by currency', '', '| Currency | Succeeded | Pending | Failed |', '| --- | ---: | ---: | ---: |']
    for (const c of currencies) {
      const t = report.totals.byCurrency.get(c)!
      lines.push(`| ${c.toUpperCase()} | ${count(t.succeededCount)} | ${count(t.pendingCount)} | ${count(t.failedCount)} |`)
    }
    return [...lines, '']
  }
  const lines = ['### Charges by currency', '', '| Currency | Succeeded | Gross | Refunded | Net | Failed |', '| --- | ---: | ---: | ---: | ---: | ---: |']
  for (const c of currencies) {
    const t = report.totals.byCurrency.get(c)!
    const failed = t.failedCount > 0 ? `${t.failedCount} (${moneyCell(t.failedMinor, c)})` : '0'
    lines.push(
      `| ${c.toUpperCase()} | ${t.succeededCount} | ${moneyCell(t.grossMinor, c)} | ${moneyCell(t.refundedMinor, c)} | ${moneyCell(t.grossMinor - t.refundedMinor, c)} | ${failed} |`
    )
  }
  const pending = [...report.totals.byCurrency.values()].reduce((n, t) => n + t.pendingCount, 0)
  lines.push(
    '',
    `Gross − Refunded = Net, over succeeded charges only, each in its own currency${pending > 0 ? `; ${pending} pending charge(s) are not counted yet` : ''}.`,
    ''
  )
  return lines
}

function chartSection(report: RunReport, ctx: SummaryContext): string[] {
  // A chart's bars are amounts.
  if (amountsHidden(ctx)) return []
  const currencies = report.totals.currencies()
  const main = currencies[0]
  const daily = main ? report.totals.daily.get(main) : undefined
  if (!main || !daily || daily.size === 0) return []
  const period = periodOf(report, ctx)
  const nowDay = Math.floor(ctx.now.getTime() / 1000 / DAY_SECONDS)
  const dataDays = [...daily.keys()]
  // Clipped to the run's window and to today: one absurd date cannot stretch it.
  let from = Math.max(Math.min(...dataDays), period ? Math.floor(period.from / DAY_SECONDS) : -Infinity)
  let to = Math.min(Math.max(...dataDays), nowDay)
  if (period) {
    from = Math.min(from, Math.floor(period.from / DAY_SECONDS))
    to = Math.max(to, Math.min(nowDay, Math.floor((period.to - 1) / DAY_SECONDS)))
  }
  if (!(to >= from) || to - from > 366 * 50) return []
  const chart = bucketize(daily, from, to, main, {
    partialStart: period ? period.from % DAY_SECONDS !== 0 : true,
    partialEnd: period ? period.to % DAY_SECONDS !== 0 : true
  })
  if (chart.bars.length < MIN_BARS) return []
  let all = 0
  for (const t of report.totals.byCurrency.values()) all += t.succeededCount
  const share = report.totals.byCurrency.get(main)!.succeededCount
  const lines = [`### Succeeded gross over time, ${main.toUpperCase()}`, '']
  lines.push(mermaidBarChart(chart, main), '')
  const notes = [
    `${main.toUpperCase()} is ${percent(share, all)} of this run's succeeded charges (${share} of ${all})${currencies.length > 1 ? `; other currencies are in the table above` : ''}.`
  ]
  if (chart.bars.some((b) => b.partial)) notes.push(`* The run covers only part of this ${chart.unit}.`)
  lines.push(notes.join(' '), '')
  return lines
}

function chargesSection(report: RunReport, ctx: SummaryContext, rows: number): string[] {
  const shown = report.recorded.slice(0, rows)
  if (shown.length === 0) return []
  const withStatus = ctx.config.statuses.size > 1
  const lines = [`### Charges ${ctx.config.dryRun ? 'found' : 'recorded'} this run, newest first`, '']
  lines.push(...chargeTable(shown, ctx, withStatus, report.chargeCount - shown.length, 'charges', (id) => report.recordedAccounts.get(id)))
  if (shown.length < report.recorded.length) lines.push("(Shortened to fit GitHub's 1 MiB job summary limit.)", '')
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

function balanceSection(report: RunReport, ctx: SummaryContext): string[] {
  if (report.balance.size === 0) return []
  const sorted = [...report.balance].sort(([a], [b]) => a.localeCompare(b))
  if (amountsHidden(ctx)) {
    const lines = ['### Stripe balance transactions', '', '| Settlement currency | Transactions |', '| --- | ---: |']
    for (const [c, b] of sorted) lines.push(`| ${c.toUpperCase()} | ${count(b.count)} |`)
    return [...lines, '']
  }
  const lines = [
    '### Fees and net to your Stripe balance, in the settlement currency',
    '',
    '| Settlement currency | Transactions | Gross | Fees | Net to balance |',
    '| --- | ---: | ---: | ---: | ---: |'
  ]
  for (const [c, b] of sorted) {
    lines.push(
      `| ${c.toUpperCase()} | ${count(b.count)} | ${moneyCell(b.grossMinor, c)} | ${moneyCell(b.grossMinor - b.netMinor, c)} | ${moneyCell(b.netMinor, c)} |`
    )
  }
  lines.push(
    '',
    'Gross − Fees = Net to balance: what these balance transactions (payouts left out) added to the Stripe balance, converted to the currency Stripe settles in. ' +
      "It differs from the charged amounts above, which are in each charge's own currency and before fees.",
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
  if (c.objects.includes('charges'))
    rows.push(['Status', c.statuses.size === CHARGE_STATUSES.length ? 'all' : CHARGE_STATUSES.filter((s) => c.statuses.has(s)).join(', ')])
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
  const line = requestsLine(report.stripeRequests, report.runIntervalSeconds, describeLength, report.accountsSynced)
  return [`<sub>${line.text}</sub>`, '', ...(line.warning ? [`> [!WARNING]`, `> ${line.warning}`, ''] : [])]
}

/** Nothing was added or changed: one line, and the settings. */
function upToDate(report: RunReport, ctx: SummaryContext): boolean {
  if (ctx.config.dryRun || report.failures.size > 0) return false
  if (report.total('stored') + report.total('updated') + report.total('rejected') > 0) return false
  if (report.features.some((f) => f.news?.())) return false
  return true
}

function render(report: RunReport, ctx: SummaryContext, rows: number, describe: (error: unknown) => string): string {
  const lines: string[] = ['## Stripe Payment Monitor', '']
  if (ctx.skipped) return [...lines, ctx.skipped, ''].join('\n')
  if (upToDate(report, ctx)) {
    const what = ctx.config.objects.map((n: ObjectName) => OBJECTS.find((o) => o.name === n)!.plural)
    const since = ctx.lastRunAt ? ` since ${compactUtc(Math.floor(ctx.lastRunAt.getTime() / 1000))} UTC` : ''
    lines.push(
      what.length === 1
        ? `Up to date — no new ${what[0]} or changes${since}.`
        : `Up to date — no new ${what.slice(0, -1).join(', ')} or ${what.at(-1)}, and no changes${since ? `,${since}` : ''}.`,
      ''
    )
    return [...lines, ...requestsFooter(report), ...settings(report, ctx)].join('\n')
  }
  // Said first, where amounts would otherwise be (an up-to-date run shows none).
  if (amountsHidden(ctx)) lines.push(amountsNotice(ctx), '')
  lines.push(...headline(report, ctx).flatMap((l) => [l, '']))
  lines.push(...failuresSection(report, describe))
  for (const feature of report.features.filter((f) => f.slot !== 'bottom')) lines.push(...(feature.section?.(ctx, rows) ?? []))
  lines.push(...moneySection(report, ctx))
  lines.push(...chartSection(report, ctx))
  lines.push(...balanceSection(report, ctx))
  for (const feature of report.features.filter((f) => f.slot === 'bottom')) lines.push(...(feature.section?.(ctx, rows) ?? []))
  lines.push(...syncedSection(report, ctx))
  lines.push(...chargesSection(report, ctx, rows))
  lines.push(...requestsFooter(report))
  lines.push(...settings(report, ctx))
  return lines.join('\n')
}

/** The job summary as GitHub-flavoured Markdown, within GitHub's size limit: long tables are shortened together. Pure. */
export function renderSummary(report: RunReport, ctx: SummaryContext, describe: (error: unknown) => string = String, limitBytes = SUMMARY_LIMIT_BYTES): string {
  let rows = Math.max(report.recorded.length, ...report.features.map((f) => f.rows?.() ?? 0))
  let markdown = render(report, ctx, rows, describe)
  while (Buffer.byteLength(markdown) > limitBytes && rows > 0) {
    rows = Math.floor(rows / 2)
    markdown = render(report, ctx, rows, describe)
  }
  return markdown
}
