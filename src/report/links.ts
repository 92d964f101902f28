/** A link to an object in the Stripe Dashboard (test or live, connected account or not); the id is URL-encoded. */
export function dashboardUrl(
  object: { id: string; livemode?: boolean | null },
  stripeAccount?: string,
  path = `payments/${encodeURIComponent(object.id)}`
): string {
  const account = stripeAccount ? `${encodeURIComponent(stripeAccount)}/` : ''
  const mode = object.livemode ? '' : 'test/'
  return `https://dashboard.stripe.com/${account}${mode}${path}`
}
