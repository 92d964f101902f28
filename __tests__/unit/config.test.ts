import { InputError, readConfig } from '../../src/config.js'
import { readRun } from '../../src/contract.js'
import { secretsOf } from '../../src/secrets.js'

const NOW = new Date('2026-11-26T12:00:00Z')
const KEY = 'sk_test_51AbCdEfGhIjKlMnOp'
const URL_ = 'postgres://monitor:s3cr%40t@db.example.com:5432/finance'

/** The run's config as main.ts reads it: the generic inputs, then every feature's. */
function config(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const all: Record<string, string> = { 'stripe-secret-key': KEY, 'database-url': URL_, ...inputs }
  return readRun({ input: (name) => all[name] ?? '', env, now: NOW }).config
}

function failure(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): InputError {
  try {
    config(inputs, env)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

describe('readConfig defaults', () => {
  it('applies the documented defaults', () => {
    const c = config({})
    expect(c.limit).toBe(10)
    expect([...c.statuses]).toEqual(['succeeded'])
    expect(c.table).toBe('processed_charges')
    expect(c.schema).toBe('public')
    expect(c.dryRun).toBe(false)
    expect(c.stripeApiBase.origin).toBe('https://api.stripe.com')
    expect(c.createdGte).toBeUndefined()
    expect(c.createdLt).toBeUndefined()
    expect(c.stripeAccount).toBeUndefined()
    expect(c.keyMode).toBe('test')
    expect(c.keyKind).toBe('secret')
  })

  it('falls back to STRIPE_SECRET_KEY and DATABASE_URL', () => {
    const c = readConfig({ input: () => '', env: { STRIPE_SECRET_KEY: 'rk_live_abc123', DATABASE_URL: URL_ }, now: NOW })
    expect(c.stripeKey).toBe('rk_live_abc123')
    expect(c.keyMode).toBe('live')
    expect(c.keyKind).toBe('restricted')
    expect(c.databaseUrl).toBe(URL_)
  })

  it('prefers the input over the environment', () => {
    expect(config({}, { STRIPE_SECRET_KEY: 'sk_test_other' }).stripeKey).toBe(KEY)
  })

  it('trims whitespace around values', () => {
    const c = config({ limit: ' 25 \n', status: ' Failed , pending ', table: ' charges ' })
    expect(c.limit).toBe(25)
    expect([...c.statuses].sort()).toEqual(['failed', 'pending'])
    expect(c.table).toBe('charges')
  })

  it('does not need a database URL in a dry run', () => {
    const c = readConfig({ input: (n) => ({ 'stripe-secret-key': KEY, 'dry-run': 'true' })[n as string] ?? '', now: NOW })
    expect(c.dryRun).toBe(true)
    expect(c.databaseUrl).toBeUndefined()
  })
})

describe('limit and status', () => {
  it.each([
    ['1', 1],
    ['500', 500],
    ['all', Infinity],
    ['ALL', Infinity]
  ])('limit %s', (value, expected) => expect(config({ limit: value }).limit).toBe(expected))

  it.each(['0', '-5', '1.5', '1e3', 'ten', '+5', '99999999999999999999', '١٠'])('rejects limit %s', (value) => {
    const error = failure({ limit: value })
    expect(error.input).toBe('limit')
    expect(error.message).toMatch(/^Input `limit`: .* positive whole number or `all`/)
  })

  it('accepts combinations and all', () => {
    expect([...config({ status: 'succeeded,failed' }).statuses]).toEqual(['succeeded', 'failed'])
    expect(config({ status: 'all' }).statuses.size).toBe(3)
  })

  it.each(['success', 'refunded', 'succeeded,', "succeeded' OR 1=1"])('rejects status %s', (value) => {
    expect(failure({ status: value }).input).toBe('status')
  })
})

describe('created-after / created-before', () => {
  it.each([
    ['2026-01-31', Date.UTC(2026, 0, 31) / 1000],
    ['2026-01-31T09:30:00Z', Date.UTC(2026, 0, 31, 9, 30) / 1000],
    ['2026-01-31T09:30:00', Date.UTC(2026, 0, 31, 9, 30) / 1000],
    ['2026-01-31T09:30:00+02:00', Date.UTC(2026, 0, 31, 7, 30) / 1000],
    ['2026-01-31T09:30:00.250Z', Date.UTC(2026, 0, 31, 9, 30) / 1000 + 1],
    ['1767225600', 1767225600],
    ['30m', NOW.getTime() / 1000 - 1800],
    ['24h', NOW.getTime() / 1000 - 86400],
    ['7d', NOW.getTime() / 1000 - 7 * 86400]
  ])('reads %s', (value, seconds) => expect(config({ 'created-after': value }).createdGte).toBe(seconds))

  it.each(['yesterday', '2026-02-30', '2026-13-01', '2026-01-01T25:00', '1767225600000', '1999-12-31', '10000-01-01', '7 days', '2026-01-01T00:00+15:00'])(
    'rejects %s',
    (value) => {
      const error = failure({ 'created-before': value })
      expect(error.input).toBe('created-before')
      expect(error.message).toContain(value)
    }
  )

  it.each(['2027-06-01', '2026-11-26T12:00:01Z', String(NOW.getTime() / 1000 + 3600)])('rejects created-after %s: in the future, saying today', (value) => {
    const error = failure({ 'created-after': value })
    expect(error.input).toBe('created-after')
    expect(error.message).toMatch(/is in the future: it is now 2026-11-26T12:00:00Z/)
  })

  it('accepts created-after now and created-before in the future', () => {
    expect(config({ 'created-after': '2026-11-26T12:00:00Z', 'created-before': '2030-01-01' }).createdGte).toBe(NOW.getTime() / 1000)
  })

  it('rejects an empty window', () => {
    const error = failure({ 'created-after': '2026-02-01', 'created-before': '2026-01-01' })
    expect(error.input).toBe('created-after / created-before')
    expect(error.message).toMatch(/must be earlier than/)
    expect(failure({ 'created-after': '2026-01-01', 'created-before': '2026-01-01' }).input).toBe('created-after / created-before')
  })
})

describe('keys, URLs and names', () => {
  it.each([
    ['', /no Stripe key given/],
    ['pk_live_abc123', /publishable key/],
    ['sk_test_abc 123', /not a Stripe secret key/],
    ['whsec_abc123', /not a Stripe secret key/],
    ['"sk_test_abc123"', /not a Stripe secret key/]
  ])('rejects key %p', (key, message) => {
    const error = failure({ 'stripe-secret-key': key })
    expect(error.input).toBe('stripe-secret-key')
    expect(error.message).toMatch(message)
    if (key.length > 4) expect(error.message).not.toContain(key)
  })

  it.each([
    ['mysql://u:p@h/db', /unsupported scheme "mysql"/],
    ['not a url', /not a URL/],
    ['postgres:///db', /no host/],
    ['postgres://u:p@h/db?sslmode=sometimes', /unknown sslmode "sometimes"/]
  ])('rejects database-url %s', (url, message) => {
    const error = failure({ 'database-url': url })
    expect(error.input).toBe('database-url')
    expect(error.message).toMatch(message)
  })

  it('requires a database URL unless dry-run', () => {
    expect(failure({ 'database-url': '' }).message).toMatch(/no database URL given/)
  })

  it('accepts sslmodes and socket hosts', () => {
    expect(config({ 'database-url': 'postgresql://u@h/db?sslmode=verify-full' }).databaseUrl).toContain('verify-full')
    expect(config({ 'database-url': 'postgres:///db?host=/var/run/postgresql' }).databaseUrl).toContain('host=')
  })

  it.each([
    ['table', 'charges; DROP TABLE users'],
    ['table', 'my-table'],
    ['table', '1charges'],
    ['table', 'a'.repeat(64)],
    ['table', 'chargés'],
    ['schema', 'public"."x'],
    ['schema', 'pg catalog']
  ] as const)('rejects %s %p', (input, value) => {
    expect(failure({ [input]: value }).input).toBe(input)
  })

  it.each(['PUBLIC', 'Finance', 'stripeData'])('refuses schema %p: Postgres folds unquoted names, so it would be a second schema', (value) => {
    const error = failure({ schema: value })
    expect(error.input).toBe('schema')
    expect(error.message).toContain(`Write it in lower case: ${value.toLowerCase()}.`)
  })

  it.each(['acct_', 'acct_123;', 'cus_123', "acct_1' --", 'acct_a,,acct_b', 'acct_a,', ', acct_a'])('rejects stripe-account %p', (value) => {
    expect(failure({ 'stripe-account': value }).input).toBe('stripe-account')
  })

  it.each(['ftp://api.stripe.com', 'api.stripe.com', 'https://proxy.example.com/stripe', 'https://u:p@api.stripe.com'])('rejects stripe-api-base %p', (value) =>
    expect(failure({ 'stripe-api-base': value }).input).toBe('stripe-api-base')
  )

  it.each(['yes', '1', 'on'])('rejects dry-run %p', (value) => expect(failure({ 'dry-run': value }).input).toBe('dry-run'))
})

describe('masking', () => {
  it('masks key, URL and both forms of the password before validating', () => {
    const masked: string[] = []
    expect(() =>
      readConfig({
        input: (n) => ({ 'stripe-secret-key': KEY, 'database-url': URL_, limit: 'x' })[n as string] ?? '',
        mask: (s) => void masked.push(s),
        now: NOW
      })
    ).toThrow(InputError)
    expect(masked).toEqual(expect.arrayContaining([KEY, URL_, 's3cr%40t', 's3cr@t']))
  })

  it('finds the password of a URL that does not parse', () => {
    expect(secretsOf('', 'postgres://me:p@ss:word@host/db').strong).toContain('p@ss:word')
  })

  it.each(['1000', 'test', 'postgres', 'a', 'Password'])('treats the common password %p as weak: masked only where it stands as a password', (password) => {
    const { strong, weak } = secretsOf(KEY, `postgres://u:${password}@host/db`)
    expect(weak).toEqual([password])
    expect(strong).not.toContain(password)
    expect(strong).toContain(`postgres://u:${password}@host/db`)
  })
})

describe('typos are errors, wherever they stand in a list', () => {
  it.each([
    ['objects', 'all, chargez', 'chargez'],
    ['objects', 'chargez, all', 'chargez'],
    ['objects', 'charges, refundz', 'refundz'],
    ['status', 'all, bogus', 'bogus'],
    ['status', 'bogus,all', 'bogus']
  ] as const)('%s: %p names %p and the valid words', (input, value, word) => {
    const error = failure({ [input]: value })
    expect(error.input).toBe(input)
    expect(error.message).toContain(`"${word}"`)
    expect(error.message).toMatch(input === 'objects' ? /charges, balance_transactions/ : /succeeded, pending, failed/)
  })

  it('still reads all with valid words beside it', () => {
    expect(config({ objects: 'charges, all' }).objects.length).toBeGreaterThan(1)
    expect(config({ status: 'succeeded, all' }).statuses.size).toBe(3)
  })

  it.each(['usd:1000, eru:900', 'xyz:5', 'eru:900'])('rejects a currency Stripe does not know in high-value-threshold %p', (value) => {
    const error = failure({ 'high-value-threshold': value })
    expect(error.input).toBe('high-value-threshold')
    expect(error.message).toMatch(/is not a currency Stripe supports/)
  })

  it.each(['usd:1000, EUR:900, jpy:150000, bhd:1.5', '500, isk:100000, huf:5000'])('accepts currencies Stripe supports %p', (value) => {
    expect(() => config({ 'high-value-threshold': value })).not.toThrow()
  })

  it.each([
    ['1,000', '1000'],
    ['usd:1,000', '1000'],
    ['usd:12,500.50', '12500.50']
  ])('says thousands separators are not allowed in %p, and shows the form', (value, written) => {
    const error = failure({ 'high-value-threshold': value })
    expect(error.message).toContain('thousands separators are not allowed')
    expect(error.message).toContain(`Write the amount as ${written}`)
    expect(error.message).toContain('usd:1000, eur:900')
  })
})

describe('summary-amounts', () => {
  const read = (value: string, repositoryPrivate: boolean | undefined) =>
    readConfig({ input: (n) => ({ 'stripe-secret-key': KEY, 'database-url': URL_, 'summary-amounts': value })[n as string] ?? '', now: NOW, repositoryPrivate })

  it.each([
    [true, 'show', undefined],
    [false, 'hide', 'public'],
    [undefined, 'hide', 'unknown']
  ] as const)('defaults by visibility: private %p → %s', (visibility, mode, because) => {
    const c = read('', visibility)
    expect(c.summaryAmounts).toBe(mode)
    expect(c.amountsHiddenBecause).toBe(because)
  })

  it('follows the input when given', () => {
    expect(read('show', false).summaryAmounts).toBe('show')
    expect(read('HIDE', true)).toMatchObject({ summaryAmounts: 'hide', amountsHiddenBecause: 'input' })
    expect(() => read('maybe', true)).toThrow(/Input `summary-amounts`: "maybe" is not one of show, hide/)
  })
})
