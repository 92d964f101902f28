import type Stripe from 'stripe'
import type { Config } from '../../config.js'
import { objectsOf } from '../../objects/registry.js'
import { shortDay } from '../../report/chart.js'
import { defineFeature, type Feature, type OutputOf, type ReadBackContext, type SummaryContext } from '../../report/feature.js'
import { dashboardUrl } from '../../report/links.js'
import { formatMinor } from '../../report/money.js'
import { keepNewest } from '../../report/newest.js'
import { amountsHidden, escapeCell, foldedTable, moneyCell } from '../../report/summary.js'
import type { FeatureDatabase } from '../../report/feature.js'
import type { LinkReport, StoredBatch } from '../../sync/run.js'
import { DAY_SECONDS, isoSeconds } from '../../time.js'
import { quickbooksFiles, writeJournalFiles, xeroFiles } from './books.js'
import { writeJournal } from './journal.js'
import { journalRows, payoutRows, reconciliationCounts } from './queries.js'
import { parseJournal, type JournalSettings } from './settings.js'
import { RECONCILIATION_VIEWS } from './views.js'
import { formatCount as count } from '../../text.js'

/** How many payouts the `payouts` output and the summary list. */
export const REPORTED_PAYOUTS = 20

/** A payout as the report shows it, with its reconciliation when the database has it. */
export interface PayoutLine {
  id: string
  amount: number
  currency: string
  arrival_date: number | null
  status: string
  livemode: boolean
  /** From stripe_payout_reconciliation: null when not reconciled (or manual, or a dry run). */
  balanced: boolean | null
  charges?: number
  refunds?: number
  disputes?: number
  fees?: number
  /** Adjustments and anything else paid out in it. */
  other?: number
  /** Payout amount minus the transactions' net: what no transaction explains. */
  difference?: number
  transactionCount?: number
}

/**
 * Payout reconciliation, a feature: the payouts a run sees and reconciles, read back with their
 * reconciliation; the journal of the payouts reconciled this run, written in every `journal-format`;
 * outputs `payouts`, `payouts_reconciled`, `journal_csv` and `journal_files`; a headline fact and
 * the summary's payouts table.
 */
export class PayoutReconciliation implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'payout reconciliation'
  readonly slot = 'bottom'
  /** Payouts seen this run (listed, changed or reconciled), newest first. */
  readonly seen: Stripe.Payout[] = []
  /** The run's reconciled payouts with, once read back, how many balance and how many failed. */
  links: (LinkReport & { balanced?: number; failed?: number }) | undefined
  /** The payouts to report, with their reconciliation (filled in after the sync). */
  payouts: PayoutLine[] = []
  journalCsv: string | undefined
  /** Every journal file written this run (the CSV, Xero's, QuickBooks'). */
  journalFiles: string[] = []

  constructor(private readonly config: Pick<Config, 'keyMode' | 'stripeAccount'> & JournalSettings) {}

  observe(batch: StoredBatch): void {
    const payouts = objectsOf(batch, 'payouts')
    if (!payouts) return
    for (const payout of payouts) {
      const at = this.seen.findIndex((p) => p.id === payout.id)
      if (at >= 0) this.seen.splice(at, 1)
      keepNewest(this.seen, payout, REPORTED_PAYOUTS, batch.order === 'newest-first' ? 'any' : batch.order)
    }
  }

  async readBack(db: FeatureDatabase | undefined, ctx: ReadBackContext): Promise<void> {
    this.links = ctx.run.links && { ...ctx.run.links }
    if (!db) {
      this.payouts = this.seen.map((p) => ({
        id: p.id,
        amount: p.amount,
        currency: p.currency,
        arrival_date: p.arrival_date ?? null,
        status: p.status,
        livemode: p.livemode,
        balanced: null
      }))
      return
    }
    const reconciled = this.links?.reconciled ?? []
    const ids = [...new Set([...this.seen.map((p) => p.id), ...reconciled])]
    if (ids.length > 0) {
      this.payouts = (await payoutRows(db, ids, REPORTED_PAYOUTS)).map((r) => ({
        id: r.payout_id,
        amount: Number(r.amount),
        currency: r.currency,
        arrival_date: r.arrival === null ? null : Number(r.arrival),
        status: r.status,
        livemode: r.livemode ?? this.config.keyMode === 'live',
        balanced: r.balanced,
        charges: Number(r.charges),
        refunds: Number(r.refunds),
        disputes: Number(r.disputes),
        fees: Number(r.fees),
        other: Number(r.adjustments) + Number(r.other),
        difference: Number(r.difference),
        transactionCount: Number(r.transaction_count)
      }))
    }
    if (reconciled.length === 0) return
    Object.assign(this.links!, await reconciliationCounts(db, reconciled))
    const lines = await journalRows(db, reconciled)
    if (lines.length === 0) return
    const formats = this.config.journalFormats
    if (formats.has('csv')) this.journalCsv = await writeJournal(lines, ctx.now, ctx.env)
    const stamp = ctx.now.toISOString().replace(/[:.]/g, '-')
    const accounts = this.config.journalAccounts
    const taxRate = this.config.journalTaxRate
    const books = [
      ...(formats.has('xero') ? xeroFiles(lines, { accounts: accounts.xero, taxRate }, stamp) : []),
      ...(formats.has('quickbooks') ? quickbooksFiles(lines, { accounts: accounts.quickbooks, taxRate }, stamp) : [])
    ]
    this.journalFiles = [...(this.journalCsv ? [this.journalCsv] : []), ...(await writeJournalFiles(books, ctx.env))]
  }

  outputs(): Record<OutputOf<typeof CONTRACT>, string> {
    return {
      payouts_reconciled: String(this.links?.reconciled.length ?? 0),
      payouts: JSON.stringify(
        this.payouts.map((p) => ({
          id: p.id,
          amount: formatMinor(p.amount, p.currency),
          amount_minor: p.amount,
          currency: p.currency,
          arrival_date: p.arrival_date === null ? null : isoSeconds(p.arrival_date).slice(0, 10),
          status: p.status,
          balanced: p.balanced
        }))
      ),
      journal_csv: this.journalCsv ?? '',
      journal_files: JSON.stringify(this.journalFiles)
    }
  }

  log(): string[] {
    if (this.journalFiles.length === 0) return []
    return [`Journal of ${this.links?.reconciled.length ?? 0} reconciled payout(s) written to ${this.journalFiles.join(', ')} (output journal_files).`]
  }

  facts(): Array<[string, string]> {
    if (!this.links) return []
    const { reconciled, balanced = 0, failed = 0 } = this.links
    const n = reconciled.length
    if (n === 0) return []
    const unbalanced = n - balanced - failed
    const parts = [`${balanced} balanced`, ...(failed > 0 ? [`${failed} failed`] : []), ...(unbalanced > 0 ? [`**${unbalanced} not balanced**`] : [])]
    return [['Payouts', `${n} reconciled${balanced === n ? ', all balanced' : `: ${parts.join(', ')}`}`]]
  }

  news(): boolean {
    return (this.links?.reconciled.length ?? 0) > 0
  }

  section(ctx: SummaryContext): string[] {
    return payoutsSection(this.payouts, ctx)
  }
}

function payoutRow(p: PayoutLine, ctx: SummaryContext, withOther: boolean): string {
  // Not reconciled (no transactions linked): empty cells, not zeros that would not add up.
  const listed = (p.transactionCount ?? 0) > 0
  const money = (v: number | undefined) => (v === undefined || !listed ? '' : moneyCell(v, p.currency))
  const link = dashboardUrl({ id: p.id, livemode: p.livemode }, ctx.config.stripeAccount, `payouts/${encodeURIComponent(p.id)}`)
  // The arrival date links to the payout: one column fewer than a separate link, so the table fits a job page.
  const arrival = `[${p.arrival_date === null ? 'no date' : shortDay(Math.floor(p.arrival_date / DAY_SECONDS))}](${link})`
  // A paid payout balances or not; a failed one is ✗ (its money never arrived); one in transit, pending or canceled is not reconciled yet.
  const mark = p.status === 'failed' ? '✗' : p.status !== 'paid' ? '—' : p.balanced === true ? '✓' : p.balanced === false ? '✗' : '—'
  if (amountsHidden(ctx)) return `| ${arrival} | ${escapeCell(p.status)} | ${listed ? count(p.transactionCount!) : ''} | ${mark} |`
  const balanced = mark === '✗' && p.status === 'paid' && listed && p.difference ? `✗ ${moneyCell(p.difference, p.currency)} unexplained` : mark
  const cells = [arrival, moneyCell(p.amount, p.currency), escapeCell(p.status), money(p.charges), money(p.refunds), money(p.disputes), money(p.fees)]
  if (withOther) cells.push(money(p.other))
  return `| ${[...cells, balanced].join(' | ')} |`
}

function payoutsSection(payouts: readonly PayoutLine[], ctx: SummaryContext): string[] {
  if (payouts.length === 0) return []
  const lines = ['### Payouts', '']
  // Other (adjustments and the rest) only when some payout has any: the columns still add up.
  const withOther = payouts.some((p) => (p.other ?? 0) !== 0)
  const header = amountsHidden(ctx)
    ? ['| Arrival | Status | Transactions | Balanced |', '| --- | --- | ---: | :---: |']
    : [
        `| Arrival | Amount | Status | Charges | Refunds | Disputes | Fees |${withOther ? ' Other |' : ''} Balanced |`,
        `| --- | ---: | --- | ---: | ---: | ---: | ---: |${withOther ? ' ---: |' : ''} :---: |`
      ]
  lines.push(
    ...foldedTable(
      header,
      payouts.map((p) => payoutRow(p, ctx, withOther)),
      undefined,
      'payouts'
    )
  )
  lines.push(
    amountsHidden(ctx)
      ? 'Balanced ✓: the payout equals the net of the balance transactions Stripe paid out in it; — not reconciled yet (or a manual payout).'
      : `Charges + Refunds + Disputes + Fees${withOther ? ' + Other' : ''} = Amount when the payout is balanced ✓${withOther ? ' (Other: adjustments and anything else Stripe paid out in it)' : ''}; ` +
          '✗ names the part no transaction explains (or the payout failed); — not reconciled yet (in transit, or a manual payout). The date links to the payout in Stripe.',
    ''
  )
  return lines
}

/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
const CONTRACT = {
  inputs: [
    { name: 'journal-format', default: 'csv', since: '1.2.0', description: "The files the journal of each run's reconciled payouts is written as: csv (the generic file, output journal_csv), xero (manual journal import), quickbooks (journal entry import), or a comma-separated combination. Every file is listed in output journal_files." },
    { name: 'journal-accounts', default: '', since: '1.2.0', description: "Your chart of accounts for the journal's accounts, e.g. Bank=090, Sales=200, Refunds=210, Disputes=215, Stripe fees=404, Adjustments=405, Other Stripe activity=406, Stripe balance (unreconciled)=890 - codes for Xero (every account needed, at most 10 characters), names for QuickBooks. One pair a line, or pairs separated by commas or semicolons; prefix a pair with xero: or quickbooks: for that book only (xero: Sales=200, quickbooks: Sales=Sales Income). Unmapped accounts keep their names." },
    { name: 'journal-tax-rate', default: 'Tax Exempt', since: '1.2.0', description: "Xero's TaxRate for the journal lines (the name of a tax rate in your Xero organisation)." }
  ],
  outputs: [
    { name: 'payouts_reconciled', empty: '0', description: 'Payouts whose balance transactions were listed and linked this run.' },
    { name: 'payouts', empty: '[]', description: 'JSON array of the newest 20 payouts seen this run: {id, amount, amount_minor, currency, arrival_date, status, balanced}.' },
    { name: 'journal_csv', empty: '', description: 'Path of a CSV file (under RUNNER_TEMP) with the journal lines of the payouts reconciled this run; empty when none.' },
    { name: 'journal_files', empty: '[]', description: 'JSON array of every journal file written this run for the payouts it reconciled (under RUNNER_TEMP): the CSV (also in journal_csv), Xero and QuickBooks files as journal-format asks. Empty array when no payout was reconciled.' }
  ]
} as const

export const reconciliation = defineFeature({
  name: 'payout reconciliation',
  ...CONTRACT,
  load: (inputs, config) => {
    const journal = parseJournal(inputs.get('journal-format'), inputs.get('journal-accounts'), inputs.get('journal-tax-rate'), (message) =>
      inputs.warn(message)
    )
    return {
      views: RECONCILIATION_VIEWS,
      feature: config.objects.includes('payouts')
        ? new PayoutReconciliation({ keyMode: config.keyMode, stripeAccount: config.stripeAccount, ...journal })
        : undefined
    }
  }
})
