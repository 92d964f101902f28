import v8 from 'node:v8'

/**
 * Imported first by index.ts, before any other module is evaluated. An action cannot pass flags to
 * node, but V8 reads these two each time it decides, so setting them here works:
 *
 * - `--semi-space-growth-factor=1`: V8 doubles its young generation (where short-lived objects such
 *   as Stripe's JSON pages are made) whenever enough survives a scavenge, up to 16 MB a semi-space,
 *   and a long sync always gets there: 32 MB of the runner's memory for garbage. A factor of 1 keeps
 *   it at its starting size. Scavenges come more often and each stays as cheap (their cost is what
 *   survives).
 * - `--no-turbofan`: the optimizing compiler's code and working memory came to 7–12 MB of a sync's
 *   peak, and bought nothing measurable where a run is paced: its time goes to Stripe's pace, JSON
 *   parsing and Postgres (the same CPU time on 100,000 charges at 100 requests/s, and on a 7-day
 *   backtest, with it and without). An unpaced 1,000,000-charge run may be a few percent slower
 *   (6,305–7,390 charges/s over three runs, 7,455 with it). Node's baseline compilers still compile
 *   hot code.
 */
for (const flag of ['--semi-space-growth-factor=1', '--no-turbofan']) {
  try {
    v8.setFlagsFromString(flag)
  } catch {
    // A runtime that refuses a flag keeps V8's default: memory is merely higher.
  }
}
