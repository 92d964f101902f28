import { appendFileSync } from 'node:fs'
import path from 'node:path'
import { secretsOf } from '../src/secrets.js'

/**
 * Everything an action run prints or publishes in any test is appended, with the secrets that run
 * was given, to a capture file; jest's global teardown (test-support/secret-scan.mjs) then scans
 * them all and fails the suite if any secret appears anywhere.
 */
export function captureForSecretScan(inputs: Record<string, string>, env: Record<string, string | undefined>, text: string): void {
  const dir = process.env.SPM_SECRET_SCAN_DIR
  if (!dir || text === '') return
  const { strong, weak } = secretsOf(inputs['stripe-secret-key'] || env.STRIPE_SECRET_KEY || '', inputs['database-url'] || env.DATABASE_URL || '')
  // A weak password (1000, test) may appear in ordinary text; as a password it must not.
  const secrets = [...strong, ...weak.map((p) => `:${p}@`)]
  if (secrets.length === 0) return
  appendFileSync(
    path.join(dir, `${process.pid}.jsonl`),
    JSON.stringify({ test: typeof expect === 'undefined' ? undefined : expect.getState().currentTestName, secrets, text }) + '\n'
  )
}
