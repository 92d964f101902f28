/** Its inputs and outputs, one a line: action.yml and the README's tables are written from them. */
// prettier-ignore
export const CONTRACT = {
  inputs: [
    { name: 'records-query', default: '', since: '1.5.0', description: 'Your own records, to reconcile with Stripe: a SQL SELECT run in the same database, read-only (a READ ONLY transaction with a statement timeout), returning one row per record with record_id (text), amount (integer, minor units), currency, recorded_at (when your app recorded it as paid), and optionally stripe_id (a pi_, ch_ or cs_ id), amount_refunded (what your app knows was refunded) and account_id (Connect). Empty: no reconciliation. See "Your own records" in the README.' },
    { name: 'records-match', default: 'stripe_id', since: '1.5.0', description: 'How a payment finds its record: stripe_id (the record keeps the charge, PaymentIntent or Checkout Session id), client_reference_id (the Checkout Session\'s, equal to record_id), or metadata.<key> (record_id in that metadata key of the charge, its PaymentIntent or its Checkout Session).' },
    { name: 'records-grace', default: '30m', since: '1.5.0', description: 'How long a succeeded payment may go without its record before it counts as unrecorded (e.g. 30m, 2h): your app\'s webhook handler\'s usual delay.' },
    { name: 'records-since', default: '90d', since: '1.5.0', description: 'How far back to reconcile, by payment and record time (e.g. 90d, 4w).' }
  ],
  outputs: [
    { name: 'records_matched', empty: '0', description: 'Records matched with exactly one succeeded payment of the same amount and currency.' },
    { name: 'records_unrecorded_payments', empty: '0', description: 'Succeeded payments past records-grace with no record: a webhook handler down or broken.' },
    { name: 'records_unpaid', empty: '0', description: 'Records recorded as paid with no succeeded payment.' },
    { name: 'records_mismatched', empty: '0', description: 'Records whose payment differs: amount_mismatch, currency_mismatch, charged_twice, refund_unrecorded.' },
    { name: 'records_exceptions', empty: '[]', description: 'JSON array of the newest 50 exceptions of stripe_records_reconciliation - {kind, record_id, charge_id, payment_intent_id, checkout_session_id, account_id, record_amount, payment_amount, currency, recorded_at, paid_at, dashboard_url} (amounts in minor units, as the other outputs carry them).' }
  ]
} as const
