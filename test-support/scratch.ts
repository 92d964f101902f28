import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** Temporary directories a test file made: removed by `removeScratch` (call it from afterAll). */
const made: string[] = []

/** A new temporary directory `spm-<prefix>-XXXXXX`, removed with the others by `removeScratch`. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `spm-${prefix}-`))
  made.push(dir)
  return dir
}

export function removeScratch(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}
