// jest globalSetup: a fresh directory for the secret-scan captures of this run, and a list of the
// temporary entries that exist before it (the teardown fails the suite if tests leave new ones).
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** What the tests and the action create in the temp directory. */
export const LEFTOVER = /^(spm-|stripe-journal-)/

export default function setup() {
  process.env.SPM_TEMP_BEFORE = JSON.stringify(readdirSync(tmpdir()).filter((f) => LEFTOVER.test(f)))
  process.env.SPM_SECRET_SCAN_DIR = mkdtempSync(path.join(tmpdir(), 'spm-secret-scan-'))
}
