/** The store's data layer: open a database, bring it to the latest schema, query it with Kysely. */
export { openDatabase, parseDatabaseUrl, type DatabaseHandle, type DatabaseLocation, type DialectName, type OpenOptions } from './open.js';
export { migrateToLatest, MigrationError, pendingMigrations } from './migrations/index.js';
export { SYSTEM_ACCOUNTS } from './migrations/0001-initial.js';
export { toBytes, toBytesOrNull } from './bytes.js';
export { UnsafeIntegerError } from './safe-integers.js';
export type * from './schema.js';
