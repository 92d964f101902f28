import { stripeError, type Answer } from './answers.js'
import type { EventLog } from './events.js'
import type { Area, Resource } from './resources.js'
import type { RecordedRequest } from './transport.js'

/**
 * Where a request goes: its key checked (401), a connected account's requests to that account's own
 * stand-in (403 `account_invalid` when it revoked the platform), a restricted key's missing
 * permission (403), then the resource table: `GET /v1/<area>` lists (`/v1/checkout/sessions` too), `GET /v1/<area>/<id>`
 * retrieves, `GET /v1/events` lists events. Anything else is Stripe's "Unrecognized request URL".
 */
export interface Served {
  /** The key's own account (GET /v1/account). */
  readonly accountId: string
  /** When that account was created (GET /v1/account's `created`). */
  accountCreated(): number
  /** Where the account lives (GET /v1/account's `country` and `settings.dashboard.timezone`). */
  readonly profile: { country: string; timezone: string }
  /** Keys that authenticate (default: any sk_/rk_ test or live key), and restricted keys' missing areas. */
  readonly access: { keys?: readonly string[]; missingPermissions?: Readonly<Record<string, readonly Area[]>> }
  readonly resources: ReadonlyMap<Area, Resource>
  readonly events: EventLog
  /** Connected accounts, each served as an account of its own; with none, any Stripe-Account header is answered from here. */
  readonly connected: ReadonlyMap<string, Served>
  readonly revoked: ReadonlySet<string>
}

export function route(served: Served, request: RecordedRequest): Answer {
  const key = request.key
  const valid = served.access.keys ? served.access.keys.includes(key) : /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(key)
  if (!valid) {
    const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key
    return stripeError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` })
  }
  if (request.method !== 'GET') return unrecognized(request)
  const onBehalf = request.stripeAccount
  if (onBehalf !== undefined && onBehalf !== served.accountId && served.connected.size > 0) {
    const child = served.connected.get(onBehalf)
    if (!child || served.revoked.has(onBehalf)) {
      return stripeError(403, {
        type: 'invalid_request_error',
        code: 'account_invalid',
        message: `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have access to account '${onBehalf}' (or that account does not exist). Application access may have been revoked.`
      })
    }
    return routeAs(child, request)
  }
  return routeAs(served, request)
}

/** An authenticated GET for the account's own resources. */
function routeAs(served: Served, request: RecordedRequest): Answer {
  if (request.path === '/v1/account') {
    const { country, timezone } = served.profile
    return {
      status: 200,
      body: {
        id: served.accountId,
        object: 'account',
        country,
        default_currency: 'usd',
        created: served.accountCreated(),
        settings: { dashboard: { display_name: 'Stand-in', timezone } }
      }
    }
  }
  // `/v1/checkout/sessions` is the area `checkout_sessions`, as the registry names it.
  const match = /^\/v1\/((?:checkout\/)?[a-z_]+)(?:\/([^/]+))?$/.exec(request.path)
  const area = match?.[1]?.replace('/', '_')
  const id = match?.[2] === undefined ? undefined : decodeURIComponent(match[2])
  if (area === 'events' && id === undefined) return permitted(served, request.key, 'events') ?? served.events.list(request.query)
  const entry = area === undefined ? undefined : [...served.resources].find(([name]) => name === area)
  if (!entry) return unrecognized(request)
  const [name, resource] = entry
  const denied = permitted(served, request.key, name)
  if (denied) return denied
  if (id === undefined) return resource.list(request.query)
  return resource.retrieve ? resource.retrieve(id, request.query) : unrecognized(request)
}

function permitted(served: Served, key: string, area: Area): Answer | undefined {
  if (!served.access.missingPermissions?.[key]?.includes(area)) return undefined
  const permission = `rak_${area.replace(/s$/, '')}_read`
  return stripeError(403, {
    type: 'invalid_request_error',
    message: `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_standin'. Having the '${permission}' permission would allow this request to continue.`
  })
}

export function unrecognized(request: Pick<RecordedRequest, 'method' | 'path'>): Answer {
  return stripeError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
  })
}
