import { createDb, databaseTarget } from '../../store/create-db.ts'
import { migrateToLatest, migrationStatus } from '../../store/migrate.ts'
import { parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil migrate [--status]

Applies pending database migrations to VIGIL_DATABASE_URL (default sqlite:./data/vigil.db);
--status lists them without applying.`

export async function migrateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    { status: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  )
  if (values.help) {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  const store = createDb(databaseTarget(process.env.VIGIL_DATABASE_URL))
  try {
    if (values.status) {
      for (const m of await migrationStatus(store))
        io.stdout(`${m.applied ? 'applied' : 'pending'}  ${m.name}\n`)
      return 0
    }
    const applied = await migrateToLatest(store)
    io.stdout(
      applied.length === 0
        ? `${store.location}: up to date\n`
        : `${store.location}: applied ${applied.join(', ')}\n`,
    )
    return 0
  } finally {
    await store.close()
  }
}
