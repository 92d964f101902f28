import type Stripe from 'stripe'
import { CHARGE_STATUSES, isoSeconds, type ChargeStatus } from '../config.js'
import type { IncrementalReport } from '../incremental.js'
import type { SyncProgress } from '../sync.js'
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
}

/**
 * Text from Stripe (descriptions, emails) is untrusted: inside a table cell it must not end the
 * cell (`|`), the row (newline), open HTML or form links and emphasis.
 */
export function escapeCell(text: string | null | undefined): string {
  if (text == null || text === '') return ''
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
}

export function dashboardUrl(charge: Pick<Stripe.Charge, 'id' | 'livemode'>, stripeAccount?: string): string {
  const account = stripeAccount ? `${stripeAccount}/` : ''
  const mode = charge.livemode ? '' : 'test/'
  return `https://dashboard.stripe.com/${account}${mode}payments/${charge.id}`
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

/** The job summary as GitHub-flavoured Markdown. Pure: the same input always renders the same text. */
export function renderSummary(progress: SyncProgress, ctx: SummaryContext): string {
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
  if (currencies.length > 0) {
    lines.push('### Totals by currency', '')
    lines.push('| Currency | Charges | Amount |', '| --- | ---: | ---: |')
    for (const currency of currencies) {
      const t = progress.totals.byCurrency.get(currency)!
      lines.push(`| ${currency.toUpperCase()} | ${t.count} | ${formatMoney(t.amountMinor, currency)} |`)
    }
    lines.push('')

    lines.push(`### Charges ${ctx.dryRun ? 'found' : 'recorded'} this run (newest first)`, '')
    lines.push('| Charge | Amount | Status | Customer email | Description | Created (UTC) |', '| --- | ---: | --- | --- | --- | --- |')
    for (const c of progress.recorded) {
      const created = isoSeconds(c.created).replace('T', ' ').replace('Z', '')
      lines.push(
        `| [${c.id}](${dashboardUrl(c, ctx.stripeAccount)}) | ${formatMoney(c.amount, c.currency)} | ${c.status} | ` +
          `${escapeCell(c.receipt_email ?? c.billing_details?.email)} | ${escapeCell(c.description)} | ${created} |`
      )
    }
    const more = progress.matched - progress.recorded.length
    if (more > 0) lines.push('', `…and ${more} more.`)
    lines.push('')
  } else {
    lines.push('No charges matched.', '')
  }

  if (ctx.runUrl) lines.push(`[Workflow run](${ctx.runUrl})`, '')
  return lines.join('\n')
}
