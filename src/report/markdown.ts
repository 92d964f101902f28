import { cut, shown } from '../text.js'

/**
 * Text from Stripe (a payout's failure message, a description, an id) made safe for GitHub's
 * Markdown wherever it goes — the job summary, a table cell, an issue's title, body or comments:
 * shown as written, never acted on. No control or bidi characters; line breaks folded; HTML inert
 * (entities); the Markdown punctuation that acts escaped (no link or image, emphasis,
 * strike-through, code, heading or table break); and what GitHub links inside plain text broken by an invisible word joiner (U+2060) — an
 * `@` mention (a notification), a `#123` reference, a bare `https://` or `www.` link, an e-mail
 * address. Cut to `maxChars`.
 */
export function markdownSafe(text: string, maxChars = 500, as: 'markdown' | 'title' = 'markdown'): string {
  // The joiner is ours to insert: one in the text is dropped, so what it breaks is always visible here.
  const plain = shown(text, maxChars)
    .replace(/\u2060/g, '')
    .replace(/\r\n|\r|\n|\t/g, ' ')
  // An issue title is shown as written (no Markdown, no HTML): only what GitHub links in it is broken.
  const escaped =
    as === 'title'
      ? plain
      : plain
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/>/g, '&gt;')
          .replace(/([\\`*_[\]|~#!])/g, '\\$1')
  const safe = escaped
    .replace(/@/g, '@\u2060')
    .replace(/#(?=\d)/g, '#\u2060')
    .replace(/:\\?\/\//g, (m) => `${m.slice(0, -2)}\u2060//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}\u2060.`)
  // A title has a hard limit (GitHub's is 256): the joiners count too. (Markdown is not cut again: that could split an escape.)
  return as === 'title' ? cut(safe, maxChars) : safe
}
