import { readFileSync } from 'node:fs'

// The README says which Node a developer needs and which packages warn on Node 20; the lockfile
// says what each package declares. This keeps the two in step when dependencies change.
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { engines?: { node?: unknown }; optional?: boolean }>
}
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

type Version = [number, number, number]
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number)
  return [a, b, c]
}
const compare = (x: Version, y: Version) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]

/** npm's engine ranges as packages write them: `>=22`, `^20.19.0`, `18 || 20 || >=22`, `^20 || ^22`. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version)
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/([<>=^~]+)\s+/g, '$1')
      .split(/\s+/)
      .every((part) => {
        if (part === '*' || part === '' || part === 'x') return true
        const m = /^(>=|>|<=|<|\^|~)?v?(\d+(?:\.\d+){0,2})(?:\.[x*])?$/.exec(part)
        if (!m) throw new Error(`unhandled engine range "${range}"`)
        const [, op = '', bound] = m
        const b = parse(bound!)
        const c = compare(v, b)
        switch (op) {
          case '>=':
            return c >= 0
          case '>':
            return c > 0
          case '<=':
            return c <= 0
          case '<':
            return c < 0
          case '^':
            return c >= 0 && v[0] === b[0]
          case '~':
            return c >= 0 && v[0] === b[0] && v[1] === b[1]
          default:
            // A bare version: that major (18), major.minor (20.19) or exact version.
            return bound!.split('.').every((n, i) => v[i] === Number(n))
        }
      })
  )
}

function refusing(version: string): string[] {
  const names = new Set<string>()
  for (const [key, pkg] of Object.entries(lock.packages)) {
    const range = pkg.engines?.node
    if (!key || pkg.optional || typeof range !== 'string') continue
    if (!satisfies(version, range)) names.add(key.replace(/^.*node_modules\//, ''))
  }
  return [...names].sort()
}

describe('the development machine, as the README states it', () => {
  it('reads engine ranges as npm does', () => {
    expect(satisfies('22.12.0', '^20.19.0 || ^22.13.0 || >=24')).toBe(false)
    expect(satisfies('22.13.0', '^20.19.0 || ^22.13.0 || >=24')).toBe(true)
    expect(satisfies('20.20.2', '18 || 20 || >=22')).toBe(true)
    expect(satisfies('20.20.2', '>=22.12.0')).toBe(false)
  })

  it('every package installs without a warning on the Node version the README names', () => {
    const named = /use \*\*Node (\d+\.\d+) or newer\*\*/.exec(readme)?.[1]
    expect(named).toBeDefined()
    expect(refusing(`${named}.0`)).toEqual([])
  })

  it('names every package that warns on Node 20, and counts them right', () => {
    const warn = refusing('20.19.0')
    for (const name of warn) expect(readme).toContain(`\`${name}\``)
    const words = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve']
    expect(readme).toContain(`warnings for ${words[warn.length] ?? warn.length} packages`)
  })
})
