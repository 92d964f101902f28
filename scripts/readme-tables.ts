/**
 * `npm run docs`: action.yml's `inputs:` and `outputs:` and the README's inputs and outputs tables,
 * written from the declarations in the code (the generic ones in src/config.ts and
 * src/report/outputs.ts, each feature's in its folder). `npm run docs:check` fails when either file
 * differs from what the declarations give.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import type { InputDeclaration } from '../src/config.js'
import { INPUTS, OUTPUTS } from '../src/contract.js'
import type { OutputDeclaration } from '../src/report/feature.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** A YAML scalar on one line, quoted only when it must be. */
const scalar = (value: string) => stringify(value, { lineWidth: 0, singleQuote: true }).trimEnd()

/** The `inputs:` and `outputs:` blocks of action.yml. */
export function actionBlocks(inputs: readonly InputDeclaration[], outputs: readonly OutputDeclaration[]): string {
  const lines = ['inputs:']
  for (const input of inputs) {
    lines.push(`  ${input.name}:`, `    description: ${scalar(input.description)}`, '    required: false', `    default: ${scalar(input.default)}`)
  }
  lines.push('', 'outputs:')
  for (const output of outputs) lines.push(`  ${output.name}:`, `    description: ${scalar(output.description)}`)
  return `${lines.join('\n')}\n`
}

/** action.yml with its inputs and outputs written from the declarations (the rest kept as it is). */
export function renderActionYml(actionYml: string, inputs: readonly InputDeclaration[] = INPUTS, outputs: readonly OutputDeclaration[] = OUTPUTS): string {
  const start = actionYml.indexOf('\ninputs:\n')
  const end = actionYml.indexOf('\nruns:\n')
  if (start < 0 || end < start) throw new Error('action.yml has no inputs: … runs: blocks')
  return `${actionYml.slice(0, start + 1)}${actionBlocks(inputs, outputs)}${actionYml.slice(end)}`
}

const cell = (text: string) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim()

export function tables(inputs: readonly InputDeclaration[] = INPUTS, outputs: readonly OutputDeclaration[] = OUTPUTS): { inputs: string; outputs: string } {
  const inputRows = ['| input | default | since | meaning |', '| --- | --- | --- | --- |']
  for (const input of inputs) {
    const def = input.default === '' ? '—' : `\`${input.default}\``
    inputRows.push(`| \`${input.name}\` | ${def} | ${input.since} | ${cell(input.description)} |`)
  }
  const outputRows = ['| output | meaning |', '| --- | --- |']
  for (const output of outputs) outputRows.push(`| \`${output.name}\` | ${cell(output.description)} |`)
  return { inputs: inputRows.join('\n'), outputs: outputRows.join('\n') }
}

export function render(readme: string, inputs: readonly InputDeclaration[] = INPUTS, outputs: readonly OutputDeclaration[] = OUTPUTS): string {
  const t = tables(inputs, outputs)
  let out = readme
  for (const [name, table] of Object.entries(t)) {
    const pattern = new RegExp(`(<!-- ${name}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`)
    if (!pattern.test(out)) throw new Error(`README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> markers`)
    out = out.replace(pattern, `$1${table}\n$2`)
  }
  return out
}

function main(check: boolean): number {
  let status = 0
  for (const [file, write] of [
    ['action.yml', renderActionYml],
    ['README.md', render]
  ] as const) {
    const target = path.join(ROOT, file)
    const current = readFileSync(target, 'utf8')
    const wanted = write(current)
    if (wanted === current) {
      if (check) console.log(`${file}: inputs and outputs match the declarations.`)
    } else if (check) {
      console.error(`${file}: inputs or outputs differ from the declarations in src/: run \`npm run docs\` and commit ${file}.`)
      status = 1
    } else {
      writeFileSync(target, wanted)
      console.log(`${file}: inputs and outputs written from the declarations.`)
    }
  }
  return status
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.includes('--check'))
