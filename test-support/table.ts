import type Stripe from 'stripe'
import { chargeToRow } from '../src/store/rows.js'
import { STRIPE_API_VERSION } from '../src/stripe/client.js'
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

/**
 * Every column of the stored row, compared with what the row should hold for this charge, so a
 * test can say "the table equals Stripe" field by field. Returns the differences (empty when equal).
 */
export function rowDifferences(row: StoredRow, charge: Stripe.Charge, accountId?: string): string[] {
  const expected = chargeToRow(charge, STRIPE_API_VERSION, accountId)
  const diffs: string[] = []
  for (const [column, value] of Object.entries(expected)) {
    let actual = row[column]
    const want: unknown = value
    if (column === 'created_at') actual = (actual as Date).getTime() / 1000
    if (typeof actual === 'string' && typeof want === 'number') actual = Number(actual)
    if (canonical(actual) !== canonical(want)) diffs.push(`${row.charge_id}.${column}: ${canonical(actual).slice(0, 80)} ≠ ${canonical(want).slice(0, 80)}`)
  }
  return diffs
}

/** JSON with object keys sorted: jsonb does not keep key order. */
export function canonical(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
}

/** Differences between the table and the charges it should hold exactly (missing, extra, doubled, changed). */
export function tableDifferences(rows: readonly StoredRow[], charges: readonly Stripe.Charge[], accountId?: string): string[] {
  const diffs: string[] = []
  const byId = new Map(charges.map((c) => [c.id, c]))
  const seen = new Set<string>()
  for (const row of rows) {
    if (seen.has(row.charge_id)) diffs.push(`${row.charge_id}: stored twice`)
    seen.add(row.charge_id)
    const charge = byId.get(row.charge_id)
    if (!charge) diffs.push(`${row.charge_id}: stored but not expected`)
    else diffs.push(...rowDifferences(row, charge, accountId))
  }
  for (const charge of charges) if (!seen.has(charge.id)) diffs.push(`${charge.id}: missing`)
  return diffs
}
