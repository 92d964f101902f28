/**
 * One action run for `npm run bench`, in its own process so its memory is its own: runs
 * `runAction` with the given inputs and options and prints one JSON line with the outputs,
 * wall time and peak RSS.
 */
import { runAction } from '../src/main.js'
import { recorder } from '../test-support/recorder.js'

const { inputs, concurrency } = JSON.parse(process.argv[2]!) as { inputs: Record<string, string>; concurrency?: number }
const io = recorder(inputs)
const started = performance.now()
await runAction(io, { env: {}, concurrency })
const ms = performance.now() - started
console.log(JSON.stringify({ outputs: io.outputs, failed: io.failed, ms, maxRssMB: process.resourceUsage().maxRSS / 1024, logs: io.logs.slice(-3) }))
