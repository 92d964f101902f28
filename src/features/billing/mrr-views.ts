import { qualified } from '../../store/columns.js'
import { major, tableRef, type ViewDefinition } from '../../store/view-kit.js'

/**
 * Recurring revenue as Stripe Billing computes it (docs: "Billing metric definitions"; support:
 * "Billing analytics", "Impact of discounts and coupons on MRR"):
 * - MRR is the monthly-normalized value of active and past_due subscriptions; trialing, unpaid,
 *   paused, incomplete and canceled ones, taxes, free plans and metered prices do not count.
 * - Discounts: with `forever` (Stripe's default) only forever coupons reduce MRR; with `all`, every
 *   discount in force; with `none`, none.
 * - An active subscriber is a customer with a paid (MRR above zero) active or past_due subscription.
 *
 * Exact to the minor unit: every amount is put over one denominator, 12 × L (L the least common
 * multiple of the interval counts), and divided once per currency. An item's recurring amount per
 * month is unit amount × quantity × k / (12 × interval count), k = 12 for a month, 1 for a year, 52
 * for a week, 365 for a day.
 */
export type MrrDiscounts = 'forever' | 'all' | 'none'

export const MRR_DISCOUNTS: readonly MrrDiscounts[] = ['forever', 'all', 'none']

/** MRR now, per currency. */
export const MRR_VIEW = 'stripe_mrr'
/** MRR now, per product and price. */
export const MRR_BY_PRODUCT_VIEW = 'stripe_mrr_by_product'
/** MRR at each month end, with its movements. */
export const MRR_MONTHLY_VIEW = 'stripe_mrr_monthly'

/** Statuses that never count, whatever the dates say (a month looks them up in the status history). */
const NOT_COUNTED = "('unpaid', 'paused', 'incomplete', 'incomplete_expired')"

function scaleCtes(schema: string): string {
  return `counts AS (
         SELECT c, row_number() OVER (ORDER BY c) AS n
           FROM (SELECT greatest(coalesce(interval_count, 1), 1)::numeric AS c FROM ${qualified(schema, 'stripe_subscription_items')}
                 UNION SELECT greatest(coalesce(interval_count, 1), 1)::numeric FROM ${qualified(schema, 'stripe_subscription_item_history')}) d
       ),
       lcms(n, l) AS (SELECT 0::bigint, 1::numeric UNION ALL SELECT c.n, lcm(lcms.l, c.c) FROM lcms JOIN counts c ON c.n = lcms.n + 1),
       scale AS (SELECT max(l) AS l FROM lcms)`
}

/** An item's periods per year × L / interval count: its monthly amount is unit × quantity × this / (12 L). */
const PER_MONTH = `CASE i.interval WHEN 'month' THEN 12 WHEN 'year' THEN 1 WHEN 'week' THEN 52 WHEN 'day' THEN 365 END
              * (scale.l / greatest(coalesce(i.interval_count, 1), 1))`

/** The numerator of an item's monthly amount over 12 × scale.l; NULL for metered and tiered prices (no fixed amount). */
const GROSS = `CASE WHEN i.usage_type = 'metered' OR i.unit_amount_decimal IS NULL THEN NULL
         ELSE i.unit_amount_decimal * coalesce(i.quantity, 1) * ${PER_MONTH} END`

/** Discounts that are in force at `at` (a column of the outer row). */
function inForce(d: string, at: string): string {
  return `(${d}.start_at IS NULL OR ${d}.start_at <= ${at}) AND (${d}.end_at IS NULL OR ${d}.end_at > ${at}) AND (${d}.removed_at IS NULL OR ${d}.removed_at > ${at})`
}

/** Of those, the ones MRR subtracts under the setting. */
function counted(mode: MrrDiscounts): string {
  if (mode === 'forever') return "d.duration = 'forever'"
  if (mode === 'all') return 'd.duration IS NOT NULL'
  return 'false'
}

/**
 * What a set of discounts takes off: `factor`, the product of (1 − percent off) (a 100 % coupon
 * makes it 0), and `amount`, the sum of amounts off in `currency` (the coupon's own, else its
 * currency_options; a coupon with neither does not apply). Percentages apply first, then amounts.
 */
function discountAggregate(currency: string): string {
  return `CASE WHEN bool_or(d.percent_off >= 100) THEN 0::numeric
                     ELSE coalesce(round(exp(sum(ln(1 - d.percent_off / 100)) FILTER (WHERE d.percent_off > 0 AND d.percent_off < 100)), 12), 1) END AS factor,
                coalesce(sum(CASE WHEN d.percent_off IS NULL THEN
                  CASE WHEN lower(d.coupon_currency) = ${currency} THEN d.amount_off::numeric
                       ELSE (d.currency_options -> ${currency} ->> 'amount_off')::numeric END END), 0) AS amount`
}

/**
 * From `item_at` (one row per item counted at an instant: month, at, subscription_id, customer_id,
 * status, item_id, product_id, price_id, currency, gross, per_month) to `item_net` (each item after
 * its own discounts) and `sub_final` (each subscription after its discounts, or its customer's when
 * it has none of its own; never below zero). An amount off is spread over the billing interval: an
 * item's own, the subscription's shortest for a subscription's discount.
 */
function discountChain(schema: string, mode: MrrDiscounts, coupons: boolean): string {
  // Each discount with its coupon's terms; a subquery Postgres flattens, so the lookups below use
  // the indexes on subscription_item_id and parent_id.
  const discounts = coupons
    ? `(SELECT d.parent_id, d.subscription_item_id, d.start_at, d.end_at, d.removed_at,
                c.duration, c.percent_off, c.amount_off, c.currency AS coupon_currency, c.currency_options
           FROM ${qualified(schema, 'stripe_discounts')} d
           JOIN ${qualified(schema, 'stripe_coupons')} c ON c.id = d.coupon_id)`
    : // Without coupons synced, what a discount takes off is unknown: none is subtracted.
      `(SELECT NULL::text AS parent_id, NULL::text AS subscription_item_id, NULL::timestamptz AS start_at, NULL::timestamptz AS end_at,
                NULL::timestamptz AS removed_at, NULL::text AS duration, NULL::numeric AS percent_off, NULL::bigint AS amount_off,
                NULL::text AS coupon_currency, NULL::jsonb AS currency_options WHERE false)`
  // A subscription's own discounts in force replace its customer's, whatever their duration.
  const own = `EXISTS (SELECT 1 FROM ${qualified(schema, 'stripe_discounts')} o
                        WHERE o.parent_id = sn.subscription_id AND o.subscription_item_id IS NULL AND ${inForce('o', 'sn.at')})`
  const discountsTable = qualified(schema, 'stripe_discounts')
  // Most items and subscriptions have no discount: they skip the per-row lookups (anti-joins).
  return `item_net AS MATERIALIZED (
         SELECT x.*, x.gross AS net
           FROM item_at x WHERE NOT EXISTS (SELECT 1 FROM ${discountsTable} e WHERE e.subscription_item_id = x.item_id)
         UNION ALL
         SELECT x.*, CASE WHEN x.gross IS NULL THEN NULL ELSE greatest(0, x.gross * f.factor - f.amount * x.per_month) END AS net
           FROM item_at x
           CROSS JOIN LATERAL (SELECT ${discountAggregate('x.currency')}
                                 FROM ${discounts} d WHERE d.subscription_item_id = x.item_id AND ${inForce('d', 'x.at')} AND ${counted(mode)}) f
          WHERE EXISTS (SELECT 1 FROM ${discountsTable} e WHERE e.subscription_item_id = x.item_id)
       ),
       sub_net AS MATERIALIZED (
         SELECT month, at, subscription_id, customer_id, status, currency,
                sum(net) AS items_net, max(per_month) AS per_month, count(*) FILTER (WHERE gross IS NULL) AS unfixed
           FROM item_net GROUP BY month, at, subscription_id, customer_id, status, currency
       ),
       discounted AS (SELECT DISTINCT parent_id FROM ${discountsTable} WHERE subscription_item_id IS NULL),
       sub_final AS MATERIALIZED (
         SELECT sn.*, sn.items_net AS mrr_num
           FROM sub_net sn
          WHERE sn.subscription_id NOT IN (SELECT parent_id FROM discounted) AND coalesce(sn.customer_id, '') NOT IN (SELECT parent_id FROM discounted)
         UNION ALL
         SELECT sn.*, CASE WHEN sn.items_net IS NULL THEN NULL ELSE greatest(0, sn.items_net * f.factor - f.amount * sn.per_month) END AS mrr_num
           FROM sub_net sn
           CROSS JOIN LATERAL (SELECT ${discountAggregate('sn.currency')}
                                 FROM (SELECT * FROM ${discounts} d1 WHERE d1.parent_id = sn.subscription_id
                                       UNION ALL
                                       SELECT * FROM ${discounts} d2 WHERE d2.parent_id = sn.customer_id AND NOT ${coupons ? own : 'true'}) d
                                WHERE d.subscription_item_id IS NULL AND ${inForce('d', 'sn.at')} AND ${counted(mode)}) f
          WHERE sn.subscription_id IN (SELECT parent_id FROM discounted) OR coalesce(sn.customer_id, '') IN (SELECT parent_id FROM discounted)
       )`
}

/** Items counted now: the current items of active, past-due and trialing subscriptions. */
function itemsNow(schema: string, tables: Readonly<Record<string, string>>): string {
  return `item_at AS MATERIALIZED (
         SELECT NULL::date AS month, now() AS at, s.id AS subscription_id, s.customer_id, s.status,
                i.id AS item_id, i.product_id, i.price_id, i.currency, ${GROSS} AS gross, ${PER_MONTH} AS per_month
           FROM ${tableRef(schema, tables, 'subscriptions')} s
           JOIN ${qualified(schema, 'stripe_subscription_items')} i ON i.subscription_id = s.id AND i.removed_at IS NULL
          CROSS JOIN scale
          WHERE s.status IN ('active', 'past_due', 'trialing')
       )`
}

export function mrrView(mode: MrrDiscounts): ViewDefinition {
  return {
    name: MRR_VIEW,
    requires: ['subscriptions'],
    uses: ['coupons'],
    version: 2,
    about: `monthly recurring revenue per currency, now (discounts: ${mode})`,
    settings: `mrr-discounts=${mode}`,
    // Rounded once per currency. Trialing subscriptions are counted apart: what they become when
    // they convert (their discounts applied), not MRR.
    sql: (schema, tables, available) => `WITH RECURSIVE ${scaleCtes(schema)},
       ${itemsNow(schema, tables)},
       ${discountChain(schema, mode, available.has('coupons'))},
       live AS (SELECT * FROM sub_final WHERE status IN ('active', 'past_due')),
       trials AS (SELECT currency, count(*) AS n, sum(mrr_num) AS num FROM sub_final WHERE status = 'trialing' GROUP BY currency)
  SELECT currencies.currency,
         coalesce(round(sum(l.mrr_num) / (12 * min(scale.l))), 0)::bigint AS mrr,
         ${major(`coalesce(round(sum(l.mrr_num) / (12 * min(scale.l))), 0)`, 'currencies.currency')} AS mrr_major,
         count(l.subscription_id) AS active_subscriptions,
         count(DISTINCT l.customer_id) AS customers,
         coalesce(sum(l.unfixed), 0)::bigint AS items_without_fixed_amount,
         count(DISTINCT l.customer_id) FILTER (WHERE l.mrr_num > 0) AS active_subscribers,
         coalesce(max(tr.n), 0) AS trialing_subscriptions,
         coalesce(round(max(tr.num) / (12 * min(scale.l))), 0)::bigint AS trial_mrr
    FROM (SELECT DISTINCT currency FROM sub_final) currencies
    CROSS JOIN scale
    LEFT JOIN live l ON l.currency = currencies.currency
    LEFT JOIN trials tr ON tr.currency = currencies.currency
   GROUP BY currencies.currency`
  }
}

export function mrrByProductView(mode: MrrDiscounts): ViewDefinition {
  return {
    name: MRR_BY_PRODUCT_VIEW,
    requires: ['subscriptions'],
    uses: ['coupons', 'products', 'prices'],
    version: 1,
    about: 'MRR now per currency, product and price',
    settings: `mrr-discounts=${mode}`,
    // A subscription's MRR is shared among its items by their amounts after their own discounts.
    // Rounding each row alone would not add up: each row gets its whole minor units, and the units
    // left to reach the currency's MRR go to the rows with the largest remainders (largest
    // remainder method), so the rows of a currency sum to stripe_mrr exactly.
    sql: (schema, tables, available) => `WITH RECURSIVE ${scaleCtes(schema)},
       ${itemsNow(schema, tables)},
       ${discountChain(schema, mode, available.has('coupons'))},
       shares AS (
         SELECT i.currency, i.product_id, i.price_id, i.subscription_id,
                CASE WHEN s.items_net > 0 THEN i.net * s.mrr_num / s.items_net ELSE 0 END AS num
           FROM item_net i JOIN sub_final s ON s.subscription_id = i.subscription_id
          WHERE s.status IN ('active', 'past_due') AND i.gross IS NOT NULL
       ),
       exact AS (
         SELECT currency, product_id, price_id, sum(num) / (12 * min(scale.l)) AS value, count(DISTINCT subscription_id) AS subscriptions
           FROM shares CROSS JOIN scale GROUP BY currency, product_id, price_id
       ),
       targets AS (
         SELECT currency, round(sum(mrr_num) / (12 * min(scale.l))) AS total
           FROM sub_final CROSS JOIN scale WHERE status IN ('active', 'past_due') GROUP BY currency
       ),
       ranked AS (
         SELECT e.*, floor(e.value) AS whole, t.total - sum(floor(e.value)) OVER (PARTITION BY e.currency) AS left_over,
                row_number() OVER (PARTITION BY e.currency ORDER BY e.value - floor(e.value) DESC, e.product_id, e.price_id) AS rank
           FROM exact e JOIN targets t ON t.currency = e.currency
       )
  SELECT r.currency,
         r.product_id,
         ${available.has('products') ? 'p.name' : 'NULL::text'} AS product_name,
         r.price_id,
         ${available.has('prices') ? 'pr.nickname' : 'NULL::text'} AS price_nickname,
         (r.whole + CASE WHEN r.rank <= r.left_over THEN 1 ELSE 0 END)::bigint AS mrr,
         ${major('r.whole + CASE WHEN r.rank <= r.left_over THEN 1 ELSE 0 END', 'r.currency')} AS mrr_major,
         r.subscriptions AS active_subscriptions
    FROM ranked r
    ${available.has('products') ? `LEFT JOIN ${tableRef(schema, tables, 'products')} p ON p.id = r.product_id` : ''}
    ${available.has('prices') ? `LEFT JOIN ${tableRef(schema, tables, 'prices')} pr ON pr.id = r.price_id` : ''}`
  }
}

export function mrrMonthlyView(mode: MrrDiscounts): ViewDefinition {
  return {
    name: MRR_MONTHLY_VIEW,
    requires: ['subscriptions'],
    uses: ['coupons'],
    version: 2,
    about: 'MRR at each month end, with its movements and subscriber counts',
    settings: `mrr-discounts=${mode}`,
    // A subscription counts at a month's end (the current month: now) when it has started, has not
    // ended, is past its trial and its status then (stripe_subscription_status_history) is not
    // unpaid, paused or incomplete; each item by its version valid then; discounts in force then.
    // Movements compare each customer's MRR with the previous month end: new (a first paid month),
    // reactivation (paid again after a month without), expansion, contraction, churn (to nothing).
    sql: (schema, tables, available) => `WITH RECURSIVE ${scaleCtes(schema)},
       subs AS (
         SELECT s.id, s.customer_id, s.status, s.start_date, s.ended_at, s.trial_end
           FROM ${tableRef(schema, tables, 'subscriptions')} s
          WHERE s.status NOT IN ('incomplete', 'incomplete_expired') AND s.start_date IS NOT NULL
       ),
       months AS (
         SELECT m::date AS month, least((m + interval '1 month') AT TIME ZONE 'UTC', now()) AS at
           FROM generate_series(date_trunc('month', (SELECT min(start_date) FROM subs) AT TIME ZONE 'UTC'),
                                date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS m
       ),
       sub_at AS (
         SELECT m.month, m.at, s.id, s.customer_id, coalesce(h.status, s.status) AS status
           FROM months m
           JOIN subs s ON s.start_date <= m.at AND (s.ended_at IS NULL OR s.ended_at > m.at) AND (s.trial_end IS NULL OR s.trial_end <= m.at)
           LEFT JOIN ${qualified(schema, 'stripe_subscription_status_history')} h
                  ON h.subscription_id = s.id AND h.valid_from <= m.at AND (h.valid_to IS NULL OR h.valid_to > m.at)
       ),
       item_at AS MATERIALIZED (
         SELECT sa.month, sa.at, sa.id AS subscription_id, sa.customer_id, sa.status, i.item_id, NULL::text AS product_id, i.price_id, i.currency,
                ${GROSS} AS gross, ${PER_MONTH} AS per_month
           FROM sub_at sa
           JOIN ${qualified(schema, 'stripe_subscription_item_history')} i
             ON i.subscription_id = sa.id AND i.valid_from <= sa.at AND (i.valid_to IS NULL OR i.valid_to > sa.at)
          CROSS JOIN scale
          WHERE sa.status NOT IN ${NOT_COUNTED}
       ),
       ${discountChain(schema, mode, available.has('coupons'))},
       per_customer AS (
         SELECT month, currency, customer_id, sum(mrr_num) AS mrr, count(DISTINCT subscription_id) AS subscriptions
           FROM sub_final WHERE mrr_num IS NOT NULL GROUP BY 1, 2, 3
       ),
       first_paid AS (SELECT currency, customer_id, min(month) AS month FROM per_customer WHERE mrr > 0 GROUP BY 1, 2),
       moves AS (
         SELECT coalesce(c.month, (p.month + interval '1 month')::date) AS month,
                coalesce(c.currency, p.currency) AS currency,
                coalesce(c.customer_id, p.customer_id) AS customer_id,
                coalesce(c.mrr, 0) AS now_mrr, coalesce(p.mrr, 0) AS before_mrr,
                coalesce(c.subscriptions, 0) AS subscriptions, c.customer_id IS NOT NULL AS active
           FROM per_customer c
           FULL JOIN per_customer p ON p.month = (c.month - interval '1 month')::date AND p.currency = c.currency AND p.customer_id = c.customer_id
       ),
       classified AS (
         SELECT m.*, f.month AS first_paid_month,
                m.before_mrr = 0 AND m.now_mrr > 0 AND m.month = f.month AS is_new,
                m.before_mrr = 0 AND m.now_mrr > 0 AND m.month > f.month AS is_reactivation
           FROM moves m LEFT JOIN first_paid f ON f.currency = m.currency AND f.customer_id = m.customer_id
       ),
       totals AS (
         SELECT month, currency,
                sum(now_mrr) AS mrr_num, sum(before_mrr) AS before_num,
                coalesce(sum(now_mrr) FILTER (WHERE is_new), 0) AS new_num,
                coalesce(sum(now_mrr) FILTER (WHERE is_reactivation), 0) AS reactivation_num,
                coalesce(sum(now_mrr - before_mrr) FILTER (WHERE before_mrr > 0 AND now_mrr > before_mrr), 0) AS expansion_num,
                coalesce(sum(before_mrr - now_mrr) FILTER (WHERE now_mrr > 0 AND now_mrr < before_mrr), 0) AS contraction_num,
                coalesce(sum(before_mrr) FILTER (WHERE before_mrr > 0 AND now_mrr = 0), 0) AS churned_num,
                count(*) FILTER (WHERE active) AS customers,
                coalesce(sum(subscriptions), 0)::bigint AS subscriptions,
                count(*) FILTER (WHERE now_mrr > 0) AS active_subscribers,
                count(*) FILTER (WHERE before_mrr > 0) AS subscribers_before,
                count(*) FILTER (WHERE is_new) AS new_subscribers,
                count(*) FILTER (WHERE is_reactivation) AS reactivated_subscribers,
                count(*) FILTER (WHERE before_mrr > 0 AND now_mrr = 0) AS churned_subscribers
           FROM classified
          WHERE month <= date_trunc('month', now() AT TIME ZONE 'UTC')::date
          GROUP BY month, currency
       )
  SELECT month, currency,
         round(mrr_num / (12 * scale.l))::bigint AS mrr,
         round(new_num / (12 * scale.l))::bigint AS new_mrr,
         round(expansion_num / (12 * scale.l))::bigint AS expansion_mrr,
         round(contraction_num / (12 * scale.l))::bigint AS contraction_mrr,
         round(churned_num / (12 * scale.l))::bigint AS churned_mrr,
         customers,
         subscriptions,
         round(reactivation_num / (12 * scale.l))::bigint AS reactivation_mrr,
         active_subscribers,
         new_subscribers,
         reactivated_subscribers,
         churned_subscribers,
         CASE WHEN subscribers_before + new_subscribers + reactivated_subscribers > 0
              THEN round(100.0 * churned_subscribers / (subscribers_before + new_subscribers + reactivated_subscribers), 2) END AS subscriber_churn_rate,
         CASE WHEN before_num > 0 THEN round(100 * (churned_num + contraction_num) / before_num, 2) END AS mrr_churn_rate,
         CASE WHEN active_subscribers > 0 THEN round(mrr_num / (12 * scale.l) / active_subscribers)::bigint END AS arpu
    FROM totals CROSS JOIN scale`
  }
}
