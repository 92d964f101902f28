// jest globalSetup: a fresh directory for the secret-scan captures of this run.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export default function setup() {
  process.env.SPM_SECRET_SCAN_DIR = mkdtempSync(path.join(tmpdir(), 'spm-secret-scan-'))
}
