import type Stripe from 'stripe'

/**
 * One Stripe object type as the action syncs it: where it is listed, which table holds it, how an
 * object becomes a row, which events change it. The fetcher, the writer, the cursor and the rate
 * limiter are shared by every object; adding an object is adding one of these.
 */

/** What every listed Stripe object has. */
export interface StripeObject {
  id: string
  object?: string
  created: number
}

/** One row as sent to Postgres (a JSON document per batch); timestamps as Unix seconds. */
export type Row = Record<string, unknown>

/**
 * A table column: a public contract (users query them), so names never change; new ones are only
 * added. `notNull` applies to new tables (a column added to an existing table stays nullable).
 */
export interface Column {
  name: string
  /** Postgres type. `timestamptz` columns written from rows arrive as Unix seconds. */
  type: string
  notNull?: boolean
  default?: string
  /** Written by the upsert from the row mapping; other columns are the action's own bookkeeping. */
  fromRow: boolean
  /** Set back to NULL whenever the object's data changes (work to redo, e.g. a payout's reconciliation). */
  resetOnChange?: boolean
}

export interface RowContext {
  apiVersion: string
  accountId: string | undefined
}

/** What Stripe answers when asked for an object it deleted (a customer). */
export interface DeletedObject {
  id: string
  deleted: true
}

export function isDeleted(object: StripeObject | DeletedObject): object is DeletedObject {
  return (object as { deleted?: unknown }).deleted === true
}

/** The SDK's resource for the object: only what the action calls. */
export interface Resource<T> {
  list(params: Record<string, unknown>): Promise<Stripe.ApiList<T>>
  retrieve(id: string, params?: Record<string, unknown>): Promise<T | DeletedObject>
}

/**
 * Rows of a second table written with each object, in the same transaction (a subscription's
 * items, an invoice's payments). A child the object no longer has keeps its row, with `removedColumn` set.
 */
export interface ChildTable<T> {
  table: string
  idColumn: string
  /** The column naming the parent object. */
  parentColumn: string
  /** Set when a child disappears from its parent (an item removed from a subscription); cleared if it comes back. */
  removedColumn: string
  columns: readonly Column[]
  indexes?: readonly string[]
  rows(object: T, context: RowContext): Row[]
  /**
   * When the object's embedded list is cut short (`has_more`), the whole list: fetched with the
   * SDK and put in place before the object is stored. Undefined when the embedded one is complete.
   */
  complete?(stripe: Stripe, object: T): Promise<T | undefined>
  /** Versions of each child over time (a subscription item's quantity and price), for history. */
  history?: ChildHistory
}

/** Every table an object's spec writes: its own (as named by default), its children's, and their histories. */
export function tablesOf(spec: Pick<ObjectSpec, 'table' | 'children' | 'history'>): string[] {
  const tables = [spec.table, spec.history?.table, ...(spec.children ?? []).flatMap((c) => [c.table, c.history?.table])]
  return tables.filter((t): t is string => t !== undefined)
}

/**
 * A table of child versions: a new one opens whenever a tracked column changes (as seen by a sync),
 * the old one closes, and removing the child closes its last. Each version is valid over
 * [valid_from, valid_to); the first one starts at the child's own creation time.
 */
export interface ChildHistory {
  table: string
  /** The column naming the child (or the object) in the history table. */
  childColumn: string
  /** The child's creation time (where its first version starts). */
  startColumn: string
  /** Child columns copied into each version. */
  copied: readonly string[]
  /** Of those, the ones whose change opens a new version. */
  tracked: readonly string[]
}

/** An object's status as the `status` input filters it. */
export interface StatusFilter<T> {
  /** Every value it takes, in the order people read them. */
  values: readonly string[]
  of(object: T): string
}

/** The values the `status` input takes: those of every object it filters, in order. */
export function statusValues(specs: ReadonlyArray<Pick<ObjectSpec, 'filter'>>): string[] {
  return [...new Set(specs.flatMap((s) => s.filter?.values ?? []))]
}

export interface ObjectSpec<T extends StripeObject = StripeObject, N extends string = string> {
  /** Its name in `objects` and in the registry (objects/registry.ts checks that the two agree). */
  name: N
  /** The `object` field Stripe sets on it: `charge`, `balance_transaction`, … */
  objectType: string
  /** For people: "charge", "balance transaction". */
  noun: string
  plural: string
  /** The table (the default of `tableInput` when it has one). */
  table: string
  /** A Connect platform's own object (application fees, transfers): not synced for its connected accounts. */
  platformOnly?: boolean
  /** The input that names the table instead (charges keep the original job's `table`). */
  tableInput?: 'table'
  /**
   * What the `status` input filters (charges): the values an object's status takes, and an object's.
   * Undefined: every object is kept.
   */
  filter?: StatusFilter<T>
  /** Primary key column (charges keep the original job's `charge_id`). */
  idColumn: string
  columns: readonly Column[]
  /** Columns to index, besides the key. */
  indexes: readonly string[]
  toRow(object: T, context: RowContext): Row
  /** The SDK resource. */
  resource(stripe: Stripe): Resource<T>
  /** Parameters every list request carries (subscriptions: `status=all`; invoices: their payments expanded). */
  listParams?: Readonly<Record<string, unknown>>
  /** Parameters of a retrieve (the same expansions as the list). */
  retrieveParams?: Readonly<Record<string, unknown>>
  /** The restricted-key permission the list and retrieve calls need. */
  permission: string
  /** The event types that can change a stored object (at most 20: Stripe's `types[]` limit). */
  events: readonly string[]
  /**
   * Events whose object no longer exists in Stripe's lists (a deleted customer): the event's own
   * copy is stored with `deleted_at` set, instead of re-fetching. The table has a `deleted_at` column.
   */
  deletionEvents?: readonly string[]
  /**
   * For an object without events of its own (balance transactions): event types that mean new
   * objects of this kind may exist (a charge succeeded → its balance transaction), so it is listed.
   */
  listWhen?: readonly string[]
  /**
   * When events were lost (no run for 25 days), how far back before the last replay objects could
   * have changed: those created since then are re-listed. Default 180 days (refunds, disputes).
   */
  resweepLookbackSeconds?: number
  /**
   * An event whose object is of another type but concerns one of these (a refund's event → its
   * charge; a discount's → its customer): the one it names. Events of this type need no rule.
   */
  referencedBy?(event: Stripe.Event): { id: string } | undefined
  /** Why an object cannot be stored as it is (a malformed shape), or undefined. */
  validate(object: T): string | undefined
  /**
   * Rows that Stripe changes without an event (a pending balance transaction becoming available):
   * an SQL condition on the table, with $1 = the run's time in Unix seconds. They are re-fetched.
   */
  stale?: { where: string }
  /** Tables written with each object (a subscription's items, its discounts). */
  children?: ReadonlyArray<ChildTable<T>>
  /** Versions of the object's own tracked columns over time (a subscription's status), for history. */
  history?: ChildHistory
  /** Other objects' tables this one writes to (payouts link balance transactions); names from the registry. */
  needs?: readonly string[]
  /** A Stripe Dashboard link to the object. */
  dashboardPath?(object: T): string
}

/**
 * Whether a value from Stripe (an event's object) may be one of the spec's objects: it has an id and
 * no other type. Whether it is whole is for `validate` to say.
 */
export function isObjectOf<T extends StripeObject>(spec: Pick<ObjectSpec<T>, 'objectType'>, value: unknown): value is T {
  if (typeof value !== 'object' || value === null) return false
  const { id, object } = value as { id?: unknown; object?: unknown }
  return typeof id === 'string' && (object === undefined || object === spec.objectType)
}

/** The object an event's object names in `field` (`charge`, `fee`), expanded or not. */
export function referencedIn(event: Stripe.Event, field: string): { id: string } | undefined {
  const object: object = event.data.object
  const id = idOf((object as Record<string, string | { id: string } | null | undefined>)[field])
  return id ? { id } : undefined
}

/** Stripe ids, customer and the like, whether expanded or not. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value == null) return null
  return typeof value === 'string' ? value : value.id
}

// The first run of validations: shapes the row mapping and the reports rely on.
const MIN_CREATED = Date.UTC(2009, 0, 1) / 1000
/** Stripe's `created` is never in the future; a day of clock skew is tolerated. */
const FUTURE_SLACK = 86400

export function checkCreated(created: unknown, now = Date.now() / 1000): string | undefined {
  if (typeof created !== 'number' || !Number.isSafeInteger(created)) return `created is not a whole number of seconds (${describe(created)})`
  if (created < MIN_CREATED || created > now + FUTURE_SLACK) return `created is out of range (${created})`
  return undefined
}

export function checkAmount(name: string, amount: unknown, optional = false): string | undefined {
  if (optional && amount == null) return undefined
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) return `${name} is not a whole number of minor units (${describe(amount)})`
  return undefined
}

export function checkCurrency(currency: unknown, optional = false): string | undefined {
  if (optional && currency == null) return undefined
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) return `currency is not a three-letter code (${describe(currency)})`
  return undefined
}

export function checkId(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '' || id.length > 255) return `id is not a Stripe id (${describe(id)})`
  return undefined
}

/** The checks an object's `validate` is made of: `check.id(o.id)`, `check.amount('amount', o.amount)`, …. */
export const check = { id: checkId, created: checkCreated, amount: checkAmount, currency: checkCurrency } as const

/** The first problem found, or undefined. */
export function firstProblem(...problems: Array<string | undefined>): string | undefined {
  return problems.find((p) => p !== undefined)
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 39)}…` : text
}

/** The columns every object table ends with: the action's bookkeeping and the whole object. */
export function commonColumns(options: { metadata: boolean }): Column[] {
  return [
    { name: 'livemode', type: 'boolean', fromRow: true },
    { name: 'account_id', type: 'text', fromRow: true },
    ...(options.metadata ? [{ name: 'metadata', type: 'jsonb', fromRow: true }] : []),
    { name: 'raw', type: 'jsonb', notNull: true, fromRow: true },
    { name: 'stripe_api_version', type: 'text', fromRow: true },
    { name: 'processed_at', type: 'timestamptz', notNull: true, default: 'now()', fromRow: false },
    { name: 'updated_at', type: 'timestamptz', fromRow: false }
  ]
}

/** The values of commonColumns for one object. */
export function commonValues(object: { livemode?: boolean; metadata?: unknown }, raw: unknown, context: RowContext, metadata: boolean): Row {
  return {
    livemode: object.livemode ?? null,
    account_id: context.accountId ?? null,
    ...(metadata ? { metadata: object.metadata ?? null } : {}),
    raw,
    stripe_api_version: context.apiVersion
  }
}
