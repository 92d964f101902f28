/**
 * `npm run package`'s last step: every character of dist/*.js beyond Latin-1 written as a `\u`
 * escape, and the source maps' columns moved to match.
 *
 * Why: V8 keeps a script's source for as long as the process runs, one byte a character when every
 * character is Latin-1 and two when any is not. About a thousand characters of the bundle are not
 * (the summary's "—" and "…", a library's "✅"), so its 2.9 MB source took 5.8 MB of the runner's
 * memory, and scanning it as two-byte text took about 40 ms more at start-up.
 *
 * A `\u` escape means the same character in a string, a template, a regular expression, an
 * identifier or a comment. It does not in a tagged template's raw text (`String.raw`), so a bundle
 * with such a character there stops the build instead.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '../test-support/run-dist.js'
import { BEYOND, escapeLine, movedMappings, rawTemplatesBeyondLatin1 } from './latin1.js'

const DIST = path.join(REPO_ROOT, 'dist')

let escaped = 0
for (const file of readdirSync(DIST).filter((f) => f.endsWith('.js'))) {
  const source = readFileSync(path.join(DIST, file), 'utf8')
  if (!BEYOND.test(source)) continue
  const raw = rawTemplatesBeyondLatin1(file, source)
  if (raw.length > 0) throw new Error(`characters beyond Latin-1 in tagged templates, which an escape would change:\n${raw.join('\n')}`)
  const lines = source.split('\n')
  const mapFile = path.join(DIST, `${file}.map`)
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { mappings: string }
  const mappingLines = map.mappings.split(';')
  lines.forEach((line, n) => {
    if (!BEYOND.test(line)) return
    const { text, moved } = escapeLine(line)
    escaped += text.length - line.length
    lines[n] = text
    mappingLines[n] = movedMappings(mappingLines[n] ?? '', moved)
  })
  writeFileSync(path.join(DIST, file), lines.join('\n'))
  writeFileSync(mapFile, JSON.stringify({ ...map, mappings: mappingLines.join(';') }))
}
console.log(`dist/: characters beyond Latin-1 escaped (${escaped} characters added).`)
