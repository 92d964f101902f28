import type Stripe from 'stripe'
import { withClient } from './postgres.js'

export interface StoredRow {
  charge_id: string
  amount: string
  currency: string
  customer_email: string | null
  description: string | null
  status: string
  created_at: Date
  processed_at: Date
  updated_at: Date | null
  amount_refunded: string | null
  refunded: boolean | null
  disputed: boolean | null
  raw: Stripe.Charge
  [column: string]: unknown
}

export async function readTable(url: string, schema: string, table = 'processed_charges'): Promise<StoredRow[]> {
  return withClient(url, async (c) => (await c.query<StoredRow>(`SELECT * FROM "${schema}"."${table}" ORDER BY created_at DESC, charge_id`)).rows)
}

const API_VERSION = '2026-10-28.endive'

function id(value: string | { id: string } | null | undefined): string | null {
  return value == null ? null : typeof value === 'string' ? value : value.id
}

/**
 * What the charges table must hold for a charge, column by column, written from the README's
 * table description — not from the row mapping it checks.
 */
export function expectedChargeRow(charge: Stripe.Charge, accountId?: string): Record<string, unknown> {
  return {
    charge_id: charge.id,
    amount: charge.amount,
    currency: charge.currency,
    customer_email: charge.receipt_email ?? charge.billing_details?.email ?? null,
    description: charge.description ?? null,
    status: charge.status,
    created_at: charge.created,
    amount_captured: charge.amount_captured,
    amount_refunded: charge.amount_refunded,
    refunded: charge.refunded,
    paid: charge.paid,
    captured: charge.captured,
    disputed: charge.disputed,
    customer_id: id(charge.customer),
    payment_intent_id: id(charge.payment_intent),
    balance_transaction_id: id(charge.balance_transaction),
    payment_method_type: charge.payment_method_details?.type ?? null,
    failure_code: charge.failure_code,
    failure_message: charge.failure_message,
    livemode: charge.livemode,
    account_id: accountId ?? null,
    metadata: charge.metadata,
    raw: charge,
    stripe_api_version: API_VERSION
  }
}

/** JSON with object keys sorted: jsonb does not keep key order. */
export function canonical(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
}

/** Differences between a stored row and what it should hold (empty when equal); timestamps compared as Unix seconds. */
export function columnDifferences(rowId: string, row: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const diffs: string[] = []
  for (const [column, want] of Object.entries(expected)) {
    let actual = row[column]
    if (actual instanceof Date) actual = actual.getTime() / 1000
    if (typeof actual === 'string' && typeof want === 'number') actual = Number(actual)
    if (canonical(actual) !== canonical(want)) diffs.push(`${rowId}.${column}: ${canonical(actual).slice(0, 80)} ≠ ${canonical(want).slice(0, 80)}`)
  }
  return diffs
}

/**
 * Every column of the stored row, compared with what the row should hold for this charge, so a
 * test can say "the table equals Stripe" field by field. Returns the differences (empty when equal).
 */
export function rowDifferences(row: StoredRow, charge: Stripe.Charge, accountId?: string): string[] {
  return columnDifferences(row.charge_id, row, expectedChargeRow(charge, accountId))
}

/** Differences between a table and the objects it should hold exactly (missing, extra, doubled, changed). */
export function differences<T extends { id: string }>(
  rows: ReadonlyArray<Record<string, unknown>>,
  objects: readonly T[],
  idColumn: string,
  expected: (object: T) => Record<string, unknown>
): string[] {
  const diffs: string[] = []
  const byId = new Map(objects.map((o) => [o.id, o]))
  const seen = new Set<string>()
  for (const row of rows) {
    const rowId = String(row[idColumn])
    if (seen.has(rowId)) diffs.push(`${rowId}: stored twice`)
    seen.add(rowId)
    const object = byId.get(rowId)
    if (!object) diffs.push(`${rowId}: stored but not expected`)
    else diffs.push(...columnDifferences(rowId, row, expected(object)))
  }
  for (const object of objects) if (!seen.has(object.id)) diffs.push(`${object.id}: missing`)
  return diffs
}

/** Differences between the charges table and the charges it should hold exactly. */
export function tableDifferences(rows: readonly StoredRow[], charges: readonly Stripe.Charge[], accountId?: string): string[] {
  return differences(rows, charges, 'charge_id', (c) => expectedChargeRow(c, accountId))
}

/** Every row of a table, ordered by id. */
export async function readRows(url: string, schema: string, table: string, idColumn = 'id'): Promise<Array<Record<string, unknown>>> {
  return withClient(url, async (c) => (await c.query(`SELECT * FROM "${schema}"."${table}" ORDER BY "${idColumn}"`)).rows)
}

const common = (object: { livemode?: boolean; metadata?: unknown }, raw: unknown, metadata: boolean) => ({
  ...(object.livemode === undefined ? {} : { livemode: object.livemode }),
  ...(metadata ? { metadata: object.metadata } : {}),
  raw,
  stripe_api_version: API_VERSION,
  account_id: null
})

/** stripe_balance_transactions, as the README describes it. */
export function expectedBalanceTransactionRow(t: Stripe.BalanceTransaction): Record<string, unknown> {
  return {
    id: t.id,
    amount: t.amount,
    currency: t.currency,
    fee: t.fee,
    net: t.net,
    exchange_rate: t.exchange_rate === null ? null : String(t.exchange_rate),
    type: t.type,
    reporting_category: t.reporting_category,
    status: t.status,
    source_id: id(t.source as string | null),
    description: t.description,
    created_at: t.created,
    available_on: t.available_on,
    balance_type: t.balance_type,
    fee_details: t.fee_details,
    ...common({}, t, false)
  }
}

export function expectedRefundRow(r: Stripe.Refund): Record<string, unknown> {
  return {
    id: r.id,
    amount: r.amount,
    currency: r.currency,
    charge_id: id(r.charge),
    payment_intent_id: id(r.payment_intent),
    status: r.status,
    reason: r.reason,
    failure_reason: r.failure_reason ?? null,
    balance_transaction_id: id(r.balance_transaction),
    failure_balance_transaction_id: id(r.failure_balance_transaction ?? null),
    created_at: r.created,
    ...common(r, r, true)
  }
}

export function expectedDisputeRow(d: Stripe.Dispute): Record<string, unknown> {
  return {
    id: d.id,
    amount: d.amount,
    currency: d.currency,
    charge_id: id(d.charge),
    payment_intent_id: id(d.payment_intent),
    status: d.status,
    reason: d.reason,
    is_charge_refundable: d.is_charge_refundable,
    evidence_due_by: d.evidence_details.due_by,
    created_at: d.created,
    ...common(d, d, true)
  }
}

export function expectedPayoutRow(p: Stripe.Payout): Record<string, unknown> {
  return {
    id: p.id,
    amount: p.amount,
    currency: p.currency,
    arrival_date: p.arrival_date,
    status: p.status,
    automatic: p.automatic,
    method: p.method,
    type: p.type,
    balance_transaction_id: id(p.balance_transaction as string | null),
    failure_balance_transaction_id: id(p.failure_balance_transaction as string | null),
    failure_code: p.failure_code,
    created_at: p.created,
    ...common(p, p, true)
  }
}
