/** Stored refreshes (models) and transactions (dataflows), deduplicated on request id. */
import type { Selectable } from 'kysely'
import { fromJson, fromTime, num, toJson, toTime } from '../store/codecs.ts'
import type { Db, RefreshesTable } from '../store/database.ts'
import type { DiagnosisSummary, NormalisedRefresh } from './normalise.ts'

export type RefreshRow = Selectable<RefreshesTable>
export type ItemKind = 'model' | 'dataflow'

export interface IngestResult {
  /** Rows inserted for the first time. */
  readonly inserted: number
  /** Rows inserted or updated (status or end changed). */
  readonly changed: number
  /** Refreshes that are (newly) Failed, with their diagnosis. */
  readonly newFailures: { requestId: string; diagnosis: DiagnosisSummary | null }[]
}

/**
 * Writes a page of refreshes: new request ids are inserted, known ones updated only when their
 * status or end changed (a refresh seen running, then finished). Re-reading the same page is a
 * no-op, which is what makes a restart after a kill neither lose nor duplicate a refresh.
 */
export async function ingestRefreshes(
  db: Db,
  options: {
    tenantKey: string
    workspaceId: string
    itemKind: ItemKind
    itemId: string
    refreshes: readonly NormalisedRefresh[]
    diagnose: (r: NormalisedRefresh) => DiagnosisSummary | null
    kbFingerprint: string
    now: number
  },
): Promise<IngestResult> {
  const { tenantKey, itemKind, itemId, now } = options
  if (options.refreshes.length === 0) return { inserted: 0, changed: 0, newFailures: [] }
  const existing = await db
    .selectFrom('refreshes')
    .select(['request_id', 'status', 'end_at', 'raw_json'])
    .where('tenant_key', '=', tenantKey)
    .where('item_kind', '=', itemKind)
    .where('item_id', '=', itemId)
    .where(
      'request_id',
      'in',
      options.refreshes.map((r) => r.requestId),
    )
    .execute()
  const known = new Map(existing.map((e) => [e.request_id, e]))
  let inserted = 0
  let changed = 0
  const newFailures: IngestResult['newFailures'] = []
  const seen = new Set<string>()
  for (const r of options.refreshes) {
    if (seen.has(r.requestId)) continue
    seen.add(r.requestId)
    const before = known.get(r.requestId)
    if (
      before &&
      before.status === r.status &&
      fromTime(before.end_at) === r.end &&
      before.raw_json === r.raw
    )
      continue
    const diagnosis = options.diagnose(r)
    const values = {
      refresh_type: r.refreshType,
      status: r.status,
      extended_status: r.extendedStatus,
      start_at: r.start,
      end_at: r.end,
      duration_ms: r.durationMs,
      attempts: r.attempts,
      error_code: r.errorCode,
      raw_json: r.raw,
      diagnosis_slug: diagnosis?.slug ?? null,
      diagnosis_category: diagnosis?.category ?? null,
      diagnosis_json: diagnosis ? toJson(diagnosis) : null,
      kb_fingerprint: diagnosis ? options.kbFingerprint : null,
      updated_at: toTime(now),
    }
    await db
      .insertInto('refreshes')
      .values({
        ...values,
        tenant_key: tenantKey,
        workspace_id: options.workspaceId,
        item_kind: itemKind,
        item_id: itemId,
        request_id: r.requestId,
        first_seen_at: toTime(now),
      })
      .onConflict((oc) =>
        oc.columns(['tenant_key', 'item_kind', 'item_id', 'request_id']).doUpdateSet(values),
      )
      .execute()
    if (!before) inserted++
    changed++
    if (r.status === 'Failed' && before?.status !== 'Failed')
      newFailures.push({ requestId: r.requestId, diagnosis })
  }
  return { inserted, changed, newFailures }
}

/** Start of the newest stored refresh per item. */
export async function latestStarts(
  db: Db,
  tenantKey: string,
  itemKind: ItemKind,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('refreshes')
    .select(['item_id', (eb) => eb.fn.max('start_at').as('latest')])
    .where('tenant_key', '=', tenantKey)
    .where('item_kind', '=', itemKind)
    .groupBy('item_id')
    .execute()
  const out = new Map<string, number>()
  for (const r of rows) if (r.latest !== null) out.set(r.item_id, num(r.latest))
  return out
}

/** Request ids already stored for one item (the watermark check of an incremental read). */
export async function storedRequestIds(
  db: Db,
  tenantKey: string,
  itemKind: ItemKind,
  itemId: string,
): Promise<Set<string>> {
  const rows = await db
    .selectFrom('refreshes')
    .select('request_id')
    .where('tenant_key', '=', tenantKey)
    .where('item_kind', '=', itemKind)
    .where('item_id', '=', itemId)
    .execute()
  return new Set(rows.map((r) => r.request_id))
}

/** Refreshes of a tenant that started after `since` or are still running, newest first. */
export const recentRefreshes = (db: Db, tenantKey: string, since: number): Promise<RefreshRow[]> =>
  db
    .selectFrom('refreshes')
    .selectAll()
    .where('tenant_key', '=', tenantKey)
    .where((eb) => eb.or([eb('start_at', '>=', toTime(since)), eb('end_at', 'is', null)]))
    .orderBy('start_at', 'desc')
    .orderBy('request_id', 'desc')
    .execute()

export const diagnosisOf = (row: Pick<RefreshRow, 'diagnosis_json'>): DiagnosisSummary | null =>
  fromJson<DiagnosisSummary | null>(row.diagnosis_json, null)
