import type Stripe from 'stripe'

/** One row of the table, as sent to Postgres (JSON-encoded per page). */
export interface ChargeRow {
  charge_id: string
  amount: number
  currency: string
  customer_email: string | null
  description: string | null
  status: string
  /** Unix seconds; to_timestamp() in SQL. */
  created_at: number
  amount_captured: number | null
  amount_refunded: number | null
  refunded: boolean | null
  paid: boolean | null
  captured: boolean | null
  disputed: boolean | null
  customer_id: string | null
  payment_intent_id: string | null
  balance_transaction_id: string | null
  payment_method_type: string | null
  failure_code: string | null
  failure_message: string | null
  livemode: boolean
  account_id: string | null
  metadata: Stripe.Metadata | null
  raw: Stripe.Charge
  stripe_api_version: string
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value == null) return null
  return typeof value === 'string' ? value : value.id
}

export function chargeToRow(charge: Stripe.Charge, apiVersion: string, accountId: string | undefined): ChargeRow {
  return {
    charge_id: charge.id,
    amount: charge.amount,
    currency: charge.currency,
    customer_email: charge.receipt_email ?? charge.billing_details?.email ?? null,
    description: charge.description ?? null,
    status: charge.status,
    created_at: charge.created,
    amount_captured: charge.amount_captured ?? null,
    amount_refunded: charge.amount_refunded ?? null,
    refunded: charge.refunded ?? null,
    paid: charge.paid ?? null,
    captured: charge.captured ?? null,
    disputed: charge.disputed ?? null,
    customer_id: idOf(charge.customer),
    payment_intent_id: idOf(charge.payment_intent),
    balance_transaction_id: idOf(charge.balance_transaction),
    payment_method_type: charge.payment_method_details?.type ?? null,
    failure_code: charge.failure_code ?? null,
    failure_message: charge.failure_message ?? null,
    livemode: charge.livemode,
    account_id: accountId ?? null,
    metadata: charge.metadata ?? null,
    raw: charge,
    stripe_api_version: apiVersion
  }
}
