import type { ArrivalOrder } from '../sync/run.js'

interface Dated {
  id: string
  created: number
}

function newer(a: Dated, b: Dated): boolean {
  return a.created > b.created || (a.created === b.created && a.id > b.id)
}

/** Keeps `list` as the newest `max` objects seen, newest first, whatever order they arrive in. */
export function keepNewest<T extends Dated>(list: T[], object: T, max: number, order: ArrivalOrder): void {
  if (order === 'newest-first') {
    if (list.length < max) list.push(object)
    return
  }
  if (order === 'oldest-first') {
    list.unshift(object)
    if (list.length > max) list.pop()
    return
  }
  if (list.length >= max && !newer(object, list[list.length - 1]!)) return
  let i = list.length
  while (i > 0 && newer(object, list[i - 1]!)) i--
  list.splice(i, 0, object)
  if (list.length > max) list.pop()
}
