/** Builds the detectors' view of a tenant from the store. */
import { fromBool, fromJson, fromTime } from '../store/codecs.ts'
import type { Db } from '../store/database.ts'
import type {
  DataflowView,
  ModelView,
  PollHealth,
  RefreshView,
  Snapshot,
} from './detectors/detector.ts'
import { activeDataflows, activeModels, gatewayIdsOf, scheduleOf } from './inventory.repository.ts'
import { pollState } from './poll-state.repository.ts'
import { diagnosisOf, recentRefreshes, type RefreshRow } from './refresh.repository.ts'

/** Baselines (p95, median) look this far back. */
const LOOKBACK = 35 * 86_400_000

const view = (r: RefreshRow): RefreshView => ({
  requestId: r.request_id,
  status: r.status,
  refreshType: r.refresh_type,
  start: fromTime(r.start_at),
  end: fromTime(r.end_at),
  durationMs: r.duration_ms,
  errorCode: r.error_code,
  diagnosis: diagnosisOf(r),
})

export async function pollHealth(db: Db, tenantKey: string): Promise<PollHealth> {
  const s = await pollState(db, tenantKey)
  return {
    lastCycleOkAt: fromTime(s?.last_cycle_ok_at ?? null),
    lastCycleStartedAt: fromTime(s?.last_cycle_started_at ?? null),
    lastErrorCode: s?.last_error_code ?? null,
    signinFailingSince: fromTime(s?.signin_failing_since ?? null),
    throttledSince: fromTime(s?.throttled_since ?? null),
  }
}

export async function buildSnapshot(
  db: Db,
  options: { tenantKey: string; now: number; fresh: boolean; refreshMinutes: number },
): Promise<Snapshot> {
  const { tenantKey, now } = options
  const rows = await recentRefreshes(db, tenantKey, now - LOOKBACK)
  const byItem = new Map<string, RefreshView[]>()
  for (const r of rows) {
    const key = `${r.item_kind}|${r.item_id}`
    const list = byItem.get(key) ?? []
    list.push(view(r))
    byItem.set(key, list)
  }
  // Running refreshes have no end and may sort anywhere: order newest start first.
  for (const list of byItem.values()) list.sort((a, b) => (b.start ?? 0) - (a.start ?? 0))
  const models: ModelView[] = (await activeModels(db, tenantKey))
    .filter((m) => fromBool(m.refreshable))
    .map((m) => ({
      id: m.id,
      workspaceId: m.workspace_id,
      name: m.name,
      premium: fromBool(m.premium),
      schedule: scheduleOf(m),
      scheduleEnabled: fromBool(m.schedule_enabled),
      scheduleSeenEnabled: fromBool(m.schedule_seen_enabled),
      gatewayIds: gatewayIdsOf(m),
      refreshes: byItem.get(`model|${m.id}`) ?? [],
    }))
  const dataflows: DataflowView[] = (await activeDataflows(db, tenantKey)).map((f) => ({
    id: f.id,
    workspaceId: f.workspace_id,
    name: f.name,
    transactions: byItem.get(`dataflow|${f.id}`) ?? [],
  }))
  const gatewayRows = await db
    .selectFrom('gateways')
    .selectAll()
    .where('tenant_key', '=', tenantKey)
    .execute()
  const sources = await db
    .selectFrom('gateway_datasources')
    .selectAll()
    .where('tenant_key', '=', tenantKey)
    .execute()
  const gateways = gatewayRows.map((g) => {
    const bad = sources.filter((s) => s.gateway_id === g.id && s.status === 'error')
    return {
      id: g.id,
      name: g.name,
      unhealthySources: bad.filter((s) => /Unreachable|Offline/i.test(s.error_code ?? '')).length,
      errorCodes: [...new Set(bad.flatMap((s) => s.error_code ?? []))],
    }
  })
  return {
    tenantKey,
    now,
    fresh: options.fresh,
    models,
    dataflows,
    gateways,
    health: await pollHealth(db, tenantKey),
    refreshMinutes: options.refreshMinutes,
  }
}

export const detailsOf = (json: string | null): Record<string, unknown> =>
  fromJson<Record<string, unknown>>(json, {})
