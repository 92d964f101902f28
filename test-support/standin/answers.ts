/** What the stand-in answers a request with: a status, a JSON body, headers; and Stripe's error shapes. */
export interface Answer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/** A request's query string, as Stripe's form-encoded parameters (`created[gte]`, `expand[0]`). */
export type Query = Record<string, string>

export function stripeError(status: number, error: Record<string, unknown>): Answer {
  return { status, body: { error } }
}

export function ok(body: unknown): Answer {
  return { status: 200, body }
}

/** 400 for a parameter Stripe would refuse. */
export function invalid(param: string, message: string): Answer {
  return stripeError(400, { type: 'invalid_request_error', param, message })
}

/** 404 for an object Stripe does not have (`No such charge: 'ch_…'`). */
export function missing(kind: string, id: string, param: string): Answer {
  return stripeError(404, { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` })
}

/** The `expand[]` values of a query. */
export function expansions(query: Query): Set<string> {
  return new Set(
    Object.entries(query)
      .filter(([k]) => /^expand\[\d*\]$/.test(k))
      .map(([, v]) => v)
  )
}

/** Expandable references as Stripe sends them unexpanded: their ids. */
export function idsOnly(values: ReadonlyArray<string | { id: string }> | null | undefined): string[] {
  return (values ?? []).map((v) => (typeof v === 'string' ? v : v.id))
}
