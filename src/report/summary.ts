import type Stripe from 'stripe'
import { CHARGE_STATUSES, isoSeconds, type ChargeStatus } from '../config.js'
import type { IncrementalReport } from '../incremental.js'
import type { SyncProgress } from '../sync.js'
import { bucketize, mermaidBarChart } from './chart.js'
import { dashboardUrl } from './links.js'
import { formatMoney } from './money.js'
import { runMessage } from './outputs.js'


export interface SummaryContext {
  dryRun: boolean
  statuses: ReadonlySet<ChargeStatus>
  limit: number
  createdGte: number | undefined
  createdLt: number | undefined
  schema: string
  table: string
  stripeAccount: string | undefined
  /** Link to this workflow run, when running on GitHub. */
  runUrl: string | undefined
  incremental?: IncrementalReport
  /** The high-value threshold as the user wrote it, when set. */
  highValueThreshold?: string
  now?: Date
}

/** GitHub refuses a step summary over 1 MiB; stay clear of it. */
export const SUMMARY_LIMIT_BYTES = 1_000_000
const DESCRIPTION_CHARS = 120

/**
 * Text from Stripe (descriptions, emails) is untrusted: inside a table cell it must not end the
 * cell (`|`), the row (newline), open HTML or form links and emphasis.
 */
export function escapeCell(text: string | null | undefined, maxChars = Infinity): string {
  if (text == null || text === '') return ''
  const chars = [...text]
  const short = chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}…` : text
  return short
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
}

export function describeWindow(gte: number | undefined, lt: number | undefined): string {
  if (gte === undefined && lt === undefined) return 'all time'
  if (lt === undefined) return `from ${isoSeconds(gte!)}`
  if (gte === undefined) return `before ${isoSeconds(lt)}`
  return `from ${isoSeconds(gte)} to before ${isoSeconds(lt)}`
}

function describeStatuses(statuses: ReadonlySet<ChargeStatus>): string {
  return statuses.size === CHARGE_STATUSES.length ? 'all' : CHARGE_STATUSES.filter((s) => statuses.has(s)).join(', ')
}

function chargeRow(c: Stripe.Charge, stripeAccount: string | undefined): string {
  const created = isoSeconds(c.created).replace('T', ' ').replace('Z', '')
  return (
    `| [${c.id}](${dashboardUrl(c, stripeAccount)}) | ${formatMoney(c.amount, c.currency)} | ${c.status} | ` +
    `${escapeCell(c.receipt_email ?? c.billing_details?.email)} | ${escapeCell(c.description, DESCRIPTION_CHARS)} | ${created} |`
  )
}

const CHARGE_HEADER = ['| Charge | Amount | Status | Customer email | Description | Created (UTC) |', '| --- | ---: | --- | --- | --- | --- |']

/** The chart's day range: the run's window where it is close to the data, else the data's own span. */
function chartDays(daily: ReadonlyMap<number, number>, ctx: SummaryContext): [number, number] {
  const days = [...daily.keys()]
  const first = Math.min(...days)
  const last = Math.max(...days)
  const gte = ctx.incremental?.from ?? ctx.createdGte
  const lt = ctx.incremental?.to ?? ctx.createdLt ?? (ctx.now ? Math.floor(ctx.now.getTime() / 1000) + 1 : undefined)
  const from = gte !== undefined && Math.floor(gte / 86400) >= first - 62 ? Math.floor(gte / 86400) : first
  const to = lt !== undefined && Math.floor((lt - 1) / 86400) <= last + 62 ? Math.floor((lt - 1) / 86400) : last
  return [Math.min(from, first), Math.max(to, last)]
}

function renderWith(progress: SyncProgress, ctx: SummaryContext, chargeRows: number): string {
  const lines: string[] = []
  lines.push('## Stripe Payment Monitor', '')
  lines.push(`**${runMessage(progress.matched, ctx.dryRun)}**`, '')
  if (!ctx.dryRun) {
    lines.push(`Table \`${ctx.schema}.${ctx.table}\`: ${progress.stored} new row(s), ${progress.updated} updated.`, '')
  }

  lines.push('| Setting | Value |', '| --- | --- |')
  const inc = ctx.incremental
  lines.push(`| Mode | ${inc ? `incremental${inc.firstRun ? ' (first run: backfill)' : ''}` : 'newest first'} |`)
  lines.push(`| Status | ${describeStatuses(ctx.statuses)} |`)
  lines.push(`| Limit | ${Number.isFinite(ctx.limit) ? ctx.limit : 'all'} |`)
  if (inc) {
    lines.push(`| Window covered | ${describeWindow(inc.from, inc.cursor)} |`)
    lines.push(`| Complete through | ${isoSeconds(inc.cursor - 1)} |`)
    lines.push(`| Change events replayed | ${inc.eventsProcessed} (${inc.chargesRefetched} charge(s) re-fetched) |`)
    lines.push(`| Re-sweep | ${inc.resweep ? 'yes: the event cursor was older than Stripe keeps events' : 'no'} |`)
  } else {
    lines.push(`| Created | ${describeWindow(ctx.createdGte, ctx.createdLt)} |`)
  }
  lines.push(`| Dry run | ${ctx.dryRun ? 'yes: nothing was written' : 'no'} |`)
  if (ctx.stripeAccount) lines.push(`| Stripe account | ${ctx.stripeAccount} |`)
  lines.push(`| Stripe charges scanned | ${progress.scanned} in ${progress.pages} page(s) |`)
  lines.push('')

  const currencies = progress.totals.currencies()
  if (currencies.length === 0) {
    lines.push('No charges matched.', '')
  } else {
    lines.push('### Totals by currency', '')
    lines.push('| Currency | Charges | Gross | Refunded | Net |', '| --- | ---: | ---: | ---: | ---: |')
    for (const currency of currencies) {
      const t = progress.totals.byCurrency.get(currency)!
      lines.push(
        `| ${currency.toUpperCase()} | ${t.count} | ${formatMoney(t.amountMinor, currency)} | ${formatMoney(t.refundedMinor, currency)} | ${formatMoney(t.amountMinor - t.refundedMinor, currency)} |`
      )
    }
    lines.push('')

    const main = currencies[0]!
    const daily = progress.totals.daily.get(main)
    if (daily && daily.size > 0) {
      const [from, to] = chartDays(daily, ctx)
      lines.push(`### Gross over time (${main.toUpperCase()}, the run's most frequent currency)`, '')
      lines.push(mermaidBarChart(bucketize(daily, from, to, main), main), '')
    }

    const hv = progress.highValue
    if (hv && ctx.highValueThreshold !== undefined) {
      lines.push(`### High-value charges (${hv.count})`, '')
      lines.push(`Threshold: ${escapeCell(ctx.highValueThreshold)}.`, '')
      if (hv.count > 0) {
        lines.push(...CHARGE_HEADER)
        for (const c of hv.kept) lines.push(chargeRow(c, ctx.stripeAccount))
        if (hv.truncated) lines.push('', `…and ${hv.count - hv.kept.length} more.`)
        lines.push('')
      }
    }

    lines.push(`### Charges ${ctx.dryRun ? 'found' : 'recorded'} this run (newest first)`, '')
    lines.push(...CHARGE_HEADER)
    const shown = progress.recorded.slice(0, chargeRows)
    for (const c of shown) lines.push(chargeRow(c, ctx.stripeAccount))
    const more = progress.matched - shown.length
    if (more > 0) lines.push('', `…and ${more} more.`)
    if (shown.length < progress.recorded.length) lines.push('', "(The table was shortened to fit GitHub's 1 MiB job summary limit.)")
    lines.push('')
  }

  if (ctx.runUrl) lines.push(`[Workflow run](${ctx.runUrl})`, '')
  return lines.join('\n')
}

/** The job summary as GitHub-flavoured Markdown, within GitHub's size limit. Pure. */
export function renderSummary(progress: SyncProgress, ctx: SummaryContext, limitBytes = SUMMARY_LIMIT_BYTES): string {
  let rows = progress.recorded.length
  let markdown = renderWith(progress, ctx, rows)
  while (Buffer.byteLength(markdown) > limitBytes && rows > 0) {
    rows = Math.floor(rows / 2)
    markdown = renderWith(progress, ctx, rows)
  }
  return markdown
}
