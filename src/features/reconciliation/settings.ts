import { InputError } from '../../config.js'
import { JOURNAL_ACCOUNTS } from './views.js'

/** What the journal of a run's reconciled payouts is written as, with which accounts. */
export interface JournalSettings {
  /** The journal files written for the payouts reconciled in a run. */
  journalFormats: ReadonlySet<JournalFormat>
  /** Our journal account names → the user's codes (Xero) or names (QuickBooks). */
  journalAccounts: ReadonlyMap<JournalAccount, string>
  /** Xero's TaxRate for the journal lines. */
  journalTaxRate: string
}

/** `journal-format`: the files a reconciled payout's journal is written as. */
export const JOURNAL_FORMATS = ['csv', 'xero', 'quickbooks'] as const
export type JournalFormat = (typeof JOURNAL_FORMATS)[number]
export type JournalAccount = (typeof JOURNAL_ACCOUNTS)[number]

/** `journal-format`, `journal-accounts`, `journal-tax-rate`; Xero needs a code for every account a journal can use. */
export function parseJournal(format: string, accounts: string, taxRate: string): JournalSettings {
  const formats = new Set<JournalFormat>()
  for (const part of format.split(',').map((p) => p.trim().toLowerCase())) {
    if (!(JOURNAL_FORMATS as readonly string[]).includes(part)) {
      throw new InputError('journal-format', `unknown format "${part}". Expected csv, xero, quickbooks, or a comma-separated combination.`)
    }
    formats.add(part as JournalFormat)
  }
  const names = new Map(JOURNAL_ACCOUNTS.map((a) => [a.toLowerCase(), a]))
  const mapped = new Map<JournalAccount, string>()
  const form = `Expected Account=code pairs, e.g. Bank=090, Sales=200, Refunds=210, Disputes=215, Stripe fees=404. Accounts: ${JOURNAL_ACCOUNTS.join(', ')}.`
  for (const part of accounts
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const at = part.indexOf('=')
    const name = at > 0 ? names.get(part.slice(0, at).trim().toLowerCase()) : undefined
    const code = at > 0 ? part.slice(at + 1).trim() : ''
    if (at <= 0 || code === '') throw new InputError('journal-accounts', `"${part}" is not Account=code. ${form}`)
    if (!name) throw new InputError('journal-accounts', `unknown account "${part.slice(0, at).trim()}". ${form}`)
    if (mapped.has(name)) throw new InputError('journal-accounts', `${name} is given twice. ${form}`)
    mapped.set(name, code)
  }
  if (formats.has('xero')) {
    const missing = JOURNAL_ACCOUNTS.filter((a) => !mapped.has(a))
    if (missing.length > 0) {
      throw new InputError(
        'journal-accounts',
        `journal-format xero needs an account code for every account a journal can use; missing: ${missing.join(', ')}. ${form}`
      )
    }
  }
  if (taxRate.length > 100 || /[\r\n]/.test(taxRate))
    throw new InputError('journal-tax-rate', 'must be one line, at most 100 characters (a Xero tax rate name).')
  return { journalFormats: formats, journalAccounts: mapped, journalTaxRate: taxRate }
}
