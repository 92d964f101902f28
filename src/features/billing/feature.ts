import { InputError } from '../../config.js'
import type { ObjectName } from '../../objects/registry.js'
import { mermaidLineChart, monthLabel } from '../../report/chart.js'
import { defineFeature, type Feature, type OutputOf, type ReadBackContext, type SummaryContext } from '../../report/feature.js'
import { formatMinor, formatMoney, minorToNumber } from '../../report/money.js'
import { amountsHidden, escapeCell, moneyCell } from '../../report/summary.js'
import type { FeatureDatabase } from '../../report/feature.js'
import { compactUtc } from '../../time.js'
import { MRR_DISCOUNTS, mrrByProductView, mrrMonthlyView, mrrView, type MrrDiscounts } from './mrr-views.js'
import { mrrMonthRows, mrrRows, receivablesRows, subscriptionChanges, topProductRows } from './queries.js'
import { RECEIVABLES_VIEW } from './views.js'
import { formatCount as count } from '../../text.js'

export interface MrrLine {
  currency: string
  mrr: number
  activeSubscriptions: number
  customers: number
  /** Customers with a paid (MRR above zero) active or past-due subscription: Stripe's active subscribers. */
  activeSubscribers: number
  trialingSubscriptions: number
  /** What the trialing subscriptions add to MRR when they convert. */
  trialMrr: number
}

/** One month end of stripe_mrr_monthly. */
export interface MrrMonth {
  month: string
  currency: string
  mrr: number
  newMrr: number
  reactivationMrr: number
  expansionMrr: number
  contractionMrr: number
  churnedMrr: number
  activeSubscribers: number
  churnedSubscribers: number
  subscriberChurnRate: string | null
}

/** Months of MRR history the summary charts. */
export const CHART_MONTHS = 12
/** Currencies charted (the largest first). */
const CHARTED_CURRENCIES = 3
/** Products listed per currency. */
const TOP_PRODUCTS = 5

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

const DISCOUNT_WORDS = {
  forever: 'forever coupons subtracted',
  all: 'every discount in force subtracted',
  none: 'at list price (no discount subtracted)'
} as const

const signed = (minor: number, currency: string, sign: '+' | '−'): string => `${sign}${formatMoney(minor, currency)}`

/**
 * Recurring revenue, a feature: after the sync it reads MRR (`stripe_mrr`), what happened to
 * subscriptions since the last run, and receivables by days overdue (`stripe_receivables`); it sets
 * output `mrr`, headline facts (MRR, overdue invoices) and the summary's billing sections.
 */
export class RecurringRevenue implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'recurring revenue'
  readonly slot = 'bottom'
  /** From stripe_mrr, per currency, largest first. */
  mrr: MrrLine[] = []
  /** From stripe_receivables, per currency. */
  receivables: ReceivablesLine[] = []
  /** Subscriptions started and canceled since the last run. */
  subscriptionChanges: { since: number; started: number; canceled: number } | undefined
  /** The last CHART_MONTHS month ends, oldest first. */
  months: MrrMonth[] = []
  /** Each currency's products with the most MRR. */
  topProducts: Array<{ currency: string; productId: string | null; name: string | null; mrr: number }> = []

  /** The MRR views join subscriptions with their items, histories and discounts (a customer's too), coupons, prices and products. */
  readonly reads: readonly ObjectName[]

  constructor(private readonly wants: { subscriptions: boolean; invoices: boolean; amounts: boolean; discounts: MrrDiscounts }) {
    this.reads = wants.subscriptions ? ['subscriptions', 'customers', 'coupons', 'prices', 'products'] : []
  }

  async readBack(db: FeatureDatabase | undefined, ctx: ReadBackContext): Promise<void> {
    if (!db) return
    if (this.wants.subscriptions) {
      this.mrr = (await mrrRows(db)).map((r) => ({
        currency: r.currency,
        mrr: Number(r.mrr),
        activeSubscriptions: Number(r.active_subscriptions),
        customers: Number(r.customers),
        activeSubscribers: Number(r.active_subscribers),
        trialingSubscriptions: Number(r.trialing_subscriptions),
        trialMrr: Number(r.trial_mrr)
      }))
      // The chart, last month's movements and the products are amounts: not read when the summary hides them.
      if (this.wants.amounts) {
        this.months = (await mrrMonthRows(db, CHART_MONTHS)).map((r) => ({
          month: r.month,
          currency: r.currency,
          mrr: Number(r.mrr),
          newMrr: Number(r.new_mrr),
          reactivationMrr: Number(r.reactivation_mrr),
          expansionMrr: Number(r.expansion_mrr),
          contractionMrr: Number(r.contraction_mrr),
          churnedMrr: Number(r.churned_mrr),
          activeSubscribers: Number(r.active_subscribers),
          churnedSubscribers: Number(r.churned_subscribers),
          subscriberChurnRate: r.subscriber_churn_rate
        }))
        this.topProducts = (await topProductRows(db, TOP_PRODUCTS)).map((r) => ({
          currency: r.currency,
          productId: r.product_id,
          name: r.product_name,
          mrr: Number(r.mrr)
        }))
      }
      // What happened to subscriptions since the last run (a first run: the last 30 days).
      const since = Math.floor((ctx.lastRunAt?.getTime() ?? ctx.now.getTime() - 30 * 86400_000) / 1000)
      this.subscriptionChanges = { since, ...(await subscriptionChanges(db, since)) }
    }
    if (this.wants.invoices) {
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

  outputs(): Record<OutputOf<typeof CONTRACT>, string> {
    return {
      mrr: JSON.stringify(
        Object.fromEntries(
          this.mrr.map((m) => [
            m.currency,
            {
              mrr_minor: m.mrr,
              mrr: formatMinor(m.mrr, m.currency),
              active_subscriptions: m.activeSubscriptions,
              customers: m.customers,
              active_subscribers: m.activeSubscribers,
              trialing_subscriptions: m.trialingSubscriptions,
              trial_mrr_minor: m.trialMrr
            }
          ])
        )
      )
    }
  }

  facts(ctx: SummaryContext): Array<[string, string]> {
    const hidden = amountsHidden(ctx)
    const facts: Array<[string, string]> = []
    const live = this.mrr.filter((m) => m.activeSubscriptions > 0)
    if (live.length > 0) {
      const subscribers = live.reduce((n, m) => n + m.activeSubscribers, 0)
      facts.push(hidden ? ['Subscribers', `${count(subscribers)} active`] : ['MRR', live.map((m) => formatMoney(m.mrr, m.currency)).join('; ')])
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
      if (this.mrr.length > 0) {
        const trials = this.mrr.some((m) => m.trialingSubscriptions > 0)
        const trialCell = (m: MrrLine) =>
          hidden || m.trialingSubscriptions === 0 ? count(m.trialingSubscriptions) : `${count(m.trialingSubscriptions)} (+${moneyCell(m.trialMrr, m.currency)})`
        lines.push(
          `| Currency |${hidden ? '' : ' MRR |'} Active subscribers | Active subscriptions |${trials ? ` Trialing${hidden ? '' : ' (MRR when they convert)'} |` : ''}`,
          `| --- |${hidden ? '' : ' ---: |'} ---: | ---: |${trials ? ' ---: |' : ''}`
        )
        for (const m of this.mrr) {
          lines.push(
            `| ${m.currency.toUpperCase()} |${hidden ? '' : ` ${moneyCell(m.mrr, m.currency)} |`} ${count(m.activeSubscribers)} | ${count(m.activeSubscriptions)} |${trials ? ` ${trialCell(m)} |` : ''}`
          )
        }
        lines.push('')
      }
      if (!hidden) lines.push(...this.history())
      const c = this.subscriptionChanges
      if (c) lines.push(`Subscriptions since ${compactUtc(c.since)} UTC: ${c.started} started, ${c.canceled} canceled.`, '')
      if (!hidden) lines.push(...this.products())
      lines.push(
        `MRR as Stripe Billing counts it: active and past-due subscriptions, a year as 12 months, ${DISCOUNT_WORDS[this.wants.discounts]} (views \`stripe_mrr\`, \`stripe_mrr_by_product\`; history in \`stripe_mrr_monthly\`).`,
        ''
      )
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

  /** MRR month by month, a line per currency (the largest first), and last month's movements in one line each. */
  private history(): string[] {
    const lines: string[] = []
    const currencies = this.mrr.filter((m) => m.activeSubscriptions > 0).map((m) => m.currency)
    for (const currency of currencies.slice(0, CHARTED_CURRENCIES)) {
      const months = this.months.filter((m) => m.currency === currency)
      if (months.length >= 2) {
        const points = months.map((m) => ({ label: monthLabel(m.month), value: minorToNumber(m.mrr, currency) }))
        lines.push(mermaidLineChart(points, currency, `MRR at each month end, ${currency.toUpperCase()} (this month: now)`), '')
      }
      // The last whole month: the one before the current.
      const last = months.length >= 2 ? months[months.length - 2]! : undefined
      if (last) {
        const moves: Array<[number, '+' | '−', string]> = [
          [last.newMrr, '+', 'new'],
          [last.reactivationMrr, '+', 'reactivation'],
          [last.expansionMrr, '+', 'expansion'],
          [last.contractionMrr, '−', 'contraction'],
          [last.churnedMrr, '−', 'churn']
        ]
        const parts = moves.filter(([minor]) => minor !== 0).map(([minor, sign, word]) => `${signed(minor, currency, sign)} ${word}`)
        if (parts.length === 0) parts.push('no movement')
        const rate = last.subscriberChurnRate === null ? '' : `; ${last.subscriberChurnRate} % of subscribers churned`
        lines.push(`**${monthName(last.month)}, ${currency.toUpperCase()}:** ${parts.join(', ')}${rate}.`, '')
      }
    }
    return lines
  }

  /** Each currency's products with the most MRR; their names are the account's own text, escaped. */
  private products(): string[] {
    if (this.topProducts.length === 0) return []
    const lines = ['| Top products by MRR | Currency | MRR |', '| --- | --- | ---: |']
    // In the MRR table's order of currencies (the largest first).
    const rank = new Map(this.mrr.map((m, i) => [m.currency, i]))
    const ordered = [...this.topProducts].sort((a, b) => (rank.get(a.currency) ?? 99) - (rank.get(b.currency) ?? 99) || b.mrr - a.mrr)
    for (const p of ordered) {
      const name = escapeCell(p.name ?? p.productId ?? 'no product', 60)
      lines.push(`| ${name} | ${p.currency.toUpperCase()} | ${moneyCell(p.mrr, p.currency)} |`)
    }
    lines.push('')
    return lines
  }
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** "2026-10-01" → "October 2026" */
function monthName(month: string): string {
  return `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`
}

export function parseMrrDiscounts(value: string): MrrDiscounts {
  const mode = (value || 'forever').toLowerCase()
  if (!(MRR_DISCOUNTS as readonly string[]).includes(mode)) {
    throw new InputError(
      'mrr-discounts',
      `"${value}" is not one of forever (Stripe's default: forever coupons reduce MRR), all (every discount in force), none.`
    )
  }
  return mode as MrrDiscounts
}

/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
const CONTRACT = {
  inputs: [{ name: 'mrr-discounts', default: 'forever', since: '1.2.0', description: "Which discounts MRR subtracts (views stripe_mrr, stripe_mrr_monthly, stripe_mrr_by_product and output mrr): forever (Stripe's default: coupons with a forever duration), all (every discount in force, once and repeating too), or none (list prices). Needs coupons synced (objects: all)." }],
  outputs: [{ name: 'mrr', empty: '{}', description: 'Monthly recurring revenue now, per currency, when subscriptions are synced, as Stripe Billing counts it (input mrr-discounts): {"usd": {"mrr_minor": 1234500, "mrr": "12345.00", "active_subscriptions": 80, "customers": 75, "active_subscribers": 72, "trialing_subscriptions": 6, "trial_mrr_minor": 59400}}. Empty object otherwise (and in a dry run).' }]
} as const

export const billing = defineFeature({
  name: 'recurring revenue',
  ...CONTRACT,
  load: (inputs, config) => {
    const discounts = parseMrrDiscounts(inputs.get('mrr-discounts'))
    const subscriptions = config.objects.includes('subscriptions')
    const invoices = config.objects.includes('invoices')
    return {
      views: [mrrView(discounts), mrrMonthlyView(discounts), mrrByProductView(discounts), RECEIVABLES_VIEW],
      feature: subscriptions || invoices ? new RecurringRevenue({ subscriptions, invoices, amounts: config.summaryAmounts === 'show', discounts }) : undefined
    }
  }
})
