import type Stripe from 'stripe'

export function dashboardUrl(charge: Pick<Stripe.Charge, 'id' | 'livemode'>, stripeAccount?: string): string {
  const account = stripeAccount ? `${stripeAccount}/` : ''
  const mode = charge.livemode ? '' : 'test/'
  return `https://dashboard.stripe.com/${account}${mode}payments/${charge.id}`
}
