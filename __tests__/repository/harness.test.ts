import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { blockedDirectory } from '../../test-support/postgres.js'
import { removeScratch, scratchDir } from '../../test-support/scratch.js'

afterAll(removeScratch)

// The demo and the tests start their own Postgres; as root it runs as the `postgres` user, which
// must reach the binaries. When it cannot, the harness names the directory in the way.
const asRootWithPostgresUser = (() => {
  if (process.getuid?.() !== 0) return false
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

;(asRootWithPostgresUser ? it : it.skip)('names the first directory the postgres user cannot enter', () => {
  const root = scratchDir('reach')
  chmodSync(root, 0o755)
  const locked = path.join(root, 'home')
  mkdirSync(path.join(locked, 'clone', 'bin'), { recursive: true })
  chmodSync(locked, 0o700)
  const binary = path.join(locked, 'clone', 'bin', 'initdb')
  writeFileSync(binary, '')
  expect(blockedDirectory(binary, 'postgres')).toBe(locked)
  chmodSync(locked, 0o755)
  expect(blockedDirectory(binary, 'postgres')).toBeUndefined()
})
