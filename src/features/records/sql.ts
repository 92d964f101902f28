import { quoteIdent } from '../../store/columns.js'
import type { RecordsMatch } from './settings.js'

/**
 * The reconciliation as one set-based statement over indexed columns (no row is pulled into the
 * action): the user's records against the succeeded charges of the same stretch, through each
 * charge's PaymentIntent and Checkout Session. It is the body of the view
 * `stripe_records_reconciliation`: one row per record or payment that is not simply matched, with
 * its kind. `now()` is the reader's: the view is current whenever it is read.
 */
export const RECORDS_VIEW = 'stripe_records_reconciliation'

/** The optional columns of the user's records, as the query returns them. */
export interface RecordColumns {
  stripeId: boolean
  amountRefunded: boolean
  accountId: boolean
}

export interface RecordsSqlInput {
  query: string
  columns: RecordColumns
  match: RecordsMatch
  graceSeconds: number
  sinceSeconds: number
  /** Qualified tables: the charges, and the PaymentIntents and Checkout Sessions when synced. */
  charges: string
  paymentIntents?: string
  checkoutSessions?: string
}

/** The kinds of exception, in the order the summary lists them, with what each usually means. */
export const KINDS = {
  unrecorded_payment: 'a customer paid and the app has no record: a webhook handler down or failing, or a payment taken outside the app',
  unpaid_record: 'the app recorded a payment Stripe has no success for: marked paid on a failed or cancelled payment, or a payment still processing',
  charged_twice: 'two succeeded payments for one record: a retry or a double submit charged the card again',
  amount_mismatch: 'the app recorded another amount: the price before tax, shipping or a discount, or a partial capture',
  currency_mismatch: 'the app recorded another currency than Stripe charged',
  refund_unrecorded: 'Stripe refunded more than the app knows: a refund made in the Dashboard never reached the app'
} as const

export type RecordKind = keyof typeof KINDS

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/** The statement: records, payments with their keys, the links between, and every exception. */
export function reconciliationSql(input: RecordsSqlInput, tail: 'exceptions' | 'summary' = 'exceptions'): string {
  const { columns, match } = input
  const since = `now() - ${input.sinceSeconds} * interval '1 second'`
  const grace = `now() - ${input.graceSeconds} * interval '1 second'`
  const pi = input.paymentIntents
  const cs = input.checkoutSessions
  // A payment's keys: what a record may name it by.
  const metadataKey = match.by === 'metadata' ? literal(match.key) : ''
  const keys =
    match.by === 'stripe_id'
      ? `(VALUES (p.charge_id), (p.payment_intent_id), (p.session_id))`
      : match.by === 'client_reference_id'
        ? `(VALUES (p.client_reference_id))`
        : `(VALUES (p.charge_metadata ->> ${metadataKey}), (p.intent_metadata ->> ${metadataKey}), (p.session_metadata ->> ${metadataKey}))`
  const recordKey = match.by === 'stripe_id' ? 'r.stripe_id' : 'r.record_id'
  const dashboard = `'https://dashboard.stripe.com/' || CASE WHEN p.account_id IS NOT NULL THEN p.account_id || '/' ELSE '' END ||
      CASE WHEN p.livemode THEN '' ELSE 'test/' END || 'payments/' || coalesce(p.payment_intent_id, p.charge_id)`
  return `WITH records AS (
    SELECT r.record_id::text AS record_id, r.amount::bigint AS amount, lower(r.currency::text) AS currency, r.recorded_at::timestamptz AS recorded_at,
           ${columns.stripeId ? "nullif(r.stripe_id::text, '')" : 'NULL::text'} AS stripe_id,
           ${columns.amountRefunded ? 'r.amount_refunded::bigint' : 'NULL::bigint'} AS amount_refunded,
           ${columns.accountId ? "nullif(r.account_id::text, '')" : 'NULL::text'} AS account_id
      FROM (${input.query}) AS r
     WHERE r.recorded_at::timestamptz >= ${since}
  ), payments AS (
    SELECT c.charge_id, c.payment_intent_id, ${cs ? 's.id' : 'NULL::text'} AS session_id, ${cs ? 's.client_reference_id' : 'NULL::text'} AS client_reference_id,
           c.amount, coalesce(c.amount_refunded, 0) AS refunded, c.currency, c.created_at, c.account_id, c.livemode,
           c.metadata AS charge_metadata, ${pi ? 'i.metadata' : 'NULL::jsonb'} AS intent_metadata, ${cs ? 's.metadata' : 'NULL::jsonb'} AS session_metadata
      FROM ${input.charges} AS c
      ${pi ? `LEFT JOIN ${pi} AS i ON i.id = c.payment_intent_id` : ''}
      ${cs ? `LEFT JOIN (SELECT DISTINCT ON (x.payment_intent_id) x.payment_intent_id, x.id, x.client_reference_id, x.metadata FROM ${cs} AS x WHERE x.payment_intent_id IS NOT NULL ORDER BY x.payment_intent_id, x.created_at DESC) AS s ON s.payment_intent_id = c.payment_intent_id` : ''}
     WHERE c.status = 'succeeded' AND c.created_at >= ${since}
  ), links AS (
    -- A record is its id within its account (Connect apps may reuse order ids across accounts).
    SELECT DISTINCT p.charge_id, r.record_id, r.account_id AS record_account
      FROM payments AS p
     CROSS JOIN LATERAL ${keys} AS k(key)
      JOIN records AS r ON ${recordKey} = k.key AND (r.account_id IS NULL OR r.account_id IS NOT DISTINCT FROM p.account_id)
     WHERE k.key IS NOT NULL AND k.key <> ''
  ), paid AS (
    SELECT l.record_id, l.record_account, count(*) AS payments, sum(p.amount) AS amount, sum(p.refunded) AS refunded, min(p.currency) AS currency,
           max(p.currency) AS other_currency, (array_agg(p.charge_id ORDER BY p.created_at DESC))[1] AS charge_id, max(p.created_at) AS paid_at
      FROM links AS l JOIN payments AS p USING (charge_id)
     GROUP BY l.record_id, l.record_account
  ), exceptions AS (
    SELECT 'unrecorded_payment'::text AS kind, NULL::text AS record_id, p.charge_id, NULL::bigint AS record_amount, p.amount AS payment_amount,
           NULL::text AS record_currency, p.currency AS payment_currency, NULL::timestamptz AS recorded_at, p.created_at AS paid_at, 1 AS payments
      FROM payments AS p
     WHERE p.created_at < ${grace} AND NOT EXISTS (SELECT 1 FROM links AS l WHERE l.charge_id = p.charge_id)
    UNION ALL
    SELECT CASE
             WHEN x.record_id IS NULL THEN 'unpaid_record'
             WHEN x.payments > 1 THEN 'charged_twice'
             WHEN x.currency <> x.other_currency OR x.currency <> r.currency THEN 'currency_mismatch'
             WHEN x.amount <> r.amount THEN 'amount_mismatch'
             ELSE 'refund_unrecorded' END,
           r.record_id, x.charge_id, r.amount, x.amount, r.currency, x.currency, r.recorded_at, x.paid_at, coalesce(x.payments, 0)
      FROM records AS r LEFT JOIN paid AS x ON x.record_id = r.record_id AND x.record_account IS NOT DISTINCT FROM r.account_id
     WHERE x.record_id IS NULL OR x.payments > 1 OR x.currency <> x.other_currency OR x.currency <> r.currency OR x.amount <> r.amount
        ${columns.amountRefunded ? 'OR x.refunded > coalesce(r.amount_refunded, 0)' : ''}
  )
  ${tail === 'summary' ? summaryTail(input, listed(dashboard)) : listed(dashboard)}`
}

/** Every exception with the ids on both sides and a Dashboard link: the view's rows. */
function listed(dashboard: string): string {
  return `SELECT e.kind, e.record_id, e.charge_id, p.payment_intent_id, p.session_id AS checkout_session_id, p.account_id,
         e.record_amount, e.payment_amount, e.record_currency, e.payment_currency, e.recorded_at, e.paid_at, e.payments,
         CASE WHEN p.charge_id IS NULL THEN NULL ELSE ${dashboard} END AS dashboard_url
    FROM exceptions AS e LEFT JOIN payments AS p USING (charge_id)`
}

/**
 * One row, one pass over the data (the CTEs are computed once): the count of each kind, the records
 * simply matched, and the newest `LISTED` exceptions as JSON. Reading the view three times took
 * three times as long (1,000,000 × 1,000,000: about 15 s a pass on 2 cores).
 */
function summaryTail(input: RecordsSqlInput, rows: string): string {
  return `, counted AS (SELECT kind, count(*) AS n FROM exceptions GROUP BY kind)
  SELECT (SELECT coalesce(json_object_agg(kind, n), '{}') FROM counted) AS counts,
         (SELECT count(*) FROM records AS r JOIN paid AS x ON x.record_id = r.record_id AND x.record_account IS NOT DISTINCT FROM r.account_id
           WHERE x.payments = 1 AND x.currency = x.other_currency AND x.currency = r.currency AND x.amount = r.amount
                 ${input.columns.amountRefunded ? 'AND x.refunded <= coalesce(r.amount_refunded, 0)' : ''}) AS matched,
         (SELECT coalesce(json_agg(t), '[]') FROM (${rows} ORDER BY coalesce(e.paid_at, e.recorded_at) DESC NULLS LAST, e.record_id, e.charge_id LIMIT ${LISTED}) AS t) AS newest`
}

/** The exceptions an output and the summary list, newest first. */
export const LISTED = 50

export function viewName(schema: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(RECORDS_VIEW)}`
}
