// jest globalTeardown: scans everything every test's action runs printed or published (stdout,
// stderr, logs, annotations, outputs, job summaries, failure messages) for the secrets those runs
// were given. Any hit fails the suite. It also fails the suite when tests left temporary files or
// directories behind.
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { LEFTOVER } from './secret-scan-setup.mjs'

export default async function teardown() {
  await globalThis.spmSharedPostgres?.stop()
  const dir = process.env.SPM_SECRET_SCAN_DIR
  if (!dir) return
  let captures = 0
  const leaks = []
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line) continue
      const { test, secrets, text } = JSON.parse(line)
      captures++
      for (const secret of secrets) {
        if (text.includes(secret)) leaks.push(`${test}: a secret (${secret.slice(0, 3)}…, ${secret.length} characters) appears in what the action printed`)
      }
    }
  }
  rmSync(dir, { recursive: true, force: true })
  // This run's own temporary directory: what is left in it was left by this run's tests.
  const own = process.env.SPM_RUN_TMP
  const left = own ? readdirSync(own).filter((f) => LEFTOVER.test(f)) : []
  if (own) rmSync(own, { recursive: true, force: true })
  if (left.length > 0)
    throw new Error(`Tests left ${left.length} temporary entr${left.length === 1 ? 'y' : 'ies'} in their temporary directory: ${left.join(', ')}`)
  if (leaks.length > 0) throw new Error(`Secret scan: ${leaks.length} leak(s)\n${[...new Set(leaks)].join('\n')}`)
  console.log(`Secret scan: ${captures} captured action outputs scanned, no secret found.`)
}
