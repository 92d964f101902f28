import type { Config } from '../../config.js'
import { ActionError } from '../../errors.js'
import { defineFeature, type Feature, type FeatureDatabase, type OutputOf, type SummaryContext } from '../../report/feature.js'
import { amountsHidden, escapeCell, moneyCell } from '../../report/summary.js'
import { cut, formatCount } from '../../text.js'
import { CONTRACT } from './contract.js'
import { KINDS, RECORDS_VIEW, reconciliationSql, viewName, type RecordColumns, type RecordKind } from './sql.js'
import { parseRecordsLength, parseRecordsMatch, parseRecordsQuery, type RecordsSettings } from './settings.js'

/** How long the user's query may run, each time it is read. */
export const RECORDS_TIMEOUT_MS = 60_000

/** The user's records query could not be used: the message names the input and what to change. */
export class RecordsQueryError extends ActionError {
  constructor(detail: string) {
    super(`Input \`records-query\`: ${detail}. The sync is stored; only the reconciliation did not run.`)
    this.name = 'RecordsQueryError'
  }
}

interface Exception {
  kind: RecordKind
  record_id: string | null
  charge_id: string | null
  payment_intent_id: string | null
  checkout_session_id: string | null
  account_id: string | null
  record_amount: number | null
  payment_amount: number | null
  record_currency: string | null
  payment_currency: string | null
  /** ISO times, as the statement's JSON gives them. */
  recorded_at: string | null
  paid_at: string | null
  payments: number
  dashboard_url: string | null
}

/** What the database answered, as a user can act on it. */
function describe(error: unknown): string {
  const e = error as { code?: string; message?: string }
  const message = (e.message ?? String(error)).replace(/^Postgres: could not [^:]+: /, '')
  if (e.code === '25006') return 'it writes: the query must only read (it runs in a READ ONLY transaction)'
  if (e.code === '57014') return `it ran longer than ${RECORDS_TIMEOUT_MS / 1000} s: read fewer rows, or index recorded_at`
  if (e.code === '42703') return `${cut(message, 200)}: it must return record_id, amount, currency and recorded_at (see "Your own records" in the README)`
  return `it failed in Postgres: ${cut(message, 300)}`
}

/**
 * Payments reconciled with the user's own records, a feature: the view `stripe_records_reconciliation`
 * (one row per record or payment not simply matched), its counts in the outputs and the summary, and
 * the newest exceptions with what each kind usually means.
 */
export class RecordsReconciliation implements Feature<OutputOf<typeof CONTRACT>> {
  readonly name = 'records reconciliation'
  readonly reads = ['charges', 'payment_intents', 'checkout_sessions'] as const
  counts = new Map<RecordKind, number>()
  matched = 0
  exceptions: Exception[] = []
  problem: string | undefined
  ran = false

  constructor(
    private readonly settings: RecordsSettings,
    private readonly config: Pick<Config, 'objects' | 'table'>
  ) {}

  private table(db: FeatureDatabase, name: 'payment_intents' | 'checkout_sessions'): string | undefined {
    return this.config.objects.includes(name) ? db.table(name === 'payment_intents' ? 'stripe_payment_intents' : 'stripe_checkout_sessions') : undefined
  }

  /** Statements in one READ ONLY transaction with the statement timeout: the user's query cannot write, nor run on. */
  private async readOnly<R>(db: FeatureDatabase, work: () => Promise<R>): Promise<R> {
    await db.query('BEGIN READ ONLY')
    try {
      await db.query(`SET LOCAL statement_timeout = ${RECORDS_TIMEOUT_MS}`)
      const result = await work()
      await db.query('COMMIT')
      return result
    } catch (error) {
      await db.query('ROLLBACK').catch(() => {})
      throw error
    }
  }

  async readBack(db: FeatureDatabase | undefined): Promise<void> {
    if (!db) return
    this.ran = true
    try {
      // The optional columns the query returns (from a row of it: with none, there is nothing to reconcile them with).
      const [shape] = await this.readOnly(db, () =>
        db.query<{ columns: string[] | null }>(
          `SELECT (SELECT array_agg(k) FROM jsonb_object_keys((SELECT to_jsonb(r) FROM (${this.settings.query}) AS r LIMIT 1)) AS k) AS columns`
        )
      )
      const names = new Set(shape?.columns ?? [])
      const missing = ['record_id', 'amount', 'currency', 'recorded_at'].filter((c) => names.size > 0 && !names.has(c))
      if (missing.length > 0) throw new RecordsQueryError(`returns no column ${missing.join(', ')} (it returns ${[...names].join(', ')})`)
      const columns: RecordColumns = { stripeId: names.has('stripe_id'), amountRefunded: names.has('amount_refunded'), accountId: names.has('account_id') }
      const input = {
        ...this.settings,
        columns,
        charges: db.table(this.config.table),
        paymentIntents: this.table(db, 'payment_intents'),
        checkoutSessions: this.table(db, 'checkout_sessions')
      }
      // The view, replaced each run (the query, the match or the tables synced may have changed). Its
      // columns never change, so it is replaced in place: views people built on it keep working.
      const view = viewName(db.schema)
      await db.query('BEGIN')
      try {
        await db.query(`CREATE OR REPLACE VIEW ${view} AS ${reconciliationSql(input)}`)
        await db.query(
          `COMMENT ON VIEW ${view} IS ${"'Stripe Payment Monitor: payments reconciled with records-query (one row per record or payment not simply matched). Made again by every run.'"}`
        )
        await db.query('COMMIT')
      } catch (error) {
        await db.query('ROLLBACK').catch(() => {})
        throw error
      }
      // One pass: the counts, what matched, and the newest exceptions (the view reads the same rows for anyone's SQL).
      const [summary] = await this.readOnly(db, () =>
        db.query<{ counts: Record<string, number>; matched: string; newest: Exception[] }>(reconciliationSql(input, 'summary'))
      )
      this.counts = new Map(Object.entries(summary?.counts ?? {}).map(([kind, n]) => [kind as RecordKind, Number(n)]))
      this.matched = Number(summary?.matched ?? 0)
      this.exceptions = summary?.newest ?? []
    } catch (error) {
      this.problem = error instanceof RecordsQueryError ? error.message : new RecordsQueryError(describe(error)).message
    }
  }

  count(kind: RecordKind): number {
    return this.counts.get(kind) ?? 0
  }

  get mismatched(): number {
    return this.count('amount_mismatch') + this.count('currency_mismatch') + this.count('charged_twice') + this.count('refund_unrecorded')
  }

  outputs(): Record<OutputOf<typeof CONTRACT>, string> {
    return {
      records_matched: String(this.matched),
      records_unrecorded_payments: String(this.count('unrecorded_payment')),
      records_unpaid: String(this.count('unpaid_record')),
      records_mismatched: String(this.mismatched),
      records_exceptions: JSON.stringify(
        this.exceptions.map((e) => ({
          kind: e.kind,
          record_id: e.record_id,
          charge_id: e.charge_id,
          payment_intent_id: e.payment_intent_id,
          checkout_session_id: e.checkout_session_id,
          account_id: e.account_id,
          record_amount: e.record_amount === null ? null : Number(e.record_amount),
          payment_amount: e.payment_amount === null ? null : Number(e.payment_amount),
          currency: e.payment_currency ?? e.record_currency,
          recorded_at: e.recorded_at ? new Date(e.recorded_at).toISOString() : null,
          paid_at: e.paid_at ? new Date(e.paid_at).toISOString() : null,
          dashboard_url: e.dashboard_url
        }))
      )
    }
  }

  news(): boolean {
    return this.problem !== undefined || this.exceptions.length > 0
  }

  facts(): Array<[string, string]> {
    if (!this.ran || this.problem) return []
    const open = this.exceptions.length === 0 ? 0 : [...this.counts.values()].reduce((a, b) => a + b, 0)
    return [['Records', `${formatCount(this.matched)} matched${open > 0 ? `, **${formatCount(open)} to look at**` : ''}`]]
  }

  section(ctx: SummaryContext, rows: number): string[] {
    if (!this.ran) return []
    if (this.problem) return ['### Your records', '', `> [!WARNING]\n> ${escapeCell(this.problem, 600)}`, '']
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0)
    const lines = [
      `### Your records: ${formatCount(this.matched)} matched, ${formatCount(total)} to look at`,
      '',
      `Succeeded payments against \`records-query\` over the last ${Math.round(this.settings.sinceSeconds / 86400)} days, matched by ${this.settings.match.by === 'metadata' ? `\`metadata.${this.settings.match.key}\`` : `\`${this.settings.match.by}\``}; every exception is a row of \`${RECORDS_VIEW}\`.`,
      ''
    ]
    if (total === 0) return [...lines, '✓ Every payment has its record, and every record its payment.', '']
    lines.push('| Kind | Count | What it usually means |', '| --- | ---: | --- |')
    for (const kind of Object.keys(KINDS) as RecordKind[]) {
      if (this.count(kind) > 0) lines.push(`| \`${kind}\` | ${formatCount(this.count(kind))} | ${KINDS[kind]} |`)
    }
    lines.push(
      '',
      `**Newest ${Math.min(rows, this.exceptions.length)}**`,
      '',
      '| Kind | Record | Payment | Record amount | Paid | When (UTC) |',
      '| --- | --- | --- | ---: | ---: | --- |'
    )
    const hidden = amountsHidden(ctx)
    const money = (minor: number | null, currency: string | null) =>
      minor === null || currency === null ? '—' : hidden ? '…' : moneyCell(Number(minor), currency)
    for (const e of this.exceptions.slice(0, rows)) {
      const payment = e.charge_id ? `[${escapeCell(e.payment_intent_id ?? e.charge_id, 40)}](${e.dashboard_url})` : '—'
      const when = e.paid_at ?? e.recorded_at
      lines.push(
        `| \`${e.kind}\` | ${e.record_id ? `\`${escapeCell(e.record_id, 40)}\`` : '—'} | ${payment} | ${money(e.record_amount, e.record_currency)} | ${money(e.payment_amount, e.payment_currency)} | ${when ? new Date(when).toISOString().slice(0, 16).replace('T', ' ') : ''} |`
      )
    }
    if (total > rows) lines.push('', `…and ${formatCount(total - Math.min(rows, this.exceptions.length))} more in \`${RECORDS_VIEW}\`.`)
    return [...lines, '']
  }

  rows(): number {
    return this.exceptions.length
  }

  /** A query that cannot be used fails the step, once everything is stored. */
  verdict(): string | undefined {
    return this.problem
  }
}

export const records = defineFeature({
  name: 'records reconciliation',
  ...CONTRACT,
  load: (inputs, config) => {
    const query = parseRecordsQuery(inputs.get('records-query'))
    const match = parseRecordsMatch(inputs.get('records-match'))
    const graceSeconds = parseRecordsLength('records-grace', inputs.get('records-grace'), 60, 30 * 86400)
    const sinceSeconds = parseRecordsLength('records-since', inputs.get('records-since'), 3600, 400 * 86400)
    if (!query) return { views: [] }
    if (!config.objects.includes('charges')) {
      inputs.warn('records-query reconciles succeeded charges with your records: add charges to `objects`, or it has no effect.')
      return { views: [] }
    }
    if (match.by === 'client_reference_id' && !config.objects.includes('checkout_sessions')) {
      inputs.warn("records-match: client_reference_id is a Checkout Session's: add checkout_sessions to `objects`, or no payment finds its record.")
    }
    if (config.dryRun) {
      inputs.warn('dry-run: the reconciliation reads the database, so records-query has no effect.')
      return { views: [] }
    }
    return { views: [], feature: new RecordsReconciliation({ query, match, graceSeconds, sinceSeconds }, config) }
  }
})
