/**
 * Writing a bundle's characters beyond Latin-1 as `\u` escapes (see latin1-dist.ts for why), with
 * its source map's columns moved to match.
 */
import ts from 'typescript'

/** A character beyond Latin-1 (a UTF-16 unit above 0xff: surrogates too). */
export const BEYOND = /[\u0100-\uffff]/

/** Base64 VLQ, as source maps write numbers. */
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** A segment's first value (the generated column's delta) and the characters it took. */
function firstValue(segment: string): { value: number; length: number } {
  let value = 0
  let shift = 0
  for (let i = 0; i < segment.length; i++) {
    const digit = DIGITS.indexOf(segment[i]!)
    if (digit < 0) throw new Error(`not a source map segment: ${segment}`)
    value += (digit & 31) * 2 ** shift
    if (!(digit & 32)) return { value: value % 2 ? -Math.floor(value / 2) : value / 2, length: i + 1 }
    shift += 5
  }
  throw new Error(`not a source map segment: ${segment}`)
}

function encodeValue(n: number): string {
  let vlq = n < 0 ? (-n << 1) | 1 : n << 1
  let out = ''
  do {
    let digit = vlq & 31
    vlq >>>= 5
    if (vlq > 0) digit |= 32
    out += DIGITS[digit]
  } while (vlq > 0)
  return out
}

/** One line's text with its characters beyond Latin-1 escaped, and how far each old column moved. */
export function escapeLine(line: string): { text: string; moved: (column: number) => number } {
  let text = ''
  // Old column (UTF-16 units) at which each escape began, and how many units it added.
  const shifts: Array<[number, number]> = []
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i)
    if (code <= 0xff) {
      text += line[i]
      continue
    }
    // An identity escape (`\—`, which is "—") becomes `\u2014`, not a backslash and `u2014`.
    let backslashes = 0
    while (backslashes < text.length && text[text.length - 1 - backslashes] === '\\') backslashes++
    const dropped = backslashes % 2 === 1 ? 1 : 0
    if (dropped) text = text.slice(0, -1)
    const escape = `\\u${code.toString(16).padStart(4, '0')}`
    text += escape
    shifts.push([i, escape.length - 1 - dropped])
  }
  return {
    text,
    moved: (column) => column + shifts.filter(([at]) => at < column).reduce((sum, [, added]) => sum + added, 0)
  }
}

/** Tagged templates whose raw text holds a character beyond Latin-1: an escape would change what the tag reads. */
export function rawTemplatesBeyondLatin1(file: string, source: string): string[] {
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && BEYOND.test(source.slice(node.template.pos, node.template.end))) {
      found.push(`${file}: ${source.slice(node.pos, Math.min(node.end, node.pos + 80)).trim()}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS))
  return found
}

/** A source map line's segments with their generated columns moved as `moved` says. */
export function movedMappings(mappings: string, moved: (column: number) => number): string {
  // Each segment's first field is its generated column, relative to the segment before it on the line.
  let oldColumn = 0
  let newColumn = 0
  return mappings
    .split(',')
    .filter((s) => s !== '')
    .map((segment) => {
      const first = firstValue(segment)
      oldColumn += first.value
      const column = moved(oldColumn)
      const out = encodeValue(column - newColumn) + segment.slice(first.length)
      newColumn = column
      return out
    })
    .join(',')
}
