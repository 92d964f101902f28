import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { render, renderActionYml, tables } from '../../scripts/readme-tables.js'
import { GENERIC_INPUTS, INPUT_DEFAULTS } from '../../src/config.js'
import { INPUTS, OUTPUTS } from '../../src/contract.js'
import { FEATURES } from '../../src/features/index.js'
import { privacy } from '../../src/report/privacy.js'
import { outputsOf, reportOf, setupOf } from '../../test-support/report.js'

// The public contract: every input and output the code declares is in action.yml with the same
// default and description, and the README's tables say the same; nothing outside a declaration is
// set; each feature sets exactly the outputs it declares.
const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')

interface Action {
  inputs: Record<string, { description: string; default: string; required: boolean }>
  outputs: Record<string, { description: string }>
}

describe('action.yml', () => {
  const action = parse(read('action.yml')) as Action

  it('declares exactly the inputs the code declares, with their defaults and descriptions', () => {
    expect(Object.keys(action.inputs)).toEqual(INPUTS.map((i) => i.name))
    for (const input of INPUTS) {
      expect(action.inputs[input.name]).toEqual({ description: input.description, required: false, default: input.default })
      expect(input.since).toMatch(/^\d+\.\d+\.\d+$/)
    }
    expect(Object.fromEntries(GENERIC_INPUTS.map((i) => [i.name, action.inputs[i.name]!.default]))).toEqual(INPUT_DEFAULTS)
  })

  it('declares exactly the outputs the code declares, with their descriptions', () => {
    expect(Object.keys(action.outputs)).toEqual(OUTPUTS.map((o) => o.name))
    for (const output of OUTPUTS) expect(action.outputs[output.name]).toEqual({ description: output.description })
  })

  it('is what `npm run docs` writes from the declarations', () => {
    expect(renderActionYml(read('action.yml'))).toBe(read('action.yml'))
  })

  it('has no name twice, and every feature’s names are its own', () => {
    expect(new Set(INPUTS.map((i) => i.name)).size).toBe(INPUTS.length)
    expect(new Set(OUTPUTS.map((o) => o.name)).size).toBe(OUTPUTS.length)
  })
})

describe('.env.example', () => {
  it('lists every input, as `npm run local-action` reads them', () => {
    const listed = read('.env.example')
      .split('\n')
      .flatMap((line) => /^INPUT_([A-Z0-9-]+)=/.exec(line)?.[1] ?? [])
    expect(listed.sort()).toEqual(INPUTS.map((i) => i.name.toUpperCase()).sort())
  })
})

describe('README tables', () => {
  it('list every input (with the version that added it) and output, and the committed README is current', () => {
    const t = tables()
    for (const input of INPUTS) expect(t.inputs).toContain(`| \`${input.name}\` |`)
    expect(t.inputs).toContain('| `journal-format` | `csv` | 1.2.0 |')
    expect(t.inputs).toContain('| `stripe-secret-key` | — | 1.0.0 |')
    for (const output of OUTPUTS) expect(t.outputs).toContain(`| \`${output.name}\` |`)
    expect(render(read('README.md'))).toBe(read('README.md'))
  })

  it('refuses a README without markers rather than dropping the tables', () => {
    expect(() => render('# no markers here\n')).toThrow(/markers/)
  })
})

describe('each feature', () => {
  // Every feature on: every object, a threshold, several accounts.
  const everything = {
    objects: 'all',
    'high-value-threshold': '100',
    'records-query': 'SELECT id AS record_id, total AS amount, currency, paid_at AS recorded_at FROM orders',
    'stripe-account': 'all',
    'dry-run': 'false',
    'database-url': 'postgres://u@h/d'
  }

  it.each(FEATURES.map((f) => [f.name, f] as const))('%s sets exactly the outputs it declares', (_name, module) => {
    const setup = setupOf(everything)
    const declared = module.outputs.map((o) => o.name)
    // The instance this module loads for the run (the one whose outputs are among the declared).
    const value = (name: string) => (everything as Record<string, string>)[name] ?? module.inputs.find((i) => i.name === name)!.default
    const loaded = module.load({ get: value, warn: () => {}, mask: () => {} }, setup.config).feature
    expect(loaded).toBeDefined()
    const report = reportOf({ ...setup, features: [loaded!] }, [])
    const context = { privacy: privacy('show'), dryRun: false, message: '', run: report }
    expect(Object.keys(loaded!.outputs?.(context) ?? {}).sort()).toEqual([...declared].sort())
    // And every declared output is set by a run, at least to its empty value.
    const out = outputsOf(reportOf(setupOf(), []))
    for (const name of declared) expect(out[name]).toBeDefined()
  })

  it('reads only the inputs it declares', () => {
    for (const module of FEATURES) {
      const asked: string[] = []
      const setup = setupOf(everything)
      module.load(
        { get: (name) => (asked.push(name), module.inputs.find((i) => i.name === name)?.default ?? ''), warn: () => {}, mask: () => {} },
        setup.config
      )
      for (const name of asked) expect(module.inputs.map((i) => i.name)).toContain(name)
    }
  })
})
