import type Stripe from 'stripe'

/** How charges reach a report: Stripe's order, the incremental sweep's, or concurrent slices'. */
export type ArrivalOrder = 'newest-first' | 'oldest-first' | 'any'

function newer(a: Stripe.Charge, b: Stripe.Charge): boolean {
  return a.created > b.created || (a.created === b.created && a.id > b.id)
}

/** Keeps `list` as the newest `max` charges seen, newest first, whatever order they arrive in. */
export function keepNewest(list: Stripe.Charge[], charge: Stripe.Charge, max: number, order: ArrivalOrder): void {
  if (order === 'newest-first') {
    if (list.length < max) list.push(charge)
    return
  }
  if (order === 'oldest-first') {
    list.unshift(charge)
    if (list.length > max) list.pop()
    return
  }
  if (list.length >= max && !newer(charge, list[list.length - 1]!)) return
  let i = list.length
  while (i > 0 && newer(charge, list[i - 1]!)) i--
  list.splice(i, 0, charge)
  if (list.length > max) list.pop()
}
