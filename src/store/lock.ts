import type pg from 'pg'

/** One namespace for this action's advisory locks, so they cannot collide with the application's own. */
export const LOCK_CLASS = 'stripe-payment-monitor'

/**
 * Takes the run lock on a schema: a session-level advisory lock held until the connection closes
 * (a killed run's lock is released by the server with its connection). Every table the action
 * writes in the schema is behind it. Waits up to `timeoutSeconds`, polling, and returns false if
 * another run still holds it.
 */
export async function acquireRunLock(client: pg.Client, schema: string, timeoutSeconds: number, pollMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000
  for (;;) {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked', [LOCK_CLASS, schema])
    if (result.rows[0]?.locked) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))))
  }
}
