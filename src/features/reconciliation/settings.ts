import { InputError } from '../../config.js'
import { cut, shown } from '../../text.js'
import { JOURNAL_ACCOUNTS } from './views.js'

/** What the journal of a run's reconciled payouts is written as, with which accounts. */
export interface JournalSettings {
  /** The journal files written for the payouts reconciled in a run. */
  journalFormats: ReadonlySet<JournalFormat>
  /** Per book, our journal account names → the user's codes (Xero) or names (QuickBooks). */
  journalAccounts: Readonly<Record<Book, ReadonlyMap<JournalAccount, string>>>
  /** Xero's TaxRate for the journal lines. */
  journalTaxRate: string
}

/** `journal-format`: the files a reconciled payout's journal is written as. */
export const JOURNAL_FORMATS = ['csv', 'xero', 'quickbooks'] as const
export type JournalFormat = (typeof JOURNAL_FORMATS)[number]
export type JournalAccount = (typeof JOURNAL_ACCOUNTS)[number]

/** The formats that name accounts as the user's books do (the CSV keeps ours). */
export const BOOKS = ['xero', 'quickbooks'] as const
export type Book = (typeof BOOKS)[number]

/** The longest value each book takes: a Xero account code is at most 10 characters, a QuickBooks account name 100. */
const MAX_VALUE: Record<Book, number> = { xero: 10, quickbooks: 100 }
/** The whole mapping: eight accounts for two books fit many times over. */
const MAX_MAPPING_CHARS = 4000
const BOOK_NAME: Record<Book, string> = { xero: 'Xero', quickbooks: 'QuickBooks' }

/** One pair, `Account=value`, for both books or, prefixed `xero:` or `quickbooks:`, for one. */
const PAIR = /^(?:(xero|quickbooks)\s*:\s*)?([^=]*?)\s*=\s*(.*)$/i

/**
 * `journal-format`, `journal-accounts`, `journal-tax-rate`. The mapping takes one pair a line (a
 * YAML `|` block), or pairs separated by commas or semicolons; a pair prefixed `xero:` or
 * `quickbooks:` is for that book only (Xero wants codes, QuickBooks names) and wins over an
 * unprefixed one. Xero needs a code for every account a journal can use. `warn` is told of a
 * mapping no file this run writes uses.
 */
export function parseJournal(format: string, accounts: string, taxRate: string, warn: (message: string) => void = () => {}): JournalSettings {
  const formats = new Set<JournalFormat>()
  for (const part of format.split(',').map((p) => p.trim().toLowerCase())) {
    if (!(JOURNAL_FORMATS as readonly string[]).includes(part)) {
      throw new InputError('journal-format', `unknown format "${cut(part, 40)}". Expected csv, xero, quickbooks, or a comma-separated combination.`)
    }
    formats.add(part as JournalFormat)
  }
  const journalAccounts = parseMapping(accounts, formats)
  if (formats.has('xero')) {
    const missing = JOURNAL_ACCOUNTS.filter((a) => !journalAccounts.xero.has(a))
    if (missing.length > 0) {
      throw new InputError(
        'journal-accounts',
        `journal-format xero needs an account code for every account a journal can use; missing: ${missing.join(', ')}. ${FORM}`
      )
    }
  }
  if (accounts.trim() !== '') {
    const unused = BOOKS.filter((book) => !formats.has(book))
    if (unused.length === BOOKS.length) {
      warn('journal-accounts is set but no journal file this run writes uses it: the CSV keeps our account names. Add xero or quickbooks to journal-format.')
    } else {
      for (const book of unused) {
        if (new RegExp(`(^|[\\n,;])\\s*${book}\\s*:`, 'i').test(accounts))
          warn(`journal-accounts has ${book}: pairs, but journal-format writes no ${BOOK_NAME[book]} file.`)
      }
    }
  }
  if (taxRate.length > 100 || /[\r\n]/.test(taxRate))
    throw new InputError('journal-tax-rate', 'must be one line, at most 100 characters (a Xero tax rate name).')
  return { journalFormats: formats, journalAccounts, journalTaxRate: taxRate }
}

const FORM =
  `Expected Account=code pairs, one a line or separated by commas or semicolons, e.g. Bank=090, Sales=200, Refunds=210, Disputes=215, Stripe fees=404; ` +
  `prefix a pair with xero: or quickbooks: for one book only. Accounts: ${JOURNAL_ACCOUNTS.join(', ')}.`

/** The mapping per book: pairs for both, overridden by each book's own. */
function parseMapping(text: string, formats: ReadonlySet<JournalFormat>): Record<Book, ReadonlyMap<JournalAccount, string>> {
  if (text.length > MAX_MAPPING_CHARS) throw new InputError('journal-accounts', `is ${text.length} characters long; at most ${MAX_MAPPING_CHARS}. ${FORM}`)
  const names = new Map(JOURNAL_ACCOUNTS.map((a) => [a.toLowerCase(), a]))
  const both = new Map<JournalAccount, string>()
  const own: Record<Book, Map<JournalAccount, string>> = { xero: new Map(), quickbooks: new Map() }
  for (const part of text
    .split(/[\r\n,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const match = PAIR.exec(part)
    const book = BOOKS.find((b) => b === match?.[1]?.toLowerCase())
    const given = match?.[2] ?? ''
    const value = match?.[3] ?? ''
    if (!match || given === '' || value === '') throw new InputError('journal-accounts', `"${cut(part, 60)}" is not Account=code. ${FORM}`)
    const name = names.get(given.toLowerCase())
    if (!name) throw new InputError('journal-accounts', `unknown account "${cut(given, 60)}". ${FORM}`)
    if (shown(value) !== value) throw new InputError('journal-accounts', `the value for ${name} holds a control character. ${FORM}`)
    const into = book ? own[book] : both
    if (into.has(name)) throw new InputError('journal-accounts', `${name} is given twice${book ? ` for ${BOOK_NAME[book]}` : ''}. ${FORM}`)
    into.set(name, value)
  }
  const merged: Record<Book, ReadonlyMap<JournalAccount, string>> = { xero: new Map([...both, ...own.xero]), quickbooks: new Map([...both, ...own.quickbooks]) }
  for (const book of BOOKS) {
    if (!formats.has(book)) continue
    for (const [name, value] of merged[book]) {
      if ([...value].length > MAX_VALUE[book]) {
        throw new InputError(
          'journal-accounts',
          `"${cut(value, 60)}" (${name}) is longer than a ${BOOK_NAME[book]} account ${book === 'xero' ? 'code' : 'name'} can be (${MAX_VALUE[book]} characters). ` +
            (formats.has('xero') && formats.has('quickbooks') ? 'Give each book its own with xero: and quickbooks: pairs. ' : '') +
            FORM
        )
      }
    }
  }
  return merged
}
