/** Every output the action sets, in action.yml's order (a unit test compares them). A public contract: add, never rename. */
export const OUTPUT_NAMES = [
  'message',
  'charge_count',
  'charges_stored',
  'charges_updated',
  'total_amount_cents',
  'total_amount_usd',
  'currency',
  'total_amount',
  'totals',
  'result',
  'cursor',
  'events_processed',
  'skipped',
  'high_value_count',
  'high_value_charges',
  'high_value_truncated',
  'object_counts',
  'rejected_count',
  'payouts_reconciled',
  'payouts',
  'journal_csv',
  'mrr',
  'stripe_requests',
  'journal_files',
  'accounts_synced',
  'accounts_skipped'
] as const
export type OutputName = (typeof OUTPUT_NAMES)[number]
export type Outputs = Record<OutputName, string>
