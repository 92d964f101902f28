import { chmod, chown, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { generate } from 'selfsigned'
import { runAction } from '../../src/main.js'
import { connect } from '../../src/store/connect.js'
import { generateCharges } from '../../test-support/fixtures.js'
import { startPostgres, type StartOptions, type TestPostgres } from '../../test-support/postgres.js'
import { recorder } from '../../test-support/recorder.js'
import { World } from '../../test-support/world.js'

// TLS to Postgres, as libpq does it, against three private servers: the World's, with TLS and a
// certificate made here (a CA, and a server certificate it signed for the name "localhost" only),
// one without TLS, and one that accepts TLS connections only.
let plain: TestPostgres
let tlsOnly: TestPostgres
let ca: string
let otherCa: string

async function makeCa(name: string) {
  return generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
    ]
  })
}

/** Makes the certificates, and the options of a server that uses them (`hostsslOnly`: it refuses plain connections). */
let withTls: (hostsslOnly: boolean) => StartOptions
const certificates = (async () => {
  const authority = await makeCa('Stripe Payment Monitor test CA')
  otherCa = (await makeCa('Some other CA')).cert
  ca = authority.cert
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: authority.private, cert: authority.cert },
    extensions: [
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] },
      { name: 'extKeyUsage', serverAuth: true }
    ]
  })
  withTls = (hostsslOnly: boolean) => ({
    embedded: true,
    postgresFlags: ['-c', 'ssl=on', '-c', 'ssl_cert_file=server.crt', '-c', 'ssl_key_file=server.key'],
    beforeStart: async (dir: string, user: { uid: number; gid: number } | undefined) => {
      await writeFile(path.join(dir, 'server.crt'), server.cert)
      await writeFile(path.join(dir, 'server.key'), server.private)
      await chmod(path.join(dir, 'server.key'), 0o600)
      if (hostsslOnly)
        await writeFile(path.join(dir, 'pg_hba.conf'), 'local all all password\nhostssl all all 127.0.0.1/32 password\nhostssl all all ::1/128 password\n')
      if (user) for (const f of ['server.crt', 'server.key', 'pg_hba.conf']) await chown(path.join(dir, f), user.uid, user.gid)
    }
  })
})()
// Certificates are made (in parallel with nothing) before the World starts its server with them.
const world = new World('tls', { postgres: async () => (await certificates, withTls(false)) })
beforeAll(async () => {
  await certificates
  ;[plain, tlsOnly] = await Promise.all([startPostgres({ embedded: true }), startPostgres(withTls(true))])
})
afterAll(async () => {
  await Promise.all([plain?.stop(), tlsOnly?.stop()])
})

function url(host: string, sslmode?: string, server: TestPostgres = world.db): string {
  const u = new URL(server.url)
  u.hostname = host
  if (sslmode) u.searchParams.set('sslmode', sslmode)
  return u.toString()
}

async function tlsInUse(databaseUrl: string, caCert?: string): Promise<boolean> {
  const client = await connect(databaseUrl, caCert)
  try {
    return (await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl
  } finally {
    await client.end()
  }
}

describe('sslmode', () => {
  it('disable: a plain connection', async () => {
    expect(await tlsInUse(url('127.0.0.1', 'disable'))).toBe(false)
  })

  it("prefer, and no sslmode (libpq's default): TLS when the server has it, plain when it has none", async () => {
    expect(await tlsInUse(url('127.0.0.1'))).toBe(true)
    expect(await tlsInUse(url('127.0.0.1', 'prefer'))).toBe(true)
    expect(await tlsInUse(url('127.0.0.1', undefined, plain))).toBe(false)
    expect(await tlsInUse(url('127.0.0.1', 'prefer', plain))).toBe(false)
  })

  it('allow: plain first, TLS when the server insists on it', async () => {
    expect(await tlsInUse(url('127.0.0.1', 'allow'))).toBe(false)
    expect(await tlsInUse(url('127.0.0.1', 'allow', tlsOnly))).toBe(true)
    await expect(tlsInUse(url('127.0.0.1', 'disable', tlsOnly))).rejects.toThrow(/no encryption|pg_hba/)
  })

  it('require: encrypted, certificate not checked; a server without TLS fails clearly', async () => {
    expect(await tlsInUse(url('127.0.0.1', 'require'))).toBe(true)
    await expect(tlsInUse(url('127.0.0.1', 'require', plain))).rejects.toThrow(/does not offer TLS/)
  })

  it('verify-ca: the chain must lead to the given CA; the host name is not checked', async () => {
    expect(await tlsInUse(url('127.0.0.1', 'verify-ca'), ca)).toBe(true)
    await expect(tlsInUse(url('127.0.0.1', 'verify-ca'), otherCa)).rejects.toThrow(/pass the right CA in database-ca-cert|not trusted|self-signed/)
    await expect(tlsInUse(url('127.0.0.1', 'verify-ca'))).rejects.toThrow(/database-ca-cert/)
  })

  it('verify-full: the chain and the host name', async () => {
    expect(await tlsInUse(url('localhost', 'verify-full'), ca)).toBe(true)
    await expect(tlsInUse(url('127.0.0.1', 'verify-full'), ca)).rejects.toThrow(/does not name this host/)
  })
})

it('the action syncs over verify-full with database-ca-cert', async () => {
  const stripe = world.stripe
  const now = Math.floor(Date.now() / 1000)
  stripe.addCharges(generateCharges({ count: 30, seed: 61, from: now - 86400, to: now - 60 }))
  const io = recorder({
    'stripe-secret-key': 'sk_test_TlsKey1',
    'database-url': url('localhost', 'verify-full'),
    'database-ca-cert': ca,
    'stripe-api-base': stripe.url,
    schema: world.schema,
    status: 'all',
    limit: 'all'
  })
  await runAction(io, { env: {} })
  expect(io.failed).toBeUndefined()
  expect(io.outputs.charges_stored).toBe('30')

  const wrong = recorder({ ...io.inputs, 'database-ca-cert': otherCa })
  await runAction(wrong, { env: {} })
  expect(wrong.failed).toMatch(/^Postgres: could not connect to Postgres at localhost:\d+: .*database-ca-cert/)
})
