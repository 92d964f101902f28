import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { freePort } from './shared-postgres.mjs'

/**
 * A real PgBouncer (Debian's package) in front of the tests' Postgres, as users reach Supabase,
 * Neon's -pooler host and hosted PgBouncers: in transaction mode a server connection belongs to a
 * client for one transaction only, and the pool is small, so the action's connections share a few
 * server connections as they would in production. `.ci/run` installs the package; where it cannot
 * be had, `pgbouncerBinary()` says so and the tests that need it are skipped with that reason.
 */
export interface PgBouncer {
  /** The action's database-url: the pooler's port, the server's user, database and password. */
  url: string
  stop(): Promise<void>
  log(): string
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer']

/** The pgbouncer binary, or undefined (with `why`) where it is not installed. */
export function pgbouncerBinary(): { path?: string; why?: string } {
  const found = CANDIDATES.find((p) => existsSync(p))
  return found ? { path: found } : { why: 'pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)' }
}

export async function startPgBouncer(
  serverUrl: string,
  options: { poolMode?: 'transaction' | 'session'; poolSize?: number; maxClients?: number } = {}
): Promise<PgBouncer> {
  const binary = pgbouncerBinary().path
  if (!binary) throw new Error(pgbouncerBinary().why)
  const server = new URL(serverUrl)
  const dir = await mkdtemp(path.join(tmpdir(), 'spm-pgbouncer-'))
  // pgbouncer will not run as root: it drops to the postgres user, who must read its files and write its log.
  await chmod(dir, 0o777)
  const port = await freePort()
  const user = decodeURIComponent(server.username || 'postgres')
  const password = decodeURIComponent(server.password)
  const database = server.pathname.slice(1) || 'postgres'
  const ini = [
    '[databases]',
    `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database}${password ? ` password=${password}` : ''}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${path.join(dir, 'users.txt')}`,
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.poolSize ?? 3}`,
    `max_client_conn = ${options.maxClients ?? 200}`,
    'ignore_startup_parameters = extra_float_digits,options',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    'log_connections = 0',
    'log_disconnections = 0'
  ].join('\n')
  await writeFile(path.join(dir, 'pgbouncer.ini'), `${ini}\n`, { mode: 0o644 })
  await writeFile(path.join(dir, 'users.txt'), `"${user}" "${password}"\n`, { mode: 0o644 })
  const args = [...(process.getuid?.() === 0 ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')]
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password || 'x')}@127.0.0.1:${port}/${database}`
  const log = () => (existsSync(path.join(dir, 'pgbouncer.log')) ? readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8') : '') + stderr
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  // Ready once it answers a query through to the server.
  for (let i = 0; ; i++) {
    try {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query('SELECT 1')
      await client.end()
      break
    } catch (error) {
      if (child.exitCode !== null || i >= 100) {
        const why = `pgbouncer did not start: ${(error as Error).message}\n${log()}`
        await stop()
        throw new Error(why)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return { url, stop, log }
}
