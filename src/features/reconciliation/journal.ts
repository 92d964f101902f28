import type { JournalRow } from './queries.js'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { csv, numberCell, textCell } from './csv.js'
import { formatMinor } from '../../report/money.js'

/** One line of stripe_journal, as read back. */
export type JournalLine = JournalRow

export const JOURNAL_HEADER = ['date', 'journal', 'account', 'debit', 'credit', 'currency', 'memo'] as const

/**
 * The journal as CSV, as accounting software imports a manual journal: one row per account line,
 * amounts in major units with the currency's decimals (an empty cell for the side not used).
 */
export function journalCsv(lines: readonly JournalLine[]): string {
  const rows: string[][] = [[...JOURNAL_HEADER]]
  for (const l of lines) {
    const debit = Number(l.debit_minor) === 0 ? '' : numberCell(formatMinor(BigInt(l.debit_minor), l.currency))
    const credit = Number(l.credit_minor) === 0 ? '' : numberCell(formatMinor(BigInt(l.credit_minor), l.currency))
    rows.push([textCell(l.date), textCell(l.payout_id), textCell(l.account), debit, credit, textCell(l.currency.toUpperCase()), textCell(l.memo)])
  }
  return csv(rows)
}

/** Writes the CSV under RUNNER_TEMP (the job's scratch directory on a runner), else the system's temp directory. */
export async function writeJournal(lines: readonly JournalLine[], now: Date, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = env.RUNNER_TEMP || tmpdir()
  const file = path.join(dir, `stripe-journal-${now.toISOString().replace(/[:.]/g, '-')}.csv`)
  await writeFile(file, journalCsv(lines))
  return file
}
