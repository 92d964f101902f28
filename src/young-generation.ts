import v8 from 'node:v8'

/**
 * Imported first by index.ts, before any other module is evaluated: V8 doubles its young
 * generation (where short-lived objects such as Stripe's JSON pages are made) whenever enough
 * survives a scavenge, up to 16 MB a semi-space, and a long sync always gets there — 32 MB of the
 * runner's memory for garbage. An action cannot pass `--max-semi-space-size` to node, but the
 * growth factor is read each time V8 grows the space, so a factor of 1 keeps it at its starting
 * size. Scavenges become more frequent and each stays as cheap (their cost is what survives).
 */
try {
  v8.setFlagsFromString('--semi-space-growth-factor=1')
} catch {
  // A runtime that refuses the flag keeps V8's default growth: memory is merely higher.
}
