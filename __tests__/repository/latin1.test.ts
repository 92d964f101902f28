import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { BEYOND, escapeLine, movedMappings, rawTemplatesBeyondLatin1 } from '../../scripts/latin1.js'
import { REPO_ROOT } from '../../test-support/run-dist.js'

describe('the bundle in Latin-1 (one byte a character in V8)', () => {
  it('has no character beyond Latin-1 in any committed dist/ script', () => {
    const dist = path.join(REPO_ROOT, 'dist')
    const beyond = readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .filter((f) => BEYOND.test(readFileSync(path.join(dist, f), 'utf8')))
    expect(beyond).toEqual([])
  })

  it('escapes so that strings, templates, regular expressions and identifiers mean the same', () => {
    const source = [
      'const café·ü = "a — b …";',
      'const t = `${café·ü} ✓ 🙂 \\— ⚠`;',
      'const r = /[—…]+/u.test("——") && /🙂/u.test("x🙂") && /\\—/.test("—");',
      'const ⅰd = 2; /* a comment — with ✓ */',
      '[café·ü, t, r, ⅰd, "\\\\—"]'
    ].join('\n')
    const escaped = source
      .split('\n')
      .map((line) => escapeLine(line).text)
      .join('\n')
    expect(BEYOND.test(escaped)).toBe(false)
    expect(escaped).toContain('\\u2014')
    expect(vm.runInNewContext(escaped)).toEqual(vm.runInNewContext(source))
    expect(vm.runInNewContext(source)).toEqual(['a — b …', 'a — b … ✓ 🙂 — ⚠', true, 2, '\\—'])
  })

  it('moves the source map columns after each escape by what it added', () => {
    // "x = '—'; y" — the escape at column 5 adds 5 units, so column 9 (y) moves to 14.
    const { text, moved } = escapeLine("x = '—'; y")
    expect(text).toBe("x = '\\u2014'; y")
    expect([0, 5, 6, 9].map(moved)).toEqual([0, 5, 11, 14])
    expect(text.slice(moved(9))).toBe('y')
    // Segments at generated columns 0 and 9 (deltas A and S), each with source fields after the column.
    expect(movedMappings('AAAA,SAAS', moved)).toBe('AAAA,cAAS')
    expect(movedMappings('', moved)).toBe('')
  })

  it('refuses a tagged template whose raw text an escape would change', () => {
    expect(rawTemplatesBeyondLatin1('x.js', 'String.raw`a — b`; const s = `— ok`')).toHaveLength(1)
    expect(rawTemplatesBeyondLatin1('x.js', 'const s = `— ok`; tag`plain`')).toEqual([])
  })
})
