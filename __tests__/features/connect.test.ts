import { InputError, parseAccountShard, parseStripeAccount } from '../../src/config.js'
import { ConnectAccounts } from '../../src/features/connect/feature.js'
import { chargeRow } from '../../src/features/shared/charge-table.js'
import { workflowRound } from '../../src/main.js'
import { RunReport } from '../../src/report/collect.js'
import { accountsAtOnce } from '../../src/sync/accounts.js'
import { makeCharge } from '../../test-support/fixtures.js'
import { contextOf, featureOf, outputsOf, reportOf, setupOf, summaryOf } from '../../test-support/report.js'

// Connect's pure parts: the inputs, the round of the shards' queue, how many accounts sync at once,
// and what the summary and outputs say of the accounts.
describe('stripe-account and account-shard', () => {
  it('reads one account, all, or a list (deduplicated); a single id keeps the one-account mode', () => {
    expect(parseStripeAccount('')).toEqual({ stripeAccount: undefined, accounts: undefined })
    expect(parseStripeAccount('acct_1A')).toEqual({ stripeAccount: 'acct_1A', accounts: undefined })
    expect(parseStripeAccount(' ALL ')).toEqual({ stripeAccount: undefined, accounts: { kind: 'all' } })
    expect(parseStripeAccount('acct_1A, acct_2B,acct_1A')).toEqual({ stripeAccount: undefined, accounts: { kind: 'list', ids: ['acct_1A', 'acct_2B'] } })
    expect(() => parseStripeAccount('acct_1A, cus_2')).toThrow(InputError)
    expect(() => parseStripeAccount('acct_1A, cus_2')).toThrow('Input `stripe-account`: "cus_2" is not a connected account id')
  })

  it('reads k/n, and refuses a shard out of range or without several accounts', () => {
    expect(parseAccountShard('', undefined)).toBeUndefined()
    expect(parseAccountShard(' 2 / 4 ', { kind: 'all' })).toEqual({ index: 2, total: 4 })
    for (const bad of ['0/4', '5/4', '1/0', '1/300', 'a/b', '1-4']) expect(() => parseAccountShard(bad, { kind: 'all' })).toThrow(/is not a shard/)
    expect(() => parseAccountShard('1/2', undefined)).toThrow(/applies to several accounts/)
  })

  it('a round is the workflow run and attempt, shared by the jobs of a matrix', () => {
    const now = new Date(Date.UTC(2026, 10, 27, 12, 30, 45))
    expect(workflowRound({ GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2' }, now)).toBe('run 123.2')
    expect(workflowRound({ GITHUB_RUN_ID: '123' }, now)).toBe('run 123.1')
    expect(workflowRound({}, now)).toBe('local 2026-11-27T12:30')
  })

  it('syncs fewer accounts at once when each holds more tables', () => {
    expect([1, 3, 6, 12, 30].map(accountsAtOnce)).toEqual([8, 8, 4, 2, 1])
  })
})

describe('the accounts in the summary and outputs', () => {
  const inputs = {
    objects: 'charges, application_fees',
    'stripe-account': 'all',
    'account-shard': '2/4',
    incremental: 'true',
    'dry-run': 'false',
    'database-url': 'postgres://u@h/d'
  }
  const run = (more: Record<string, string> = {}) => {
    const setup = setupOf({ ...inputs, ...more })
    const r = reportOf(setup, [])
    r.reported({
      kind: 'accounts',
      result: { synced: ['acct_1P', 'acct_1A'], skipped: [{ id: 'acct_1_gone', reason: 'account_invalid: revoked' }], platformId: 'acct_1P' }
    })
    const connect = featureOf(r, ConnectAccounts)
    connect.result = r.accounts
    connect.top = [
      { account: 'acct_1P', currency: 'usd', charges: 12, net: 1_234_56 },
      { account: 'acct_1A', currency: 'usd', charges: 3, net: 99_00 },
      ...[1, 2, 3, 4, 5].map((n) => ({ account: `acct_1S${n}`, currency: 'eur', charges: 1, net: 10_00 - n }))
    ]
    // By charges, a different order (and set) than by net: the accounts a summary with hidden amounts lists.
    connect.busiest = [
      { account: 'acct_1A', currency: 'usd', charges: 30, net: 9_00 },
      { account: 'acct_1P', currency: 'usd', charges: 12, net: 1_234_56 }
    ]
    connect.revenue = [{ currency: 'usd', fees: 40, net: 123_45 }]
    return { setup, report: r }
  }

  it('counts the accounts, names the skipped ones (escaped) and lists the accounts by net', () => {
    const { setup, report } = run()
    const md = summaryOf(setup, report)
    expect(md).toContain('- **Accounts:** 2 synced, **1 skipped** (shard 2/4)')
    expect(md).toContain('- **Application fees this month:** 123.45 USD net, 40 fees (view `stripe_platform_revenue`)')
    expect(md).toContain('| acct\\_1\\_gone | account\\_invalid: revoked |')
    expect(md).toContain('| acct\\_1P | USD | 12 | 1,234.56&nbsp;USD |')
    // Five open, the rest folded.
    expect(md).toContain('<details><summary>2 more accounts</summary>')
    expect(md.indexOf('acct\\_1S3')).toBeLessThan(md.indexOf('<details>'))
    expect(md.indexOf('acct\\_1S4')).toBeGreaterThan(md.indexOf('<details>'))
  })

  it('shows no amount when amounts are hidden, and lists the accounts by charges, not by net', () => {
    const { setup, report } = run({ 'summary-amounts': 'hide' })
    const md = summaryOf(setup, report)
    expect(md).toContain('### Accounts by charges, last 30 days')
    expect(md).not.toContain('Accounts by net')
    expect(md).toContain('| acct\\_1A | USD | 30 |\n| acct\\_1P | USD | 12 |')
    expect(md).not.toContain('acct\\_1S1')
    expect(md).not.toContain('1,234.56')
    expect(md).not.toContain('123.45')
    expect(md).toContain('- **Application fees this month:** 40 fees')
  })

  it('sets accounts_synced and accounts_skipped; a one-account run says 1 and []', () => {
    const outputs = outputsOf(run().report)
    expect(outputs.accounts_synced).toBe('2')
    expect(JSON.parse(outputs.accounts_skipped!)).toEqual([{ id: 'acct_1_gone', reason: 'account_invalid: revoked' }])
    const single = outputsOf(reportOf(setupOf(), []))
    expect([single.accounts_synced, single.accounts_skipped]).toEqual(['1', '[]'])
  })
})

describe("a connected account's charges in the summary", () => {
  it("link to that account's dashboard, the account named in the link", () => {
    const charge = makeCharge({ id: 'ch_3Conn1', created: Date.UTC(2026, 10, 27) / 1000, amount: 5000, currency: 'usd', status: 'succeeded' })
    const setup = setupOf()
    const ctx = contextOf(setup, reportOf(setup, []))
    const row = chargeRow(charge, ctx, false, (id) => (id === 'ch_3Conn1' ? 'acct_1Conn_A' : undefined))
    expect(row).toContain('[acct\\_1Conn\\_A ↗](https://dashboard.stripe.com/acct_1Conn_A/test/payments/ch_3Conn1)')
    expect(chargeRow(charge, ctx, false)).toContain('[View ↗](https://dashboard.stripe.com/test/payments/ch_3Conn1)')
  })
})

describe('incremental reports of several accounts', () => {
  it('combine: the oldest cursor and window start, every event and re-fetch', () => {
    const report = new RunReport(['charges'])
    const base = { firstRun: false, from: 100, to: 200, cursor: 190, eventsProcessed: 2, refetched: 1, resweep: false, listed: false }
    report.reported({ kind: 'incremental', name: 'charges', report: base })
    report.reported({
      kind: 'incremental',
      name: 'charges',
      report: { ...base, firstRun: true, from: 50, to: 210, cursor: 180, eventsProcessed: 3, refetched: 4, listed: true }
    })
    expect(report.incremental.get('charges')).toEqual({
      firstRun: true,
      from: 50,
      to: 210,
      cursor: 180,
      eventsProcessed: 5,
      refetched: 5,
      resweep: false,
      listed: true
    })
  })
})
