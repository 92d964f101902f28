/**
 * The table's columns: a public contract (users query them), so names never change; new ones are
 * only added. The seed job's columns come first, with its names.
 *
 * `type` is the Postgres type; `notNull` applies to new tables (columns added to an existing table
 * stay nullable, since its old rows have no value); `fromRow` marks columns written by the upsert.
 */
export interface Column {
  name: string
  type: string
  notNull?: boolean
  default?: string
  fromRow: boolean
}

export const COLUMNS: readonly Column[] = [
  { name: 'charge_id', type: 'text', notNull: true, fromRow: true },
  { name: 'amount', type: 'bigint', notNull: true, fromRow: true },
  { name: 'currency', type: 'text', notNull: true, fromRow: true },
  { name: 'customer_email', type: 'text', fromRow: true },
  { name: 'description', type: 'text', fromRow: true },
  { name: 'status', type: 'text', notNull: true, fromRow: true },
  { name: 'created_at', type: 'timestamptz', notNull: true, fromRow: true },
  { name: 'processed_at', type: 'timestamptz', notNull: true, default: 'now()', fromRow: false },
  { name: 'updated_at', type: 'timestamptz', fromRow: false },
  { name: 'amount_captured', type: 'bigint', fromRow: true },
  { name: 'amount_refunded', type: 'bigint', fromRow: true },
  { name: 'refunded', type: 'boolean', fromRow: true },
  { name: 'paid', type: 'boolean', fromRow: true },
  { name: 'captured', type: 'boolean', fromRow: true },
  { name: 'disputed', type: 'boolean', fromRow: true },
  { name: 'customer_id', type: 'text', fromRow: true },
  { name: 'payment_intent_id', type: 'text', fromRow: true },
  { name: 'balance_transaction_id', type: 'text', fromRow: true },
  { name: 'payment_method_type', type: 'text', fromRow: true },
  { name: 'failure_code', type: 'text', fromRow: true },
  { name: 'failure_message', type: 'text', fromRow: true },
  { name: 'livemode', type: 'boolean', notNull: true, fromRow: true },
  { name: 'account_id', type: 'text', fromRow: true },
  { name: 'metadata', type: 'jsonb', fromRow: true },
  { name: 'raw', type: 'jsonb', notNull: true, fromRow: true },
  { name: 'stripe_api_version', type: 'text', fromRow: true }
]

/** Columns the upsert writes, in order. */
export const ROW_COLUMNS = COLUMNS.filter((c) => c.fromRow)

/** Always double-quoted: identifiers are validated in config, quoting keeps their exact case. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`
}
