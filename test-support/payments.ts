import type Stripe from 'stripe'

/**
 * A charge's PaymentIntent and the Checkout Session that made it, shaped as Stripe's OpenAPI spec
 * has them (API 2026-10-28): what an app keeps (`pi_…`, `cs_…`, a `client_reference_id`, an order
 * id in `metadata`) and what leads from it to the charge.
 */
export function makePaymentIntent(charge: Stripe.Charge, options: { metadata?: Record<string, string> } = {}): Stripe.PaymentIntent {
  const succeeded = charge.status === 'succeeded'
  return {
    id: typeof charge.payment_intent === 'string' ? charge.payment_intent : `pi_${charge.id.slice(3)}`,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: charge.amount,
    amount_capturable: 0,
    amount_received: succeeded ? charge.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: null,
    confirmation_method: 'automatic',
    created: charge.created - 2,
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    description: charge.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: charge.id,
    livemode: charge.livemode,
    managed_payments: null,
    metadata: options.metadata ?? charge.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: typeof charge.payment_method === 'string' ? charge.payment_method : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: succeeded ? 'succeeded' : 'requires_payment_method',
    transfer_group: null
  } as unknown as Stripe.PaymentIntent
}

export function makeCheckoutSession(
  charge: Stripe.Charge,
  options: { clientReferenceId?: string; metadata?: Record<string, string>; id?: string } = {}
): Stripe.Checkout.Session {
  const paid = charge.status === 'succeeded'
  return {
    id: options.id ?? `cs_test_${charge.id.slice(3)}`,
    object: 'checkout.session',
    amount_subtotal: charge.amount,
    amount_total: charge.amount,
    cancel_url: null,
    client_reference_id: options.clientReferenceId ?? null,
    client_secret: null,
    created: charge.created - 60,
    currency: charge.currency,
    customer: charge.customer,
    customer_email: null,
    expires_at: charge.created + 86400,
    invoice: null,
    livemode: charge.livemode,
    metadata: options.metadata ?? {},
    mode: 'payment',
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    payment_link: null,
    payment_method_types: ['card'],
    payment_status: paid ? 'paid' : 'unpaid',
    setup_intent: null,
    status: paid ? 'complete' : 'open',
    subscription: null,
    success_url: 'https://shop.example/thanks',
    ui_mode: 'hosted',
    url: null
  } as unknown as Stripe.Checkout.Session
}
