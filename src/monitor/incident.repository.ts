/** Incidents and their timelines. One open incident per (tenant, subject, condition) is enforced by a partial unique index. */
import type { Selectable } from 'kysely'
import { toJson, toTime } from '../store/codecs.ts'
import type { Db, IncidentEventsTable, IncidentsTable } from '../store/database.ts'

export type IncidentRow = Selectable<IncidentsTable>
export type IncidentEventRow = Selectable<IncidentEventsTable>
export type IncidentState = 'open' | 'acknowledged' | 'snoozed' | 'resolved'

export const openIncidents = (db: Db, tenantKey?: string): Promise<IncidentRow[]> => {
  let q = db.selectFrom('incidents').selectAll().where('state', '<>', 'resolved')
  if (tenantKey !== undefined) q = q.where('tenant_key', '=', tenantKey)
  return q.orderBy('id').execute()
}

export const openIncidentsOf = (
  db: Db,
  tenantKey: string,
  condition: string,
): Promise<IncidentRow[]> =>
  db
    .selectFrom('incidents')
    .selectAll()
    .where('tenant_key', '=', tenantKey)
    .where('condition', '=', condition)
    .where('state', '<>', 'resolved')
    .execute()

export const incidentById = (db: Db, id: number): Promise<IncidentRow | undefined> =>
  db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst()

export const allIncidents = (db: Db, tenantKey?: string): Promise<IncidentRow[]> => {
  let q = db.selectFrom('incidents').selectAll()
  if (tenantKey !== undefined) q = q.where('tenant_key', '=', tenantKey)
  return q.orderBy('id').execute()
}

export interface IncidentFilter {
  readonly state?: IncidentState | undefined
  readonly condition?: string | undefined
  readonly limit?: number | undefined
}

/** Incidents newest first, optionally by state and condition. */
export const listIncidents = (db: Db, filter: IncidentFilter = {}): Promise<IncidentRow[]> => {
  let q = db.selectFrom('incidents').selectAll()
  if (filter.state !== undefined) q = q.where('state', '=', filter.state)
  if (filter.condition !== undefined) q = q.where('condition', '=', filter.condition)
  return q
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute()
}

export const timeline = (db: Db, incidentId: number): Promise<IncidentEventRow[]> =>
  db
    .selectFrom('incident_events')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute()

export async function insertIncident(
  db: Db,
  row: Omit<IncidentRow, 'id' | 'opened_at' | 'updated_at' | 'resolved_at' | 'snoozed_until'> & {
    at: number
  },
): Promise<number> {
  const { at, ...rest } = row
  const inserted = await db
    .insertInto('incidents')
    .values({
      ...rest,
      opened_at: toTime(at),
      updated_at: toTime(at),
      resolved_at: null,
      snoozed_until: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(inserted.id)
}

export async function updateIncident(
  db: Db,
  id: number,
  set: Partial<
    Omit<IncidentRow, 'id' | 'opened_at' | 'updated_at' | 'resolved_at' | 'snoozed_until'>
  > & {
    at: number
    resolvedAt?: number | null
    snoozedUntil?: number | null
  },
): Promise<void> {
  const { at, resolvedAt, snoozedUntil, ...rest } = set
  await db
    .updateTable('incidents')
    .set({
      ...rest,
      updated_at: toTime(at),
      ...(resolvedAt !== undefined ? { resolved_at: resolvedAt } : {}),
      ...(snoozedUntil !== undefined ? { snoozed_until: snoozedUntil } : {}),
    })
    .where('id', '=', id)
    .execute()
}

export async function addEvent(
  db: Db,
  incidentId: number,
  at: number,
  kind: string,
  message: string,
  data?: unknown,
): Promise<void> {
  await db
    .insertInto('incident_events')
    .values({
      incident_id: incidentId,
      at: toTime(at),
      kind,
      message,
      data_json: data === undefined ? null : toJson(data),
    })
    .execute()
}
