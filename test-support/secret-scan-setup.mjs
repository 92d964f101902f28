// jest globalSetup: a private temporary directory for this run of the suite (TMPDIR, which the
// workers and every action run inherit), so two runs at once never see each other's files; a fresh
// directory in it for the secret-scan captures. The teardown fails the suite if tests leave
// temporary entries behind, then removes the private directory. Unless TEST_DATABASE_URL or
// DATABASE_URL names a server, it also starts the one Postgres every test file shares.
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startSharedPostgres } from './shared-postgres.mjs'

/** What the tests and the action create in the temp directory. */
export const LEFTOVER = /^(spm-|stripe-journal-)/

export default async function setup() {
  const own = mkdtempSync(path.join(tmpdir(), 'jest-spm-run-'))
  // Open like /tmp itself (sticky): embedded Postgres runs initdb as the postgres user, who reads files made here.
  chmodSync(own, 0o1777)
  process.env.SPM_RUN_TMP = own
  process.env.TMPDIR = own
  process.env.SPM_SECRET_SCAN_DIR = path.join(own, 'secret-scan')
  mkdirSync(process.env.SPM_SECRET_SCAN_DIR)
  if (!process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL) {
    const shared = await startSharedPostgres(own)
    // The workers start after this and inherit it: test-support/postgres.ts uses it as a given server.
    process.env.TEST_DATABASE_URL = shared.url
    globalThis.spmSharedPostgres = shared
  }
}
