import type Stripe from 'stripe'
import { chargeEmail } from '../../objects/charges.js'
import type { SummaryContext } from '../../report/feature.js'
import { dashboardUrl } from '../../report/links.js'
import { amountsHidden, emailCell, escapeCell, foldedTable, moneyCell, timeCell } from '../../report/summary.js'

/** Charges as the daily report and high-value alerts list them: amount, status, customer, description, time, link. */

/** A description is cut to this in a table. */
const DESCRIPTION_CHARS = 40

/** The connected account a listed charge belongs to, when the run synced several (Connect). */
export type AccountOf = (id: string) => string | undefined

export function chargeRow(c: Stripe.Charge, ctx: SummaryContext, withStatus: boolean, accountOf?: AccountOf): string {
  const cells = amountsHidden(ctx) ? [] : [moneyCell(c.amount, c.currency)]
  if (withStatus) cells.push(escapeCell(c.status))
  cells.push(emailCell(ctx.privacy.email(chargeEmail(c))))
  if (ctx.privacy.mode === 'show') cells.push(escapeCell(ctx.privacy.description(c.description, DESCRIPTION_CHARS)))
  // A connected account's charge (Connect) says whose it is in its link.
  const account = accountOf?.(c.id)
  cells.push(timeCell(c.created), `[${account ? escapeCell(account) : 'View'} ↗](${dashboardUrl(c, account ?? ctx.config.stripeAccount)})`)
  return `| ${cells.join(' | ')} |`
}

export function chargeHeader(ctx: SummaryContext, withStatus: boolean): string[] {
  const names = [
    ...(amountsHidden(ctx) ? [] : ['Amount']),
    ...(withStatus ? ['Status'] : []),
    'Customer',
    ...(ctx.privacy.mode === 'show' ? ['Description'] : []),
    'Created (UTC)',
    ''
  ]
  const align = names.map((n) => (n === 'Amount' ? '---:' : '---'))
  return [`| ${names.join(' | ')} |`, `| ${align.join(' | ')} |`]
}

/** Charges as a table, folded past VISIBLE_ROWS; `more` not listed at all (they are in the charges table). */
export function chargeTable(
  charges: readonly Stripe.Charge[],
  ctx: SummaryContext,
  withStatus: boolean,
  more: number,
  what: string,
  accountOf?: AccountOf
): string[] {
  return foldedTable(
    chargeHeader(ctx, withStatus),
    charges.map((c) => chargeRow(c, ctx, withStatus, accountOf)),
    { count: more, where: `table \`${ctx.config.schema}.${ctx.config.table}\`` },
    what
  )
}
