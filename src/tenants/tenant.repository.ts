import { toBool, toTime } from '../store/codecs.ts'
import type { Db, TenantsTable } from '../store/database.ts'
import type { Selectable } from 'kysely'

export type TenantRow = Selectable<TenantsTable>

export interface TenantWrite {
  readonly key: string
  readonly name: string
  readonly tenantId: string
  readonly clientId: string
  readonly secretEnc: string
  readonly authorityHost: string | null
  readonly apiUrl: string | null
  readonly origin: 'env' | 'config' | 'cli' | 'api'
}

export async function upsertTenant(db: Db, t: TenantWrite, now: number): Promise<void> {
  await db
    .insertInto('tenants')
    .values({
      key: t.key,
      name: t.name,
      tenant_id: t.tenantId,
      client_id: t.clientId,
      secret_enc: t.secretEnc,
      authority_host: t.authorityHost,
      api_url: t.apiUrl,
      origin: t.origin,
      enabled: toBool(true),
      created_at: toTime(now),
      updated_at: toTime(now),
    })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        name: t.name,
        tenant_id: t.tenantId,
        client_id: t.clientId,
        secret_enc: t.secretEnc,
        authority_host: t.authorityHost,
        api_url: t.apiUrl,
        origin: t.origin,
        updated_at: toTime(now),
      }),
    )
    .execute()
}

export const listTenantRows = (db: Db): Promise<TenantRow[]> =>
  db.selectFrom('tenants').selectAll().orderBy('key').execute()

export const findTenantRow = (db: Db, key: string): Promise<TenantRow | undefined> =>
  db.selectFrom('tenants').selectAll().where('key', '=', key).executeTakeFirst()

export async function deleteTenantRow(db: Db, key: string): Promise<boolean> {
  const res = await db.deleteFrom('tenants').where('key', '=', key).executeTakeFirst()
  return Number(res.numDeletedRows) > 0
}
