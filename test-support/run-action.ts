import { runAction, type RunOptions } from '../src/main.js'
import { FAST_RETRY, unpacedClock } from './fixtures.js'
import { recorder, type Recorder } from './recorder.js'
import { scratchDir } from './scratch.js'

/** Where a test's run reads and writes: its Postgres, its Stripe stand-in, its schema. */
export interface RunPlace {
  databaseUrl: string
  stripeUrl: string
  schema: string
}

/**
 * The inputs every in-process sync of a test shares: its place, every object of the range (`limit:
 * all`), and limits high enough that the stand-in, not the pace, sets the time.
 */
export function syncInputs(place: RunPlace): Record<string, string> {
  return {
    'database-url': place.databaseUrl,
    'stripe-api-base': place.stripeUrl,
    schema: place.schema,
    limit: 'all',
    'max-requests-per-second': '100',
    'max-total-requests-per-second': '100'
  }
}

/**
 * One run of the action in process with quick retries on a private repository; a failed run fails
 * the test with its message. Files it writes (journals) go to a scratch RUNNER_TEMP the World removes.
 */
export async function runOrThrow(inputs: Record<string, string>, options: RunOptions = {}): Promise<Recorder> {
  const io = recorder(inputs)
  await runAction(io, { env: { RUNNER_TEMP: scratchDir('runner-temp') }, retry: FAST_RETRY, clock: unpacedClock(), repositoryPrivate: true, ...options })
  if (io.failed) throw new Error(io.failed)
  return io
}
