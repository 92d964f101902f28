/**
 * `npm run docs`: the README's inputs and outputs tables, generated from action.yml (the one source
 * of truth for the interface). `npm run docs:check` fails when the README differs.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface Action {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
}

const cell = (text: string) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim()

export function tables(actionYml: string): { inputs: string; outputs: string } {
  const action = parse(actionYml) as Action
  const inputs = ['| input | default | meaning |', '| --- | --- | --- |']
  for (const [name, input] of Object.entries(action.inputs)) {
    const def = input.default === undefined || input.default === '' ? '—' : `\`${input.default}\``
    inputs.push(`| \`${name}\` | ${def} | ${cell(input.description)} |`)
  }
  const outputs = ['| output | meaning |', '| --- | --- |']
  for (const [name, output] of Object.entries(action.outputs)) outputs.push(`| \`${name}\` | ${cell(output.description)} |`)
  return { inputs: inputs.join('\n'), outputs: outputs.join('\n') }
}

export function render(readme: string, actionYml: string): string {
  const t = tables(actionYml)
  let out = readme
  for (const [name, table] of Object.entries(t)) {
    const pattern = new RegExp(`(<!-- ${name}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`)
    if (!pattern.test(out)) throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> markers`)
    out = out.replace(pattern, `$1${table}\n$2`)
  }
  return out
}

function main(check: boolean): number {
  const readmePath = path.join(ROOT, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const wanted = render(readme, readFileSync(path.join(ROOT, 'action.yml'), 'utf8'))
  if (check) {
    if (wanted !== readme) {
      console.error("README.md's inputs or outputs table differs from action.yml: run `npm run docs` and commit README.md.")
      return 1
    }
    console.log("README.md's inputs and outputs tables match action.yml.")
  } else if (wanted !== readme) {
    writeFileSync(readmePath, wanted)
    console.log('README.md: inputs and outputs tables regenerated from action.yml.')
  }
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.includes('--check'))
