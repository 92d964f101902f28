/** The Stripe API version the action speaks, pinned so stored rows keep one shape; recorded per row in `stripe_api_version`. */
export const STRIPE_API_VERSION = '2026-10-28.endive'
