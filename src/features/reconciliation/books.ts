import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { JournalAccount, JournalFormat } from './settings.js'
import type { JournalRow } from './queries.js'
import { csv, numberCell, textCell } from './csv.js'
import { formatMinor } from '../../report/money.js'

/**
 * The payout journals as accounting software imports them. One journal per payout, balanced; one
 * file set per currency (a journal is in one currency, and each ledger imports one at a time).
 *
 * - Xero, "Import manual journals": `*Narration, *Date, Description, *AccountCode, *TaxRate,
 *   *Amount`; a debit positive, a credit negative; rows with the same narration and date are one
 *   journal (imported as a draft); at most XERO_MAX_LINES lines a file, a journal never split.
 * - QuickBooks Online, journal entry import: `Journal No., Journal Date, Account Name, Debits,
 *   Credits, Description, Name, Location, Class`; Journal No. at most 21 characters.
 */

/** Xero's limit of lines in one import file, header included. */
export const XERO_MAX_LINES = 300
/** QuickBooks' limit on a journal number (its DocNumber). */
export const QUICKBOOKS_MAX_NUMBER = 21

export const XERO_HEADER = ['*Narration', '*Date', 'Description', '*AccountCode', '*TaxRate', '*Amount'] as const
export const QUICKBOOKS_HEADER = ['Journal No.', 'Journal Date', 'Account Name', 'Debits', 'Credits', 'Description', 'Name', 'Location', 'Class'] as const

export interface JournalFile {
  format: JournalFormat
  currency: string
  /** File name (no directory). */
  name: string
  content: string
}

export interface BookOptions {
  accounts: ReadonlyMap<JournalAccount, string>
  taxRate: string
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `2026-11-27` → `27 Nov 2026`: no reader takes it for 11 July. */
export function xeroDate(isoDay: string): string {
  const [y, m, d] = isoDay.split('-')
  return `${d} ${MONTHS[Number(m) - 1]} ${y}`
}

/** `2026-11-27` → `11/27/2026`, QuickBooks Online's default (US) date format. */
export function quickbooksDate(isoDay: string): string {
  const [y, m, d] = isoDay.split('-')
  return `${m}/${d}/${y}`
}

/** A payout id as a journal number of at most 21 characters: the id itself, or its prefix and last 18 characters. */
export function journalNumber(payoutId: string): string {
  return payoutId.length <= QUICKBOOKS_MAX_NUMBER ? payoutId : `po_${payoutId.slice(-(QUICKBOOKS_MAX_NUMBER - 3))}`
}

/** Journal lines by currency, then by payout, in the order read (date, payout, line). */
function journalsByCurrency(lines: readonly JournalRow[]): Map<string, Map<string, JournalRow[]>> {
  const byCurrency = new Map<string, Map<string, JournalRow[]>>()
  for (const line of lines) {
    const currency = line.currency.toLowerCase()
    let journals = byCurrency.get(currency)
    if (!journals) byCurrency.set(currency, (journals = new Map()))
    let journal = journals.get(line.payout_id)
    if (!journal) journals.set(line.payout_id, (journal = []))
    journal.push(line)
  }
  return byCurrency
}

const signedMinor = (l: JournalRow): bigint => BigInt(l.debit_minor) - BigInt(l.credit_minor)

/** Xero manual journals: per currency, as many files as the line limit needs; a journal never split. */
export function xeroFiles(lines: readonly JournalRow[], options: BookOptions, stamp: string): JournalFile[] {
  const files: JournalFile[] = []
  for (const [currency, journals] of journalsByCurrency(lines)) {
    let rows: string[][] = []
    const flush = () => {
      if (rows.length === 0) return
      files.push({
        format: 'xero',
        currency,
        name: `stripe-journal-xero-${currency}-${stamp}-${files.filter((f) => f.currency === currency).length + 1}.csv`,
        content: csv([[...XERO_HEADER], ...rows])
      })
      rows = []
    }
    for (const [payout, journal] of journals) {
      if (journal.length + 1 > XERO_MAX_LINES) throw new Error(`payout ${payout} has ${journal.length} journal lines, more than a Xero file takes`)
      if (rows.length + journal.length + 1 > XERO_MAX_LINES) flush()
      for (const l of journal) {
        const account = l.account as JournalAccount
        rows.push([
          textCell(`Stripe payout ${payout}`),
          textCell(xeroDate(l.date)),
          textCell(`${l.account}: ${l.memo}`),
          textCell(options.accounts.get(account) ?? l.account),
          textCell(options.taxRate),
          numberCell(formatMinor(signedMinor(l), currency))
        ])
      }
    }
    flush()
  }
  return files
}

/** QuickBooks Online journal entries: one file per currency, one journal per payout. */
export function quickbooksFiles(lines: readonly JournalRow[], options: BookOptions, stamp: string): JournalFile[] {
  const files: JournalFile[] = []
  for (const [currency, journals] of journalsByCurrency(lines)) {
    const rows: string[][] = [[...QUICKBOOKS_HEADER]]
    for (const [payout, journal] of journals) {
      for (const l of journal) {
        const minor = signedMinor(l)
        rows.push([
          textCell(journalNumber(payout)),
          textCell(quickbooksDate(l.date)),
          textCell(options.accounts.get(l.account as JournalAccount) ?? l.account),
          minor > 0n ? numberCell(formatMinor(minor, currency)) : '',
          minor < 0n ? numberCell(formatMinor(-minor, currency)) : '',
          textCell(`Stripe payout ${payout}: ${l.account}`),
          '',
          '',
          ''
        ])
      }
    }
    files.push({ format: 'quickbooks', currency, name: `stripe-journal-quickbooks-${currency}-${stamp}.csv`, content: csv(rows) })
  }
  return files
}

/** Writes the files under RUNNER_TEMP (the job's scratch directory), else the system's temp directory; returns their paths. */
export async function writeJournalFiles(files: readonly JournalFile[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = env.RUNNER_TEMP || tmpdir()
  const paths: string[] = []
  for (const file of files) {
    const target = path.join(dir, file.name)
    await writeFile(target, file.content)
    paths.push(target)
  }
  return paths
}
