/** Workspaces, models, dataflows and gateways as last seen by the inventory sweep. */
import type { Selectable } from 'kysely'
import { fromJson, toBool, toJson, toTime } from '../store/codecs.ts'
import type { Db, ModelsTable } from '../store/database.ts'
import type { RefreshSchedule } from '../sources/powerbi/schemas.ts'

export type ModelRow = Selectable<ModelsTable>

export async function upsertWorkspace(
  db: Db,
  w: { tenantKey: string; id: string; name: string; premium: boolean; access: string },
  now: number,
): Promise<void> {
  await db
    .insertInto('workspaces')
    .values({
      tenant_key: w.tenantKey,
      id: w.id,
      name: w.name,
      premium: toBool(w.premium),
      access: w.access,
      seen_at: toTime(now),
      gone_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_key', 'id']).doUpdateSet({
        name: w.name,
        premium: toBool(w.premium),
        access: w.access,
        seen_at: toTime(now),
        gone_at: null,
      }),
    )
    .execute()
}

export async function upsertModel(
  db: Db,
  m: {
    tenantKey: string
    id: string
    workspaceId: string
    name: string
    refreshable: boolean
    premium: boolean
  },
  now: number,
): Promise<void> {
  await db
    .insertInto('models')
    .values({
      tenant_key: m.tenantKey,
      id: m.id,
      workspace_id: m.workspaceId,
      name: m.name,
      refreshable: toBool(m.refreshable),
      premium: toBool(m.premium),
      schedule_seen_enabled: 0,
      in_refreshables: 0,
      seen_at: toTime(now),
    })
    .onConflict((oc) =>
      oc.columns(['tenant_key', 'id']).doUpdateSet({
        workspace_id: m.workspaceId,
        name: m.name,
        refreshable: toBool(m.refreshable),
        premium: toBool(m.premium),
        seen_at: toTime(now),
        gone_at: null,
      }),
    )
    .execute()
}

/** Marks items of a tenant not seen since `before` as gone (kept for history, not polled). */
export async function markGone(
  db: Db,
  tenantKey: string,
  before: number,
  now: number,
): Promise<void> {
  for (const table of ['workspaces', 'models', 'dataflows'] as const) {
    await db
      .updateTable(table)
      .set({ gone_at: toTime(now) })
      .where('tenant_key', '=', tenantKey)
      .where('seen_at', '<', toTime(before))
      .where('gone_at', 'is', null)
      .execute()
  }
}

/** Workspaces of a model's tenant that are gone: their models go too. */
export async function markModelsOfGoneWorkspaces(
  db: Db,
  tenantKey: string,
  workspaceIds: readonly string[],
  now: number,
): Promise<void> {
  if (workspaceIds.length === 0) return
  await db
    .updateTable('models')
    .set({ gone_at: toTime(now) })
    .where('tenant_key', '=', tenantKey)
    .where('workspace_id', 'in', [...workspaceIds])
    .execute()
}

export async function setSchedule(
  db: Db,
  tenantKey: string,
  modelId: string,
  schedule: RefreshSchedule | null,
  now: number,
): Promise<void> {
  const enabled = schedule?.enabled
  await db
    .updateTable('models')
    .set((eb) => ({
      schedule_json: schedule ? toJson(schedule) : null,
      schedule_enabled: enabled === undefined ? null : toBool(enabled),
      schedule_read_at: toTime(now),
      schedule_seen_enabled: enabled === true ? 1 : eb.ref('schedule_seen_enabled'),
    }))
    .where('tenant_key', '=', tenantKey)
    .where('id', '=', modelId)
    .execute()
}

export async function setGatewayIds(
  db: Db,
  tenantKey: string,
  modelId: string,
  gatewayIds: readonly string[],
  now: number,
): Promise<void> {
  await db
    .updateTable('models')
    .set({ gateway_ids: toJson([...new Set(gatewayIds)].sort()), datasources_read_at: toTime(now) })
    .where('tenant_key', '=', tenantKey)
    .where('id', '=', modelId)
    .execute()
}

export async function setInRefreshables(
  db: Db,
  tenantKey: string,
  ids: readonly string[],
): Promise<void> {
  await db
    .updateTable('models')
    .set({ in_refreshables: 0 })
    .where('tenant_key', '=', tenantKey)
    .execute()
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('models')
      .set({ in_refreshables: 1 })
      .where('tenant_key', '=', tenantKey)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute()
  }
}

export const activeModels = (db: Db, tenantKey: string): Promise<ModelRow[]> =>
  db
    .selectFrom('models')
    .selectAll()
    .where('tenant_key', '=', tenantKey)
    .where('gone_at', 'is', null)
    .orderBy('id')
    .execute()

export const scheduleOf = (row: ModelRow): RefreshSchedule | null =>
  fromJson<RefreshSchedule | null>(row.schedule_json, null)

export const gatewayIdsOf = (row: ModelRow): string[] => fromJson<string[]>(row.gateway_ids, [])

export async function upsertDataflow(
  db: Db,
  f: { tenantKey: string; id: string; workspaceId: string; name: string },
  now: number,
): Promise<void> {
  await db
    .insertInto('dataflows')
    .values({
      tenant_key: f.tenantKey,
      id: f.id,
      workspace_id: f.workspaceId,
      name: f.name,
      seen_at: toTime(now),
    })
    .onConflict((oc) =>
      oc.columns(['tenant_key', 'id']).doUpdateSet({
        workspace_id: f.workspaceId,
        name: f.name,
        seen_at: toTime(now),
        gone_at: null,
      }),
    )
    .execute()
}

export const activeDataflows = (db: Db, tenantKey: string) =>
  db
    .selectFrom('dataflows')
    .selectAll()
    .where('tenant_key', '=', tenantKey)
    .where('gone_at', 'is', null)
    .orderBy('id')
    .execute()

export async function upsertGateway(
  db: Db,
  g: { tenantKey: string; id: string; name: string; status: string | null },
  now: number,
): Promise<void> {
  await db
    .insertInto('gateways')
    .values({
      tenant_key: g.tenantKey,
      id: g.id,
      name: g.name,
      status: g.status,
      seen_at: toTime(now),
    })
    .onConflict((oc) =>
      oc
        .columns(['tenant_key', 'id'])
        .doUpdateSet({ name: g.name, status: g.status, seen_at: toTime(now) }),
    )
    .execute()
}

export async function upsertGatewayDatasource(
  db: Db,
  d: {
    tenantKey: string
    gatewayId: string
    id: string
    name: string | null
    status: string
    errorCode: string | null
  },
  now: number,
): Promise<void> {
  await db
    .insertInto('gateway_datasources')
    .values({
      tenant_key: d.tenantKey,
      gateway_id: d.gatewayId,
      id: d.id,
      name: d.name,
      status: d.status,
      error_code: d.errorCode,
      checked_at: toTime(now),
    })
    .onConflict((oc) =>
      oc.columns(['tenant_key', 'gateway_id', 'id']).doUpdateSet({
        name: d.name,
        status: d.status,
        error_code: d.errorCode,
        checked_at: toTime(now),
      }),
    )
    .execute()
}
