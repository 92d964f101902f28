import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { MONITORS } from '../../src/features/monitor/monitors/index.js'
import { OBJECTS } from '../../src/objects/registry.js'
import { StripeStandIn } from '../../test-support/stripe-standin.js'

// CONTRIBUTING's recipes say which files a new feature, monitor or object touches. These fail when
// the code grows a place a recipe does not list: a feature imported from outside its folder, a
// monitor named outside its own file, an object the stand-in or the README does not know.

const ROOT = path.resolve(import.meta.dirname, '../..')
const SRC = path.join(ROOT, 'src')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []
  )
}
const rel = (file: string) => path.relative(ROOT, file)
/** The relative module paths a file imports. */
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]!))

describe('Add a feature: its folder and one line in src/features/index.ts', () => {
  const features = readdirSync(path.join(SRC, 'features'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'shared')
    .map((e) => e.name)

  it.each(features)('%s is imported from its own folder and the index only', (name) => {
    const folder = path.join(SRC, 'features', name) + path.sep
    const outside = sources(SRC)
      .filter((f) => !f.startsWith(folder) && f !== path.join(SRC, 'features', 'index.ts'))
      .filter((f) => importsOf(f).some((i) => i.startsWith(folder)))
    expect(outside.map(rel)).toEqual([])
    expect(readFileSync(path.join(SRC, 'features', 'index.ts'), 'utf8')).toContain(`from './${name}/feature.js'`)
  })
})

describe('Add a monitor: its file and one line in monitors/index.ts', () => {
  const folder = path.join(SRC, 'features', 'monitor')
  const files = sources(folder)

  it.each(MONITORS.map((m) => m.name))('%s is named in its own file only', (name) => {
    const own = files.filter((f) => readFileSync(f, 'utf8').includes(`name: '${name}'`))
    expect(own.map(rel)).toEqual([rel(path.join(folder, 'monitors', `${name}.ts`))])
    // Not in the feature, the engine, the summary or another monitor: each takes it from the registry.
    // A monitor named as an object (`refunds`) may be another's object: `object: 'refunds'` is the table.
    const asObject = new RegExp(`(object|historyOf): '${name}'|reads: \\[[^\\]]*'${name}'[^\\]]*\\]`, 'g')
    const mentions = (f: string) => readFileSync(f, 'utf8').replace(asObject, '').includes(`'${name}'`)
    const elsewhere = files.filter((f) => f !== own[0] && mentions(f))
    expect(elsewhere.map(rel)).toEqual([])
  })

  it.each(MONITORS.map((m) => m.name))('%s is registered from its file', (name) => {
    expect(readFileSync(path.join(folder, 'monitors', 'index.ts'), 'utf8')).toContain(`from './${name}.js'`)
  })
})

describe('Add an object: its spec, one registry line, one stand-in line, its README table', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')

  it.each(OBJECTS.map((o) => [o.name, o.table]))('%s is served by the stand-in and its table %s documented', (name, table) => {
    expect(() => new StripeStandIn().collection(name)).not.toThrow()
    expect(readme).toContain(`\`${table}\``)
  })
})
