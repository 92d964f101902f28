/**
 * The secrets a run must keep out of everything it prints or publishes. `strong` ones (the key, the
 * URL, a real password) are registered with the runner and removed wherever they appear. `weak`
 * ones — a password such as `1000`, `test` or `postgres`, which also occurs in ordinary text — are
 * removed only where they stand as a password (`:1000@host`, `password=1000`), so that a total of
 * 1000 or a link to /test/ stays intact; the runner is not asked to mask them everywhere.
 */
export interface Secrets {
  strong: string[]
  weak: string[]
}

/** Passwords that are common words or defaults: no one learns anything from seeing them, and masking them everywhere breaks ordinary text. */
const COMMON_PASSWORDS = new Set([
  'postgres',
  'password',
  'changeme',
  'secret',
  'admin',
  'root',
  'test',
  'testing',
  'example',
  'letmein',
  'welcome',
  'qwerty',
  'monitor',
  'stripe'
])

export function isStrongSecret(secret: string): boolean {
  return secret.length >= 8 && !/^\d+$/.test(secret) && !COMMON_PASSWORDS.has(secret.toLowerCase())
}

export function secretsOf(stripeKey: string, databaseUrl: string): Secrets {
  const strong = new Set<string>()
  const passwords = new Set<string>()
  if (stripeKey) strong.add(stripeKey)
  if (databaseUrl) {
    strong.add(databaseUrl)
    let password: string | undefined
    try {
      password = new URL(databaseUrl).password
    } catch {
      // Not a URL (parseDatabaseUrl will say so); still mask what looks like a password.
      password = /^[a-z]+:\/\/[^:/?#@]*:(.*)@[^@]*$/i.exec(databaseUrl)?.[1]
    }
    if (password) {
      passwords.add(password)
      try {
        passwords.add(decodeURIComponent(password))
      } catch {
        // A malformed %-escape: the raw form is masked, and parseDatabaseUrl rejects the URL.
      }
    }
  }
  const weak: string[] = []
  for (const p of passwords) {
    if (isStrongSecret(p)) strong.add(p)
    else weak.push(p)
  }
  return { strong: [...strong], weak }
}
