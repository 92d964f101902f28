import type { Config } from '../../config.js'
import { specOf, type ObjectName } from '../../objects/registry.js'
import type { FeatureDatabase, RunFacts } from '../../report/feature.js'
import { indexName } from '../../store/schema.js'
import type { Sources } from './engine.js'
import { ACCOUNT_INDEX } from './queries.js'
import { unsyncedReasons } from './visibility.js'

/** The tables the monitors read: each object synced this run (and not failed), qualified; and whether charges' has the monitors' index. */
export async function sourcesOf(
  db: FeatureDatabase,
  config: Pick<Config, 'objects' | 'table' | 'statuses' | 'accounts'>,
  run: Pick<RunFacts, 'failures' | 'unreadable'>
): Promise<Sources> {
  const tables: Partial<Record<ObjectName, string>> = {}
  const unsynced = unsyncedReasons(config.objects, run)
  for (const name of config.objects) {
    if (unsynced.has(name)) continue
    tables[name] = db.table(name === 'charges' ? config.table : specOf(name).table)
  }
  const indexed = new Set<string>()
  if (tables.charges) {
    const [found] = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      db.table(indexName(config.table, ACCOUNT_INDEX.suffix))
    ])
    if (found?.present) indexed.add(tables.charges)
  }
  return { tables, failedCharges: config.statuses.has('failed'), accounts: config.accounts !== undefined, indexed, unsynced }
}
