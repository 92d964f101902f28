import { ACCOUNTS_TABLE } from './accounts.js'
import { REJECTS_TABLE } from './rejects.js'
import { RUNS_TABLE } from './runs.js'
import { STATE_TABLE } from './state.js'

/** The tables the store keeps for its own bookkeeping in the schema: no object or input may take their names. */
export const STORE_TABLES: readonly string[] = [STATE_TABLE, REJECTS_TABLE, RUNS_TABLE, ACCOUNTS_TABLE]
