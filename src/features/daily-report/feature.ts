import type Stripe from 'stripe'
import type { Config } from '../../config.js'
import { chargesIn, objectsOf } from '../../objects/registry.js'
import { MIN_BARS, bucketize, mermaidBarChart } from '../../report/chart.js'
import { AccountsOf } from '../../report/collect.js'
import {
  defineFeature,
  type Feature,
  type OutputOf,
  type FeatureContext,
  type OutputContext,
  type ReadBackContext,
  type RunFacts
} from '../../report/feature.js'
import { formatMinor, formatMoney } from '../../report/money.js'
import { keepNewest } from '../../report/newest.js'
import { amountsHidden, describeLength, describePeriod, moneyCell } from '../../report/summary.js'
import type { FeatureDatabase } from '../../report/feature.js'
import type { StoredBatch } from '../../sync/run.js'
import { DAY_SECONDS } from '../../time.js'
import { chargeTable } from '../shared/charge-table.js'
import { chargesNet } from './queries.js'
import { Totals } from './totals.js'
import { CHARGE_FEES_VIEW, chargeDailyView } from './views.js'
import { compareCodes, formatCount as count } from '../../text.js'

/** How many recorded charges the report keeps for its table; totals cover all of them. */
export const REPORTED_CHARGES = 100

/** Fees and net per settlement currency, from the balance transactions of the run. */
export interface BalanceTotal {
  count: number
  feeMinor: number
  /** Amount of the transactions, payouts left out (net + their fees). */
  grossMinor: number
  /** What the transactions added to the balance after fees, payouts left out. */
  netMinor: number
}

interface CurrencyTotalsJson {
  count: number
  amount_minor: number
  amount: string
  refunded_minor: number
  refunded: string
  net_minor: number
  net: string
  succeeded_count: number
  pending_count: number
  failed_count: number
  failed_amount_minor: number
  failed_amount: string
  fee_minor?: number
  fee?: string
  balance_net_minor?: number
  balance_net?: string
}

export type DailyReportConfig = Pick<Config, 'objects' | 'table' | 'createdGte' | 'createdLt' | 'limit'>

function percent(part: number, whole: number): string {
  const value = (100 * part) / whole
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} %`
}

function change(now: number, before: number): string {
  const value = ((now - before) / Math.abs(before)) * 100
  const rounded = Math.abs(value) < 10 ? value.toFixed(1) : String(Math.round(value))
  return `${value >= 0 ? '+' : '−'}${rounded.replace('-', '')} %`
}

/**
 * The daily report, a feature: what the run's charges add up to (the original job's totals:
 * `total_amount_*`, `currency`, `total_amount`, `totals`), what its balance transactions added to
 * the balance after fees, and the newest charges recorded. Shows the headline's net and its change
 * on the period before (read back from the charges table), the charges and disputes facts, the
 * tables by currency, the chart over time and the recorded charges.
 */
export class DailyReport implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'daily report'
  readonly slot = 'money'
  readonly totals = new Totals()
  /** The newest charges recorded, newest first, at most REPORTED_CHARGES. */
  readonly recorded: Stripe.Charge[] = []
  /** The connected account of each recorded charge (Connect), for its dashboard link. */
  readonly recordedAccounts = new AccountsOf()
  readonly balance = new Map<string, BalanceTotal>()
  /** Net of succeeded charges per currency in the period of the same length just before this one, from the table. */
  previous: ReadonlyMap<string, number> | undefined

  constructor(private readonly config: DailyReportConfig) {}

  /** New objects only: a charge re-fetched because it changed is not the period's money again. */
  observe(batch: StoredBatch): void {
    if (batch.changed) return
    const charges = chargesIn(batch)
    if (charges) {
      for (const charge of charges) {
        this.totals.add(charge)
        keepNewest(this.recorded, charge, REPORTED_CHARGES, batch.order)
      }
      if (batch.account) this.recordedAccounts.note(charges, batch.account, () => this.recorded)
    }
    for (const t of objectsOf(batch, 'balance_transactions') ?? []) this.addBalance(t)
  }

  private addBalance(t: Stripe.BalanceTransaction): void {
    const currency = t.currency.toLowerCase()
    let total = this.balance.get(currency)
    if (!total) this.balance.set(currency, (total = { count: 0, feeMinor: 0, netMinor: 0, grossMinor: 0 }))
    total.count += 1
    total.feeMinor += t.fee
    if (t.type !== 'payout' && t.reporting_category !== 'payout' && t.reporting_category !== 'payout_reversal') {
      total.netMinor += t.net
      total.grossMinor += t.amount
    }
  }

  /** The period the run's charges cover, [from, to) in Unix seconds. */
  period(run: RunFacts, now: Date, window: Pick<Config, 'createdGte' | 'createdLt' | 'limit'>): { from: number; to: number } | undefined {
    const nowSeconds = Math.floor(now.getTime() / 1000)
    const inc = run.incremental.get('charges')
    const { createdGte, createdLt, limit } = window
    const first = this.totals.firstCreated
    const last = this.totals.lastCreated
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

  /** The net of the period of the same length just before the run's, when the table holds it (the headline's comparison). */
  async readBack(db: FeatureDatabase | undefined, ctx: ReadBackContext): Promise<void> {
    if (!db || !this.config.objects.includes('charges') || this.totals.count === 0) return
    const period = this.period(ctx.run, ctx.now, this.config)
    if (!period) return
    const length = period.to - period.from
    const net = await chargesNet(db, this.config.table, period.from - length, period.from)
    this.previous = net.size > 0 ? net : undefined
  }

  /** `totals`: per currency, gross/refunded/net of succeeded charges, counts by status, and fees from balance transactions. */
  totalsJson(): Record<string, CurrencyTotalsJson> {
    const json: Record<string, CurrencyTotalsJson> = {}
    const empty = (currency: string): CurrencyTotalsJson => ({
      count: 0,
      amount_minor: 0,
      amount: formatMinor(0, currency),
      refunded_minor: 0,
      refunded: formatMinor(0, currency),
      net_minor: 0,
      net: formatMinor(0, currency),
      succeeded_count: 0,
      pending_count: 0,
      failed_count: 0,
      failed_amount_minor: 0,
      failed_amount: formatMinor(0, currency)
    })
    for (const currency of this.totals.currencies()) {
      const t = this.totals.byCurrency.get(currency)!
      json[currency] = {
        count: t.count,
        amount_minor: t.grossMinor,
        amount: formatMinor(t.grossMinor, currency),
        refunded_minor: t.refundedMinor,
        refunded: formatMinor(t.refundedMinor, currency),
        net_minor: this.net(currency),
        net: formatMinor(this.net(currency), currency),
        succeeded_count: t.succeededCount,
        pending_count: t.pendingCount,
        failed_count: t.failedCount,
        failed_amount_minor: t.failedMinor,
        failed_amount: formatMinor(t.failedMinor, currency)
      }
    }
    for (const [currency, b] of [...this.balance].sort(([a], [b]) => compareCodes(a, b))) {
      const entry = (json[currency] ??= empty(currency))
      entry.fee_minor = b.feeMinor
      entry.fee = formatMinor(b.feeMinor, currency)
      entry.balance_net_minor = b.netMinor
      entry.balance_net = formatMinor(b.netMinor, currency)
    }
    return json
  }

  /** The original job's outputs: the run's charges as filtered by `status`, whatever their status, and its response. */
  outputs(ctx: OutputContext): Record<OutputOf<typeof CONTRACT>, string> {
    const usdMinor = this.totals.byCurrency.get('usd')?.amountMinor ?? 0
    const currencies = this.totals.currencies()
    const single = currencies.length === 1 ? currencies[0]! : undefined
    const charges = ctx.run.progress.get('charges')
    const totals = this.totalsJson()
    const outputs = {
      charge_count: String(charges?.matched ?? 0),
      charges_stored: String(charges?.stored ?? 0),
      charges_updated: String(charges?.updated ?? 0),
      total_amount_cents: String(usdMinor),
      total_amount_usd: formatMinor(usdMinor, 'usd'),
      currency: currencies.length === 0 ? '' : (single ?? 'mixed'),
      total_amount: single ? formatMinor(this.totals.byCurrency.get(single)!.amountMinor, single) : '',
      totals: JSON.stringify(totals)
    }
    // `result`: the original job's response, from the outputs it is made of.
    const result = {
      message: ctx.message,
      total_amount_cents: usdMinor,
      total_amount_usd: Number(outputs.total_amount_usd),
      charge_count: Number(outputs.charge_count),
      charges_stored: Number(outputs.charges_stored),
      charges_updated: Number(outputs.charges_updated),
      totals,
      dry_run: ctx.dryRun
    }
    return { ...outputs, result: JSON.stringify(result) }
  }

  /** Currencies with succeeded charges, most charges first. */
  private succeededCurrencies(): string[] {
    return this.totals.currencies().filter((c) => this.totals.byCurrency.get(c)!.succeededCount > 0)
  }

  private net(currency: string): number {
    const t = this.totals.byCurrency.get(currency)!
    return t.grossMinor - t.refundedMinor
  }

  /** What a founder wants to know first: the net charged over the period, and its change on the period before. */
  headline(ctx: FeatureContext): string[] {
    const currencies = this.succeededCurrencies()
    if (!ctx.config.objects.includes('charges') || currencies.length === 0 || amountsHidden(ctx)) return []
    const period = this.period(ctx.run, ctx.now, ctx.config)
    const nets = currencies.map((c) => formatMoney(this.net(c), c))
    // In each charge's own currency; the balance section's net is after fees, in the settlement currency.
    const lines = [`**Charged, net of refunds: ${nets.join('; ')}**${period ? ` — ${describePeriod(period.from, period.to)}` : ''}`]
    if (this.previous && period) {
      const changes = currencies.flatMap((c) => {
        const before = this.previous!.get(c)
        return before ? [`${c.toUpperCase()} ${change(this.net(c), before)}`] : []
      })
      if (changes.length > 0) lines.push(`${changes.join(', ')} vs the previous ${describeLength(period.to - period.from)}`)
    }
    return lines
  }

  facts(ctx: FeatureContext): Array<[string, string]> {
    const facts: Array<[string, string]> = []
    const hidden = amountsHidden(ctx)
    const charges = ctx.run.progress.get('charges')
    if (charges) {
      const currencies = this.succeededCurrencies()
      const period = this.period(ctx.run, ctx.now, ctx.config)
      const parts: string[] = []
      const newCharges = ctx.config.dryRun ? charges.matched : charges.stored
      parts.push(
        `${count(newCharges)} ${ctx.config.dryRun ? 'found' : 'new'}${charges.updated > 0 ? `, ${count(charges.updated)} updated` : ''}${
          hidden && period && currencies.length > 0 ? ` over ${describePeriod(period.from, period.to)}` : ''
        }`
      )
      let refunded = 0
      for (const t of this.totals.byCurrency.values()) if (t.refundedMinor > 0) refunded += 1
      if (refunded > 0 && !hidden) {
        const main = currencies[0]
        const t = main ? this.totals.byCurrency.get(main)! : undefined
        parts.push(
          `refunded ${t && t.refundedMinor > 0 ? formatMoney(t.refundedMinor, main!) : 'in several currencies'}${refunded > 1 && t && t.refundedMinor > 0 ? ' and more' : ''}`
        )
      }
      const statuses = ctx.config.statuses
      if (statuses.has('failed') && statuses.has('succeeded')) {
        let failed = 0
        let settled = 0
        for (const t of this.totals.byCurrency.values()) {
          failed += t.failedCount
          settled += t.failedCount + t.succeededCount
        }
        if (settled > 0) parts.push(`failure rate ${percent(failed, settled)} (${count(failed)} of ${count(settled)})`)
      }
      facts.push(['Charges', parts.join('; ')])
    }
    const disputes = ctx.run.progress.get('disputes')
    if (disputes) facts.push(['Disputes', `${count(disputes.stored)} new`])
    return facts
  }

  section(ctx: FeatureContext): string[] {
    return [...this.byCurrency(ctx), ...this.chart(ctx), ...this.balanceTable(ctx)]
  }

  private byCurrency(ctx: FeatureContext): string[] {
    const currencies = this.totals.currencies()
    if (currencies.length === 0) return []
    if (amountsHidden(ctx)) {
      const lines = ['### Charges by currency', '', '| Currency | Succeeded | Pending | Failed |', '| --- | ---: | ---: | ---: |']
      for (const c of currencies) {
        const t = this.totals.byCurrency.get(c)!
        lines.push(`| ${c.toUpperCase()} | ${count(t.succeededCount)} | ${count(t.pendingCount)} | ${count(t.failedCount)} |`)
      }
      return [...lines, '']
    }
    const lines = ['### Charges by currency', '', '| Currency | Succeeded | Gross | Refunded | Net | Failed |', '| --- | ---: | ---: | ---: | ---: | ---: |']
    for (const c of currencies) {
      const t = this.totals.byCurrency.get(c)!
      const failed = t.failedCount > 0 ? `${count(t.failedCount)} (${moneyCell(t.failedMinor, c)})` : '0'
      lines.push(
        `| ${c.toUpperCase()} | ${count(t.succeededCount)} | ${moneyCell(t.grossMinor, c)} | ${moneyCell(t.refundedMinor, c)} | ${moneyCell(this.net(c), c)} | ${failed} |`
      )
    }
    const pending = [...this.totals.byCurrency.values()].reduce((n, t) => n + t.pendingCount, 0)
    lines.push(
      '',
      `Gross − Refunded = Net, over succeeded charges only, each in its own currency${pending > 0 ? `; ${count(pending)} pending charge(s) are not counted yet` : ''}.`,
      ''
    )
    return lines
  }

  private chart(ctx: FeatureContext): string[] {
    // A chart's bars are amounts.
    if (amountsHidden(ctx)) return []
    const currencies = this.totals.currencies()
    const main = currencies[0]
    const daily = main ? this.totals.daily.get(main) : undefined
    if (!main || !daily || daily.size === 0) return []
    const period = this.period(ctx.run, ctx.now, ctx.config)
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
    for (const t of this.totals.byCurrency.values()) all += t.succeededCount
    const share = this.totals.byCurrency.get(main)!.succeededCount
    const lines = [`### Succeeded gross over time, ${main.toUpperCase()}`, '']
    lines.push(mermaidBarChart(chart, main), '')
    const notes = [
      `${main.toUpperCase()} is ${percent(share, all)} of this run's succeeded charges (${count(share)} of ${count(all)})${currencies.length > 1 ? `; other currencies are in the table above` : ''}.`
    ]
    if (chart.bars.some((b) => b.partial)) notes.push(`* The run covers only part of this ${chart.unit}.`)
    lines.push(notes.join(' '), '')
    return lines
  }

  private balanceTable(ctx: FeatureContext): string[] {
    if (this.balance.size === 0) return []
    const sorted = [...this.balance].sort(([a], [b]) => compareCodes(a, b))
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

  /** The recorded charges, newest first: the long list, after the synced table. */
  details(ctx: FeatureContext, rows: number): string[] {
    const shown = this.recorded.slice(0, rows)
    if (shown.length === 0) return []
    const withStatus = ctx.config.statuses.size > 1
    const matched = ctx.run.progress.get('charges')?.matched ?? 0
    const lines = [`### Charges ${ctx.config.dryRun ? 'found' : 'recorded'} this run, newest first`, '']
    lines.push(...chargeTable(shown, ctx, withStatus, matched - shown.length, 'charges', (id) => this.recordedAccounts.get(id)))
    if (shown.length < this.recorded.length) lines.push("(Shortened to fit GitHub's 1 MiB job summary limit.)", '')
    return lines
  }

  rows(): number {
    return this.recorded.length
  }
}

/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
const CONTRACT = {
  outputs: [
    { name: 'charge_count', empty: '0', description: 'Number of matching charges fetched this run.' },
    { name: 'charges_stored', empty: '0', keptAfterFailure: true, description: 'Rows newly inserted this run.' },
    { name: 'charges_updated', empty: '0', keptAfterFailure: true, description: 'Rows that already existed and whose data changed this run.' },
    { name: 'total_amount_cents', empty: '0', description: "Sum of amount (minor units) over this run's USD charges as filtered by status, whatever their status (the original job's meaning)." },
    { name: 'total_amount_usd', empty: '0.00', description: 'The same in dollars with two decimals, e.g. 1500.00.' },
    { name: 'currency', empty: '', description: "The single currency of this run's charges (lower case), mixed, or empty when there are none." },
    { name: 'total_amount', empty: '', description: "With a single currency, its total (as total_amount_cents) in major units with that currency's decimals; otherwise empty." },
    { name: 'totals', empty: '{}', description: 'JSON keyed by currency - amount, refunded and net of succeeded charges (minor and major units), count and counts by status, the failed amount, and fee and balance_net when balance transactions are synced: {"usd": {"count": 9, "amount_minor": 150000, "amount": "1500.00", "refunded_minor": 0, "net_minor": 150000, "succeeded_count": 8, "failed_count": 1, "pending_count": 0, "failed_amount_minor": 2000, …}}.' },
    { name: 'result', empty: '{}', successOnly: true, description: 'JSON with message, total_amount_cents, total_amount_usd, charge_count, charges_stored, charges_updated, totals and dry_run.' }
  ]
} as const

/** The daily report: every run's, the original job's outputs among them. */
export const dailyReport = defineFeature({
  name: 'daily report',
  ...CONTRACT,
  load: (_inputs, config) => ({ views: [chargeDailyView(config.table), CHARGE_FEES_VIEW], feature: new DailyReport(config) })
})
