import { GENERIC_INPUTS, InputError, readConfig, type Config, type InputDeclaration, type ReadConfigOptions } from './config.js'
import { FEATURES } from './features/index.js'
import { OBJECTS, type ObjectName } from './objects/registry.js'
import { tablesOf, type Column } from './objects/spec.js'
import type { Feature } from './report/feature.js'
import type { OutputDeclaration } from './report/feature.js'
import { GENERIC_OUTPUTS } from './report/outputs.js'
import { tableOf, type SchemaLayout } from './session.js'
import { STORE_TABLES } from './store/reserved.js'
import type { IndexDefinition, TableDefinition } from './store/schema.js'
import type { ViewDefinition } from './store/view-kit.js'

/**
 * The action's public contract, assembled: every input and output (the generic ones, then each
 * feature's, in the registry's order) — what action.yml and the README's tables are written from —
 * and the reading of a run's inputs into its config and features.
 */
export const INPUTS: readonly InputDeclaration[] = [...GENERIC_INPUTS, ...FEATURES.flatMap((f) => f.inputs)]
export const OUTPUTS: readonly OutputDeclaration[] = [...GENERIC_OUTPUTS, ...FEATURES.flatMap((f) => f.outputs)]

/** A run's inputs, read: the generic config, the features the inputs call for, and what they add to the schema. */
export interface RunSetup {
  config: Config
  features: Feature[]
  layout: SchemaLayout
}

/**
 * Reads every input: the generic ones, then each feature's; a bad one throws an InputError naming it,
 * before any request or connection. `warn`: settings that have no effect, said once.
 */
export function readRun(options: ReadConfigOptions & { warn?: (message: string) => void }): RunSetup {
  const config = readConfig(options)
  const features: Feature[] = []
  const views: ViewDefinition[] = []
  const tables: TableDefinition[] = []
  const indexes: IndexDefinition[] = []
  const claims = new Map<ObjectName, Column>()
  for (const module of FEATURES) {
    const defaults = new Map(module.inputs.map((i) => [i.name, i.default]))
    const loaded = module.load(
      {
        get: (name) => {
          const fallback = defaults.get(name)
          if (fallback === undefined) throw new Error(`feature "${module.name}" reads input ${name}, which it does not declare`)
          const value = options.input(name).trim()
          return value === '' ? fallback : value
        },
        warn: options.warn ?? (() => {}),
        mask: (secret) => options.mask?.(secret, 'strong')
      },
      config
    )
    views.push(...loaded.views)
    tables.push(...(loaded.tables ?? []))
    for (const { object, ...index } of loaded.indexes ?? []) if (config.objects.includes(object)) indexes.push({ ...index, table: tableOf(config, object) })
    if (module.claims) claims.set(module.claims.object, module.claims.column)
    if (loaded.feature) features.push(loaded.feature)
  }
  const layout = { views, tables, indexes, claims }
  checkTableName(config.table, layout)
  return { config, features, layout }
}

/** The names the action gives its own tables and views in the schema: the store's, the objects' fixed tables, the features'. */
export function reservedNames(layout: Pick<SchemaLayout, 'views' | 'tables'>): string[] {
  return [
    ...STORE_TABLES,
    ...OBJECTS.filter((o) => !o.tableInput).flatMap((o) => tablesOf(o)),
    ...layout.tables.map((t) => t.table),
    ...layout.views.map((v) => v.name)
  ]
}

function checkTableName(table: string, layout: Pick<SchemaLayout, 'views' | 'tables'>): void {
  if (reservedNames(layout).includes(table.toLowerCase())) {
    throw new InputError(
      'table',
      `"${table}" is a name the action uses for its own table or view in the schema. Choose another (the default is processed_charges).`
    )
  }
}
