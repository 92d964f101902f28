import { runAction } from '../../src/main.js'
import { withClient } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'

// Every bad input fails before any Stripe request or database connection, naming the input.
const KEY = 'sk_test_InputsKey77'
const world = new World('inputs')

async function connectionsFromAction(): Promise<number> {
  const r = await withClient(world.db.url, (c) => c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'stripe-payment-monitor'"))
  return r.rows[0].n
}

const cases: Array<[string, Record<string, string>, RegExp]> = [
  ['limit zero', { limit: '0' }, /^Input `limit`/],
  ['limit negative', { limit: '-1' }, /^Input `limit`/],
  ['limit fraction', { limit: '2.5' }, /^Input `limit`/],
  ['limit huge', { limit: '99999999999999999999999' }, /^Input `limit`/],
  ['limit Arabic digits', { limit: '٣' }, /^Input `limit`/],
  ['limit with words', { limit: '10 charges' }, /^Input `limit`/],
  ['unknown status', { status: 'paid' }, /^Input `status`: unknown status "paid"/],
  ['a typo beside all in status', { status: 'all, bogus' }, /^Input `status`: unknown status "bogus"/],
  ['a typo beside all in objects', { objects: 'all, chargez' }, /^Input `objects`: unknown object "chargez"/],
  ['a currency Stripe does not know', { 'high-value-threshold': 'usd:1000, eru:900' }, /^Input `high-value-threshold`: "eru:900": eru is not a currency/],
  ['a thousands separator', { 'high-value-threshold': '1,000' }, /^Input `high-value-threshold`: "1,000": thousands separators are not allowed/],
  ['summary-amounts not a mode', { 'summary-amounts': 'blur' }, /^Input `summary-amounts`/],
  ['status with an empty part', { status: 'succeeded,,failed' }, /^Input `status`/],
  ['status injection', { status: "succeeded'; DROP TABLE x; --" }, /^Input `status`/],
  ['created-after not a date', { 'created-after': 'last tuesday' }, /^Input `created-after`/],
  ['created-after Feb 30', { 'created-after': '2026-02-30' }, /^Input `created-after`/],
  ['created-before milliseconds', { 'created-before': '1767225600000' }, /^Input `created-before`: .*milliseconds/],
  ['created-before year 1970', { 'created-before': '1970-01-01' }, /^Input `created-before`: .*out of range/],
  ['created-before after 9999', { 'created-before': '999999999999' }, /^Input `created-before`: .*out of range/],
  ['after equals before', { 'created-after': '2026-03-01', 'created-before': '2026-03-01T00:00:00Z' }, /^Input `created-after \/ created-before`/],
  ['after later than before', { 'created-after': '7d', 'created-before': '30d' }, /^Input `created-after \/ created-before`/],
  ['database-url not postgres', { 'database-url': 'https://db.example.com/x' }, /^Input `database-url`: unsupported scheme "https"/],
  ['database-url garbage', { 'database-url': 'postgres//nope' }, /^Input `database-url`/],
  ['database-url bad sslmode', { 'database-url': 'postgres://u:p@h/d?sslmode=maybe' }, /^Input `database-url`: unknown sslmode/],
  ['missing key', { 'stripe-secret-key': '' }, /^Input `stripe-secret-key`: no Stripe key given/],
  ['publishable key', { 'stripe-secret-key': 'pk_live_51Abc' }, /^Input `stripe-secret-key`: this is a publishable key/],
  ['key with a space', { 'stripe-secret-key': 'sk_test_abc def' }, /^Input `stripe-secret-key`: not a Stripe secret key/],
  ['key with unicode', { 'stripe-secret-key': 'sk_test_abcé123' }, /^Input `stripe-secret-key`/],
  ['table injection', { table: 'charges; DROP TABLE users; --' }, /^Input `table`/],
  ['table quoted', { table: '"charges"' }, /^Input `table`/],
  ['table too long', { table: 't'.repeat(64) }, /^Input `table`/],
  ['table unicode', { table: 'zahlungen_ü' }, /^Input `table`/],
  ['schema injection', { schema: 'public"; DROP SCHEMA public; --' }, /^Input `schema`/],
  ['schema with a dot', { schema: 'public.other' }, /^Input `schema`/],
  ['stripe-account injection', { 'stripe-account': "acct_1'; --" }, /^Input `stripe-account`/],
  ['stripe-account customer id', { 'stripe-account': 'cus_123' }, /^Input `stripe-account`/],
  ['stripe-api-base with a path', { 'stripe-api-base': 'https://proxy.example.com/stripe' }, /^Input `stripe-api-base`/],
  ['stripe-api-base file URL', { 'stripe-api-base': 'file:///etc/passwd' }, /^Input `stripe-api-base`/],
  ['dry-run yes', { 'dry-run': 'yes' }, /^Input `dry-run`/],
  ['incremental 1', { incremental: '1' }, /^Input `incremental`/],
  ['incremental with dry-run', { incremental: 'true', 'dry-run': 'true' }, /^Input `incremental`: cannot be combined/],
  ['lock-timeout negative', { 'lock-timeout': '-5' }, /^Input `lock-timeout`/],
  ['lock-timeout a day', { 'lock-timeout': '86400' }, /^Input `lock-timeout`/],
  ['max-requests-per-second zero', { 'max-requests-per-second': '0' }, /^Input `max-requests-per-second`/],
  ['max-requests-per-second 1000', { 'max-requests-per-second': '1000' }, /^Input `max-requests-per-second`/],
  ['high-value-threshold words', { 'high-value-threshold': 'a lot' }, /^Input `high-value-threshold`/],
  ['high-value-threshold yen decimals', { 'high-value-threshold': 'jpy:100.5' }, /^Input `high-value-threshold`/],
  ['monitor-holidays unknown country', { 'monitor-holidays': 'XX' }, /^Input `monitor-holidays`: "XX": the holiday library knows no country XX/],
  ['monitor-holidays UK', { 'monitor-holidays': 'UK' }, /^Input `monitor-holidays`: .*Did you mean GB\?/],
  ['monitor-holidays unknown region', { 'monitor-holidays': 'GB-ZZZ' }, /^Input `monitor-holidays`: "GB-ZZZ": GB has no region ZZZ/],
  ['monitor-quiet for ever', { 'monitor-quiet': 'Mon-Sun' }, /^Input `monitor-quiet`: "Mon-Sun" mutes every hour of every week/],
  [
    'database-ca-cert not PEM',
    { 'database-ca-cert': 'MIIBxyz', 'database-url': 'postgres://u:p@h/d?sslmode=verify-full' },
    /^Input `database-ca-cert`: not a PEM/
  ],
  [
    'database-ca-cert without verify',
    { 'database-ca-cert': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
    /^Input `database-ca-cert`: is only used/
  ]
]

it(`has at least 25 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(25))

it.each(cases)('%s: fails before any request or connection', async (_name, inputs, message) => {
  const before = world.stripe.requests.length
  const io = recorder({ 'stripe-secret-key': KEY, 'database-url': world.db.url, 'stripe-api-base': world.stripe.url, schema: world.schema, ...inputs })
  const outcome = await runAction(io, { env: {} })
  expect(outcome.ok).toBe(false)
  expect(io.failed).toMatch(message)
  expect(world.stripe.requests.length).toBe(before)
  // With a shared external server other test files may be connected; with our own, nothing may be.
  if (world.db.embedded) expect(await connectionsFromAction()).toBe(0)
  const exists = await withClient(world.db.url, (c) => c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [world.schema]))
  expect(exists.rowCount).toBe(0)
  expect(io.outputs).toEqual({})
  if (inputs['stripe-secret-key']) expect(io.everything()).not.toContain(inputs['stripe-secret-key'].slice(8))
})
