import { exponentSql } from '../currency.js'
import type { ObjectName } from '../objects/registry.js'
import { qualified } from './columns.js'

/** A reporting view: created with the tables it reads, replaced when its version or settings change. */
export interface ViewDefinition {
  name: string
  /** The objects whose tables the view reads. */
  requires: readonly ObjectName[]
  /** Objects whose tables the view reads when they exist (MRR reads coupons when they are synced). */
  uses?: readonly ObjectName[]
  version: number
  /** What it is, for the log. */
  about: string
  /**
   * Its settings (`mrr-discounts=forever`), kept in its comment with the `uses` tables that exist: a
   * change of either re-creates it.
   */
  settings?: string
  /** `available`: the objects of `requires` and `uses` whose tables exist. */
  sql(schema: string, tables: Readonly<Record<string, string>>, available: ReadonlySet<ObjectName>): string
}

/** An object's table, schema-qualified. */
export function tableRef(schema: string, tables: Readonly<Record<string, string>>, name: ObjectName): string {
  return qualified(schema, tables[name]!)
}

/** Minor units of `currency` → exact numeric major units with the currency's decimals (102.50, not 102.5). */
export function major(amount: string, currency: string): string {
  const exponent = exponentSql(currency)
  return `round((${amount})::numeric / power(10::numeric, ${exponent}), ${exponent})`
}
