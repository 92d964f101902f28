import type { FeatureDatabase } from '../src/report/feature.js'

/**
 * A database stand-in for a feature's unit tests: it answers the queries the test expects (by a
 * pattern of their SQL) with rows the test gives, fails those the test says fail, records every
 * query it was asked, and refuses any other — naming it, so a feature's new query is never answered
 * by accident. Tables are qualified in a schema as the real one qualifies them.
 */
export class DatabaseStandIn implements FeatureDatabase {
  readonly asked: Array<{ sql: string; params: unknown[] }> = []
  private readonly answers: Array<{ pattern: RegExp; rows: (params: unknown[]) => Array<Record<string, unknown>> | Error }> = []

  constructor(readonly schema = 'unit') {}

  /** Answers SQL matching `pattern` with `rows` (or what it returns for the query's parameters). */
  answer(pattern: RegExp, rows: Array<Record<string, unknown>> | ((params: unknown[]) => Array<Record<string, unknown>>)): this {
    this.answers.push({ pattern, rows: typeof rows === 'function' ? rows : () => rows })
    return this
  }

  /** Fails SQL matching `pattern` with `error` (a lost connection, a missing privilege). */
  fail(pattern: RegExp, error: Error): this {
    this.answers.push({ pattern, rows: () => error })
    return this
  }

  async query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.asked.push({ sql, params })
    const found = this.answers.find((a) => a.pattern.test(sql))
    if (!found) throw new Error(`DatabaseStandIn: no answer for ${sql.replace(/\s+/g, ' ').slice(0, 200)}`)
    const rows = found.rows(params)
    if (rows instanceof Error) throw rows
    return rows as R[]
  }

  table(name: string): string {
    return `"${this.schema}"."${name}"`
  }
}
