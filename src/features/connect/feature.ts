import type { Config } from '../../config.js'
import { defineFeature, type Feature, type OutputContext, type OutputOf, type ReadBackContext, type SummaryContext } from '../../report/feature.js'
import { formatMoney } from '../../report/money.js'
import { amountsHidden, escapeCell, foldedTable, moneyCell } from '../../report/summary.js'
import type { FeatureDatabase } from '../../report/feature.js'
import type { AccountsResult } from '../../sync/run.js'
import { accountNetRows, platformRevenueRows } from './queries.js'
import { PLATFORM_REVENUE_VIEW } from './views.js'
import { formatCount as count } from '../../text.js'

/** Accounts listed by net in the summary. */
export const TOP_ACCOUNTS = 20
/** Of those, the ones shown before the fold. */
const TOP_ACCOUNTS_OPEN = 5
/** The accounts' net is over the last this many days. */
const NET_DAYS = 30

interface AccountNet {
  account: string | null
  currency: string
  charges: number
  net: number
}

/**
 * Connect, a feature: how many accounts the run synced and which it skipped (outputs
 * `accounts_synced`, `accounts_skipped`), a headline fact, and a section with the skipped accounts
 * and the accounts with the most net over the last 30 days.
 */
export class ConnectAccounts implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'connect'
  readonly slot = 'top'
  result: AccountsResult | undefined
  /** The accounts with the most net (succeeded charges less refunds), per currency. */
  top: AccountNet[] = []
  /** The same, the most charges first: what a summary with hidden amounts lists. */
  busiest: AccountNet[] = []
  /** Application fees this month, net of refunds, per currency (when application fees are synced). */
  revenue: Array<{ currency: string; fees: number; net: number }> = []

  constructor(private readonly config: Pick<Config, 'objects' | 'table' | 'accountShard'>) {}

  async readBack(db: FeatureDatabase | undefined, ctx: ReadBackContext): Promise<void> {
    this.result = ctx.run.accounts
    if (!db) return
    if (this.config.objects.includes('application_fees')) {
      this.revenue = (await platformRevenueRows(db)).map((r) => ({ currency: r.currency, fees: Number(r.fees), net: Number(r.net) }))
    }
    if (!this.config.objects.includes('charges')) return
    const since = Math.floor(ctx.now.getTime() / 1000) - NET_DAYS * 86400
    const read = async (by: 'net' | 'charges') =>
      (await accountNetRows(db, this.config.table, since, TOP_ACCOUNTS, by)).map((r) => ({
        account: r.account_id,
        currency: r.currency,
        charges: Number(r.charges),
        net: Number(r.net)
      }))
    this.top = await read('net')
    this.busiest = await read('charges')
  }

  // From the run's facts, not what was read back: a run that failed (no account reachable) still says which were skipped.
  outputs(ctx: OutputContext): Record<OutputOf<typeof CONTRACT>, string> {
    const result = ctx.run.accounts
    return {
      accounts_synced: String(result?.synced.length ?? 0),
      accounts_skipped: JSON.stringify(result?.skipped ?? [])
    }
  }

  facts(ctx: SummaryContext): Array<[string, string]> {
    if (!this.result) return []
    const { synced, skipped } = this.result
    const shard = this.config.accountShard ? ` (shard ${this.config.accountShard.index}/${this.config.accountShard.total})` : ''
    const facts: Array<[string, string]> = [
      ['Accounts', `${count(synced.length)} synced${skipped.length > 0 ? `, **${count(skipped.length)} skipped**` : ''}${shard}`]
    ]
    if (this.revenue.length > 0) {
      const fees = this.revenue.reduce((n, r) => n + r.fees, 0)
      const amounts = amountsHidden(ctx) ? '' : `${this.revenue.map((r) => formatMoney(r.net, r.currency)).join('; ')} net, `
      facts.push(['Application fees this month', `${amounts}${count(fees)} fees (view \`${PLATFORM_REVENUE_VIEW.name}\`)`])
    }
    return facts
  }

  news(): boolean {
    return (this.result?.skipped.length ?? 0) > 0
  }

  section(ctx: SummaryContext, rows: number): string[] {
    const lines: string[] = []
    const skipped = this.result?.skipped ?? []
    if (skipped.length > 0) {
      lines.push(`### Accounts skipped (${skipped.length})`, '', '| Account | Why |', '| --- | --- |')
      for (const s of skipped.slice(0, rows)) lines.push(`| ${escapeCell(s.id)} | ${escapeCell(s.reason)} |`)
      if (skipped.length > rows) lines.push(`| … | ${skipped.length - rows} more in output \`accounts_skipped\` |`)
      lines.push('')
    }
    if (this.top.length > 0) {
      const hidden = amountsHidden(ctx)
      // With amounts hidden, neither the accounts listed nor their order may tell them.
      const shown = hidden ? this.busiest : this.top
      lines.push(hidden ? `### Accounts by charges, last ${NET_DAYS} days` : `### Accounts by net, last ${NET_DAYS} days`, '')
      const header = hidden
        ? ['| Account | Currency | Charges |', '| --- | --- | ---: |']
        : ['| Account | Currency | Charges | Net |', '| --- | --- | ---: | ---: |']
      const body = shown.slice(0, rows).map((a) => {
        const cells = [escapeCell(a.account ?? '(no account id)'), a.currency.toUpperCase(), count(a.charges)]
        if (!hidden) cells.push(moneyCell(a.net, a.currency))
        return `| ${cells.join(' | ')} |`
      })
      // The first few open; the rest of the 20 folded.
      lines.push(...foldedTable(header, body, undefined, 'accounts', TOP_ACCOUNTS_OPEN))
      lines.push(`Net: succeeded charges less refunds, in each charge's currency (view \`${this.config.table}\` by \`account_id\`).`, '')
    }
    return lines
  }

  rows(): number {
    return (this.result?.skipped.length ?? 0) + this.top.length
  }
}

// accounts_synced: a one-account run syncs its one account (none when another run held the lock).
/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
const CONTRACT = {
  outputs: [
    { name: 'accounts_synced', empty: ({ skipped }: { skipped: boolean }) => (skipped ? '0' : '1'), keptAfterFailure: true, description: "How many Stripe accounts this run (this shard) synced: 1 for one account; with stripe-account all or a list, the platform's own (with all) and every connected account that answered." },
    { name: 'accounts_skipped', empty: '[]', keptAfterFailure: true, description: 'JSON array of the accounts skipped, [{"id": "acct_...", "reason": "..."}]: connected accounts that revoked the platform\'s access (account_invalid). Empty array otherwise.' }
  ]
} as const

/** Connect: on when `stripe-account` names several accounts (or all); its inputs are the generic `stripe-account` and `account-shard`. */
export const connect = defineFeature({
  name: 'connect',
  ...CONTRACT,
  load: (_inputs, config) => ({ views: [PLATFORM_REVENUE_VIEW], feature: config.accounts ? new ConnectAccounts(config) : undefined })
})
