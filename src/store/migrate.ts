/**
 * One migration system: Kysely's Migrator over a fixed, ordered list (no directory scan, so it
 * works the same from tsx, a build or a test). Names are `YYYYMMDDHHmm_<verb>_<noun>`.
 */
import { type Migration, type MigrationResult, Migrator } from 'kysely'
import { OperationalError } from '../shared/errors.ts'
import type { Dialect, Store } from './create-db.ts'
import { migration as createMonitoringTables } from './migrations/202608230900_create_monitoring_tables.ts'

const MIGRATIONS: readonly [string, (dialect: Dialect) => Migration][] = [
  ['202608230900_create_monitoring_tables', createMonitoringTables],
]

function migratorFor(store: Store): Migrator {
  const migrations = Object.fromEntries(
    MIGRATIONS.map(([name, make]) => [name, make(store.dialect)]),
  )
  return new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } })
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const { error, results } = await migratorFor(store).migrateToLatest()
  if (error) {
    throw new OperationalError(
      'ERR_STORE_MIGRATION_FAILED',
      {
        location: store.location,
        failed: (results ?? [])
          .filter((r) => r.status === 'Error')
          .map((r) => r.migrationName)
          .join(', '),
      },
      { cause: error, retryable: false },
    )
  }
  return (results ?? [])
    .filter((r: MigrationResult) => r.status === 'Success')
    .map((r) => r.migrationName)
}

/** Every known migration and whether it has been applied. */
export async function migrationStatus(store: Store): Promise<{ name: string; applied: boolean }[]> {
  const list = await migratorFor(store).getMigrations()
  return list.map((m) => ({ name: m.name, applied: m.executedAt !== undefined }))
}
