import { generateAccount, type Account, type AccountOptions } from './account.js'
import { dropSchema, startPostgres, uniqueSchema, type StartOptions, type TestPostgres } from './postgres.js'
import { removeScratch } from './scratch.js'
import { StripeStandIn, type StandInOptions } from './stripe-standin.js'

/**
 * One integration test file's world: a Postgres for the file; per test a fresh schema and a fresh
 * Stripe stand-in, started after `setup` has filled it, both stopped and dropped after the test; and
 * a clock the stand-in and the runs share (tests move it) — or, without `start`, the real clock.
 * Registers its own jest hooks.
 */
export class World {
  private postgres: TestPostgres | undefined
  private standIn: StripeStandIn | undefined
  private schemaName = ''
  /** Unix seconds: the stand-in's time, and `now` for the action. */
  clock: number

  constructor(
    readonly prefix: string,
    private readonly options: {
      start?: number
      standIn?: StandInOptions
      setup?: (world: World) => void | Promise<void>
      /** The file's Postgres, when it is not the usual one (a server with TLS: its options, made when the file starts). */
      postgres?: () => StartOptions | Promise<StartOptions>
    } = {}
  ) {
    this.clock = options.start ?? Math.floor(Date.now() / 1000)
    beforeAll(async () => {
      this.postgres = await startPostgres(options.postgres ? await options.postgres() : {})
    })
    afterAll(async () => {
      removeScratch()
      await this.postgres?.stop()
    })
    beforeEach(async () => {
      this.schemaName = uniqueSchema(prefix)
      this.clock = options.start ?? Math.floor(Date.now() / 1000)
      this.standIn = this.makeStandIn(options.standIn)
      await options.setup?.(this)
      await this.standIn.start()
    })
    afterEach(async () => {
      await this.standIn?.stop()
      if (this.postgres) await dropSchema(this.postgres.url, this.schemaName)
    })
  }

  /** A stand-in of other options in place of this test's (a proxy that ignores cursors, other keys, latency). */
  async replaceStandIn(options: StandInOptions): Promise<StripeStandIn> {
    await this.standIn?.stop()
    this.standIn = this.makeStandIn(options)
    await this.standIn.start()
    return this.standIn
  }

  private makeStandIn(options: StandInOptions | undefined): StripeStandIn {
    const standIn = new StripeStandIn(options)
    if (this.options.start !== undefined) standIn.now = () => this.clock
    return standIn
  }

  get db(): TestPostgres {
    if (!this.postgres) throw new Error('the world is used outside a test')
    return this.postgres
  }

  get stripe(): StripeStandIn {
    if (!this.standIn) throw new Error('the world is used outside a test')
    return this.standIn
  }

  get schema(): string {
    return this.schemaName
  }

  /** The clock as a Date, for runAction's `now`. */
  get now(): Date {
    return new Date(this.clock * 1000)
  }
}

/** The day the linked-account suites live on: noon UTC, 26 November 2026. */
export const ACCOUNT_DAY = Math.floor(Date.UTC(2026, 10, 26, 12) / 1000)

/** A World whose stand-in serves a linked account generated per test from the clock (`account()` is this test's). */
export function accountWorld(prefix: string, options: (clock: number) => AccountOptions): { world: World; account: () => Account } {
  let account: Account | undefined
  const world = new World(prefix, {
    start: ACCOUNT_DAY,
    setup: ({ stripe, clock }) => {
      account = generateAccount(options(clock))
      stripe.addAccount(account)
    }
  })
  return {
    world,
    account: () => {
      if (!account) throw new Error('the account is made per test')
      return account
    }
  }
}
