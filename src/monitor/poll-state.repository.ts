/** Per-tenant poll bookkeeping: the watcher's own health and the coverage report. */
import type { Selectable, Updateable } from 'kysely'
import type { Db, PollStateTable } from '../store/database.ts'

export type PollStateRow = Selectable<PollStateTable>

export const pollState = (db: Db, tenantKey: string): Promise<PollStateRow | undefined> =>
  db.selectFrom('poll_state').selectAll().where('tenant_key', '=', tenantKey).executeTakeFirst()

export async function savePollState(
  db: Db,
  tenantKey: string,
  set: Omit<Updateable<PollStateTable>, 'tenant_key'>,
): Promise<void> {
  const values = set
  await db
    .insertInto('poll_state')
    .values({ tenant_key: tenantKey, ...values })
    .onConflict((oc) =>
      Object.keys(values).length > 0
        ? oc.column('tenant_key').doUpdateSet(values)
        : oc.column('tenant_key').doNothing(),
    )
    .execute()
}
