import type { Database } from '../store/database.js'
import { mrrRows, receivablesRows, subscriptionChanges } from '../store/readback.js'
import { formatMinor, formatMoney } from '../report/money.js'
import type { OutputName } from '../report/output-names.js'
import { amountsHidden, moneyCell } from '../report/summary.js'
import type { Feature, ReadBackContext, SummaryContext } from '../report/view.js'
import { compactUtc } from '../time.js'

export interface MrrLine {
  currency: string
  mrr: number
  activeSubscriptions: number
  customers: number
}

export interface ReceivablesLine {
  currency: string
  openInvoices: number
  total: number
  current: number
  overdue1to30: number
  overdue31to60: number
  overdue61to90: number
  overdue90plus: number
}

const count = (n: number): string => n.toLocaleString('en-US')

/**
 * Recurring revenue, a feature: after the sync it reads MRR (`stripe_mrr`), what happened to
 * subscriptions since the last run, and receivables by days overdue (`stripe_receivables`); it sets
 * output `mrr`, headline facts (MRR, overdue invoices) and the summary's billing sections.
 */
export class RecurringRevenue implements Feature {
  readonly name = 'recurring revenue'
  readonly slot = 'bottom'
  /** From stripe_mrr, per currency, largest first. */
  mrr: MrrLine[] = []
  /** From stripe_receivables, per currency. */
  receivables: ReceivablesLine[] = []
  /** Subscriptions started and canceled since the last run. */
  subscriptionChanges: { since: number; started: number; canceled: number } | undefined

  constructor(private readonly reads: { subscriptions: boolean; invoices: boolean }) {}

  async readBack(db: Database | undefined, ctx: ReadBackContext): Promise<void> {
    if (!db) return
    if (this.reads.subscriptions) {
      this.mrr = (await mrrRows(db)).map((r) => ({
        currency: r.currency,
        mrr: Number(r.mrr),
        activeSubscriptions: Number(r.active_subscriptions),
        customers: Number(r.customers)
      }))
      // What happened to subscriptions since the last run (a first run: the last 30 days).
      const since = Math.floor((ctx.lastRunAt?.getTime() ?? ctx.now.getTime() - 30 * 86400_000) / 1000)
      this.subscriptionChanges = { since, ...(await subscriptionChanges(db, since)) }
    }
    if (this.reads.invoices) {
      this.receivables = (await receivablesRows(db)).map((r) => ({
        currency: r.currency!,
        openInvoices: Number(r.open_invoices),
        total: Number(r.total),
        current: Number(r.current),
        overdue1to30: Number(r.overdue_1_30),
        overdue31to60: Number(r.overdue_31_60),
        overdue61to90: Number(r.overdue_61_90),
        overdue90plus: Number(r.overdue_90_plus)
      }))
    }
  }

  outputs(): Partial<Record<OutputName, string>> {
    return {
      mrr: JSON.stringify(
        Object.fromEntries(
          this.mrr.map((m) => [
            m.currency,
            { mrr_minor: m.mrr, mrr: formatMinor(m.mrr, m.currency), active_subscriptions: m.activeSubscriptions, customers: m.customers }
          ])
        )
      )
    }
  }

  facts(ctx: SummaryContext): Array<[string, string]> {
    const hidden = amountsHidden(ctx)
    const facts: Array<[string, string]> = []
    if (this.mrr.length > 0) {
      const subscriptions = this.mrr.reduce((n, m) => n + m.activeSubscriptions, 0)
      facts.push(hidden ? ['Subscriptions', `${count(subscriptions)} active`] : ['MRR', this.mrr.map((m) => formatMoney(m.mrr, m.currency)).join('; ')])
    }
    const overdue = this.receivables.filter((r) => r.total - r.current > 0)
    if (overdue.length > 0 && !hidden) facts.push(['Overdue invoices', overdue.map((r) => formatMoney(r.total - r.current, r.currency)).join('; ')])
    return facts
  }

  section(ctx: SummaryContext): string[] {
    const lines: string[] = []
    const hidden = amountsHidden(ctx)
    if (this.mrr.length > 0 || this.subscriptionChanges) {
      lines.push('### Recurring revenue', '')
      if (this.mrr.length > 0 && hidden) {
        lines.push('| Currency | Active subscriptions | Customers |', '| --- | ---: | ---: |')
        for (const m of this.mrr) lines.push(`| ${m.currency.toUpperCase()} | ${count(m.activeSubscriptions)} | ${count(m.customers)} |`)
        lines.push('')
      } else if (this.mrr.length > 0) {
        lines.push('| Currency | MRR | Active subscriptions | Customers |', '| --- | ---: | ---: | ---: |')
        for (const m of this.mrr) lines.push(`| ${m.currency.toUpperCase()} | ${moneyCell(m.mrr, m.currency)} | ${m.activeSubscriptions} | ${m.customers} |`)
        lines.push('')
      }
      const c = this.subscriptionChanges
      if (c) lines.push(`Subscriptions since ${compactUtc(c.since)} UTC: ${c.started} started, ${c.canceled} canceled.`, '')
      lines.push('MRR: active and past-due subscriptions at list price, a year as 12 months (view `stripe_mrr`; history in `stripe_mrr_monthly`).', '')
    }
    if (this.receivables.length > 0 && hidden) {
      lines.push('### Open invoices', '', '| Currency | Open invoices |', '| --- | ---: |')
      for (const r of this.receivables) lines.push(`| ${r.currency.toUpperCase()} | ${count(r.openInvoices)} |`)
      lines.push('')
    } else if (this.receivables.length > 0) {
      lines.push('### Open invoices by days overdue', '')
      lines.push('| Currency | Not yet due | 1–30 | 31–60 | 61–90 | Over 90 | Total (invoices) |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
      for (const r of this.receivables) {
        const m = (v: number) => moneyCell(v, r.currency)
        lines.push(
          `| ${r.currency.toUpperCase()} | ${m(r.current)} | ${m(r.overdue1to30)} | ${m(r.overdue31to60)} | ${m(r.overdue61to90)} | ${m(r.overdue90plus)} | ${m(r.total)} (${r.openInvoices}) |`
        )
      }
      lines.push('')
    }
    return lines
  }
}
