import { parseRecordsLength, parseRecordsMatch, parseRecordsQuery } from '../../src/features/records/settings.js'
import { reconciliationSql } from '../../src/features/records/sql.js'

describe('records inputs', () => {
  it('takes one SELECT (or WITH … SELECT), a trailing semicolon aside, and refuses anything else naming the input', () => {
    expect(parseRecordsQuery('')).toBeUndefined()
    expect(parseRecordsQuery('  SELECT 1 AS record_id;  ')).toBe('SELECT 1 AS record_id')
    expect(parseRecordsQuery("WITH o AS (SELECT 'a;b' AS x) SELECT * FROM o")).toBe("WITH o AS (SELECT 'a;b' AS x) SELECT * FROM o")
    expect(parseRecordsQuery('-- orders\nSELECT id FROM orders')).toBe('-- orders\nSELECT id FROM orders')
    expect(() => parseRecordsQuery('DELETE FROM orders')).toThrow(/^Input `records-query`: "DELETE FROM orders" is not a SELECT/)
    expect(() => parseRecordsQuery('SELECT 1; DROP TABLE orders')).toThrow(/records-query`: holds more than one statement/)
  })
  it('reads the match and the lengths', () => {
    expect(parseRecordsMatch('stripe_id')).toEqual({ by: 'stripe_id' })
    expect(parseRecordsMatch('client_reference_id')).toEqual({ by: 'client_reference_id' })
    expect(parseRecordsMatch('metadata.order_id')).toEqual({ by: 'metadata', key: 'order_id' })
    expect(() => parseRecordsMatch('metadata.')).toThrow(/records-match`: "metadata\." is not stripe_id, client_reference_id or metadata.<key>/)
    expect(parseRecordsLength('records-grace', '30m', 60, 30 * 86400)).toBe(1800)
    expect(() => parseRecordsLength('records-grace', '10s', 60, 30 * 86400)).toThrow(/records-grace`: "10s" is not a length from 1 minutes/)
  })
})

describe('the reconciliation statement', () => {
  const input = {
    query: 'SELECT * FROM orders',
    columns: { stripeId: true, amountRefunded: false, accountId: false },
    match: { by: 'stripe_id' as const },
    graceSeconds: 1800,
    sinceSeconds: 90 * 86400,
    charges: '"s"."processed_charges"',
    paymentIntents: '"s"."stripe_payment_intents"'
  }
  it('joins on one key a row (a hash join), never an OR of ids; reads sessions only when synced', () => {
    const sql = reconciliationSql(input)
    expect(sql).toContain('CROSS JOIN LATERAL (VALUES (p.charge_id), (p.payment_intent_id), (p.session_id)) AS k(key)')
    expect(sql).toContain('JOIN records AS r ON r.stripe_id = k.key')
    expect(sql).not.toContain('stripe_checkout_sessions')
    expect(sql).not.toContain('x.refunded > coalesce(r.amount_refunded, 0)')
    const metadata = reconciliationSql({ ...input, match: { by: 'metadata', key: "o'k" }, checkoutSessions: '"s"."stripe_checkout_sessions"' })
    expect(metadata).toContain("(p.charge_metadata ->> 'o''k'), (p.intent_metadata ->> 'o''k'), (p.session_metadata ->> 'o''k')")
    expect(metadata).toContain('JOIN records AS r ON r.record_id = k.key')
  })
})
