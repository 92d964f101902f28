/**
 * CSV cells for files people open in spreadsheets. Text that came from Stripe or from people
 * (descriptions, names, emails, memos) could start a formula: a cell beginning with `=`, `+`, `-`,
 * `@`, a tab or a carriage return is made inert with a leading `'`, as OWASP recommends against CSV
 * injection. Numbers are written as numbers (a negative amount stays -12.50).
 */
const FORMULA_START = /^[=+\-@\t\r]/

/** A text cell: inert if it could start a formula, quoted when it holds a comma, quote or line break. */
export function textCell(value: string | null | undefined): string {
  const text = value ?? ''
  return quoted(FORMULA_START.test(text) ? `'${text}` : text)
}

/** A number (an amount in major units, a count): written as is. */
export function numberCell(value: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`not a number for a CSV cell: ${JSON.stringify(value)}`)
  return value
}

function quoted(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Rows to CSV text with CRLF line ends, as spreadsheet imports expect. */
export function csv(rows: ReadonlyArray<readonly string[]>): string {
  return `${rows.map((cells) => cells.join(',')).join('\r\n')}\r\n`
}
