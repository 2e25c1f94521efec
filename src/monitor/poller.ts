/**
 * One poll cycle for one tenant (peers.md §5 items 1, 4–7; BRIEF "Polling economy"):
 *
 *   inventory  every `inventoryMinutes`: workspaces (member and, where allowed, admin), models,
 *              dataflows, gateways and their data sources' status; coverage gaps.
 *   refreshes  every cycle, but only for models that may have changed:
 *              - Premium models listed by the admin capacity refreshables call (one paged call):
 *                read history only when `lastRefresh` differs from what is stored;
 *              - other models: when running, when a schedule slot has passed without a refresh
 *                seen for it, or every `idleRecheckMinutes` (on-demand refreshes);
 *              reads use `$top = historyTop` and fall back to 60 when the stored watermark is not
 *              in the page; rows are deduplicated on requestId.
 *   schedules  read daily, and right after a new failure (to catch Power BI disabling it).
 *   dataflows  transactions every `dataflowMinutes`.
 *
 * Power BI is read first and the store written after, one model per transaction, so killing the
 * process at any point leaves either the old or the new state of each model: a restart re-reads
 * what was not recorded, and request-id dedupe makes the re-read harmless.
 */
import type { VigilConfig } from '../config/config.schema.ts'
import type { Diagnoser } from '../diagnosis/diagnose.ts'
import type { PowerBiClient } from '../sources/powerbi/client.ts'
import { isPowerBiError } from '../sources/powerbi/errors.ts'
import type { Refresh, RefreshSchedule, Refreshable } from '../sources/powerbi/schemas.ts'
import { fromBool, fromTime, toBool, toJson, toTime } from '../store/codecs.ts'
import type { Database } from '../store/database.ts'
import type { Kysely } from 'kysely'
import type { CoverageGap } from './coverage.ts'
import {
  activeDataflows,
  activeModels,
  markGone,
  type ModelRow,
  scheduleOf,
  setGatewayIds,
  setInRefreshables,
  setSchedule,
  upsertDataflow,
  upsertGateway,
  upsertGatewayDatasource,
  upsertModel,
  upsertWorkspace,
} from './inventory.repository.ts'
import {
  diagnoseRefresh,
  type DiagnosisSummary,
  type NormalisedRefresh,
  normaliseRefresh,
  normaliseTransaction,
} from './normalise.ts'
import { pollState, savePollState } from './poll-state.repository.ts'
import { ingestRefreshes, latestStarts, storedRequestIds } from './refresh.repository.ts'
import { rawCutoff } from './retention.ts'
import { lastSlotAtOrBefore } from './schedule.ts'

const MINUTE = 60_000
const FULL_TOP = 60
const PAGE = 5000
/** Schedules and data-source bindings change rarely: re-read daily. */
const DETAIL_MAX_AGE = 24 * 60 * MINUTE

export interface PollContext {
  readonly db: Kysely<Database>
  readonly client: PowerBiClient
  readonly diagnoser: Diagnoser
  readonly kbFingerprint: string
  readonly config: VigilConfig
  readonly tenantKey: string
  readonly now: () => number
}

export interface FailureSeen {
  readonly workspaceId: string
  readonly modelId: string
  readonly requestId: string
  readonly diagnosis: DiagnosisSummary | null
}

export interface TenantPollResult {
  readonly inventory: boolean
  readonly refreshesStored: number
  readonly historyReads: number
  readonly failures: FailureSeen[]
}

/** Errors about one item (no access, gone) become coverage gaps; anything else ends the cycle. */
function itemError(
  err: unknown,
): { code: string; status: number; upstream: string | undefined } | undefined {
  if (!isPowerBiError(err)) return undefined
  if (
    err.code === 'ERR_SOURCE_NOT_AUTHORIZED' ||
    err.code === 'ERR_SOURCE_NOT_FOUND' ||
    err.code === 'ERR_SOURCE_REQUEST_REJECTED'
  ) {
    return { code: err.code, status: err.info.httpStatus, upstream: err.info.upstreamCode }
  }
  return undefined
}

async function orGap<T>(
  gaps: CoverageGap[],
  gap: Omit<CoverageGap, 'code'>,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    const e = itemError(err)
    if (!e) throw err
    gaps.push({ ...gap, code: e.upstream ?? e.code })
    return undefined
  }
}

// ---------------------------------------------------------------- inventory

export async function pollInventory(ctx: PollContext): Promise<CoverageGap[]> {
  const { db, client, tenantKey } = ctx
  const started = ctx.now()
  const gaps: CoverageGap[] = []
  const groups: Awaited<ReturnType<PowerBiClient['listGroups']>> = []
  for (let skip = 0; ; skip += PAGE) {
    const page = await client.listGroups({ top: PAGE, skip })
    groups.push(...page)
    if (page.length < PAGE) break
  }
  for (const g of groups) {
    await upsertWorkspace(
      db,
      {
        tenantKey,
        id: g.id,
        name: g.name,
        premium: g.isOnDedicatedCapacity === true,
        access: 'member',
      },
      ctx.now(),
    )
  }
  // The admin API shows workspaces the principal is not a member of (and allows refreshables).
  let adminApi: boolean | null = null
  if (ctx.config.monitor.useRefreshables) {
    const admin = await orGap(
      gaps,
      {
        scope: 'admin',
        id: null,
        name: null,
        reason:
          'read-only admin APIs are not allowed for this service principal: no capacity refreshables change detector and no view of workspaces it is not a member of',
      },
      () => client.listAdminGroups({ top: PAGE }),
    )
    adminApi = admin !== undefined
    const member = new Set(groups.map((g) => g.id))
    for (const w of admin ?? []) {
      if (member.has(w.id) || w.type === 'PersonalGroup') continue
      await upsertWorkspace(
        db,
        {
          tenantKey,
          id: w.id,
          name: w.name,
          premium: w.isOnDedicatedCapacity === true,
          access: 'admin-only',
        },
        ctx.now(),
      )
      gaps.push({
        scope: 'workspace',
        id: w.id,
        name: w.name,
        reason:
          'the service principal is not a member of this workspace: its refresh history cannot be read',
        code: null,
      })
    }
  }
  for (const g of groups) {
    const datasets = await orGap(
      gaps,
      { scope: 'workspace', id: g.id, name: g.name, reason: 'models cannot be listed' },
      () => client.listDatasets(g.id),
    )
    for (const d of datasets ?? []) {
      await upsertModel(
        db,
        {
          tenantKey,
          id: d.id,
          workspaceId: g.id,
          name: d.name,
          refreshable: d.isRefreshable !== false,
          premium: g.isOnDedicatedCapacity === true,
        },
        ctx.now(),
      )
    }
    const dataflows = await orGap(
      gaps,
      { scope: 'workspace', id: g.id, name: g.name, reason: 'dataflows cannot be listed' },
      () => client.listDataflows(g.id),
    )
    for (const f of dataflows ?? [])
      await upsertDataflow(
        db,
        { tenantKey, id: f.objectId, workspaceId: g.id, name: f.name },
        ctx.now(),
      )
  }
  const gateways = await orGap(
    gaps,
    {
      scope: 'gateway',
      id: null,
      name: null,
      reason: 'gateways cannot be listed (the principal is not a gateway admin)',
    },
    () => client.listGateways(),
  )
  for (const gw of gateways ?? []) {
    await upsertGateway(
      db,
      { tenantKey, id: gw.id, name: gw.name ?? gw.id, status: gw.gatewayStatus ?? null },
      ctx.now(),
    )
    const sources = await orGap(
      gaps,
      {
        scope: 'gateway',
        id: gw.id,
        name: gw.name ?? null,
        reason: 'gateway data sources cannot be listed',
      },
      () => client.listGatewayDatasources(gw.id),
    )
    for (const s of sources ?? []) {
      const status = await orGap(
        gaps,
        {
          scope: 'gateway',
          id: gw.id,
          name: gw.name ?? null,
          reason: `status of data source ${s.id} cannot be read`,
        },
        () => client.getDatasourceStatus(gw.id, s.id),
      )
      await upsertGatewayDatasource(
        db,
        {
          tenantKey,
          gatewayId: gw.id,
          id: s.id,
          name: s.datasourceName ?? null,
          status: status === undefined ? 'unknown' : status.ok ? 'ok' : 'error',
          errorCode:
            status && !status.ok ? (status.error.info.upstreamCode ?? status.error.code) : null,
        },
        ctx.now(),
      )
    }
  }
  await markGone(db, tenantKey, started, ctx.now())
  await savePollState(db, tenantKey, {
    last_inventory_at: toTime(ctx.now()),
    admin_api: adminApi === null ? null : toBool(adminApi),
    coverage_json: toJson(gaps),
  })
  return gaps
}

// ---------------------------------------------------------------- refresh state

interface Due {
  readonly read: boolean
  readonly full: boolean
}

function decide(
  ctx: PollContext,
  m: ModelRow,
  latestStart: number | undefined,
  changed: Set<string> | undefined,
  now: number,
): Due {
  const polledAt = fromTime(m.history_polled_at)
  if (polledAt === null) return { read: true, full: true }
  // Covered by refreshables this cycle: read only what it says changed.
  if (changed && fromBool(m.in_refreshables)) return { read: changed.has(m.id), full: false }
  if (m.last_status === 'Unknown') return { read: true, full: false }
  if (now - polledAt >= ctx.config.monitor.idleRecheckMinutes * MINUTE)
    return { read: true, full: false }
  const schedule = scheduleOf(m)
  if (schedule && m.schedule_enabled !== 0) {
    const slot = lastSlotAtOrBefore(schedule, now)
    const window =
      (ctx.config.detectors.staleGraceMinutes + ctx.config.monitor.refreshMinutes) * MINUTE
    // A slot has passed, the refresh for it has not been seen, and it may still start.
    if (slot !== undefined && now - slot <= window && (latestStart ?? 0) < slot - 5 * MINUTE)
      return { read: true, full: false }
  }
  return { read: false, full: false }
}

function sameSchedule(a: RefreshSchedule | null, b: RefreshSchedule): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b)
}

/** Reads the capacity refreshables (Premium models); returns the ids whose last refresh changed. */
async function refreshablesChanges(
  ctx: PollContext,
  models: readonly ModelRow[],
): Promise<Set<string> | undefined> {
  const state = await pollState(ctx.db, ctx.tenantKey)
  if (!ctx.config.monitor.useRefreshables || state?.admin_api !== 1) return undefined
  const items: Refreshable[] = []
  try {
    for (let skip = 0; ; skip += PAGE) {
      const page = await ctx.client.listRefreshables({ top: PAGE, skip })
      items.push(...page)
      if (page.length < PAGE) break
    }
  } catch (err) {
    if (!itemError(err)) throw err
    await savePollState(ctx.db, ctx.tenantKey, { admin_api: 0 })
    return undefined
  }
  const byId = new Map(models.map((m) => [m.id, m]))
  const changed = new Set<string>()
  const covered: string[] = []
  for (const r of items) {
    const m = byId.get(r.id)
    if (!m) continue
    covered.push(r.id)
    if (r.refreshSchedule && !sameSchedule(scheduleOf(m), r.refreshSchedule)) {
      await setSchedule(ctx.db, ctx.tenantKey, m.id, r.refreshSchedule, ctx.now())
    }
    const last = r.lastRefresh
    if (last && (last.requestId !== m.last_request_id || last.status !== m.last_status))
      changed.add(r.id)
  }
  await setInRefreshables(ctx.db, ctx.tenantKey, covered)
  return changed
}

async function readHistory(
  ctx: PollContext,
  m: ModelRow,
  full: boolean,
): Promise<{ refreshes: NormalisedRefresh[]; reads: number }> {
  const known = full
    ? new Set<string>()
    : await storedRequestIds(ctx.db, ctx.tenantKey, 'model', m.id)
  const top = full || known.size === 0 ? FULL_TOP : ctx.config.monitor.historyTop
  const toRows = (page: Refresh[]) => page.flatMap((r) => normaliseRefresh(r, r) ?? [])
  let rows = toRows(await ctx.client.getRefreshHistory(m.workspace_id, m.id, top))
  let reads = 1
  // $top is not always honoured and a page may hold only new refreshes: when none of it is
  // known, read the whole history once (peers.md §5 item 1).
  if (top < FULL_TOP && rows.length >= top && !rows.some((r) => known.has(r.requestId))) {
    rows = toRows(await ctx.client.getRefreshHistory(m.workspace_id, m.id, FULL_TOP))
    reads++
  }
  return { refreshes: rows, reads }
}

export async function pollRefreshes(
  ctx: PollContext,
): Promise<Omit<TenantPollResult, 'inventory'>> {
  const { db, client, tenantKey } = ctx
  const models = (await activeModels(db, tenantKey)).filter((m) => fromBool(m.refreshable))
  const changed = await refreshablesChanges(ctx, models)
  const fresh = changed ? await activeModels(db, tenantKey) : models
  const latest = await latestStarts(db, tenantKey, 'model')
  const cutoff = rawCutoff(ctx.config.retention, ctx.now())
  let stored = 0
  let historyReads = 0
  const failures: FailureSeen[] = []
  for (const m of fresh.filter((x) => fromBool(x.refreshable))) {
    const now = ctx.now()
    const gap = { scope: 'model', id: m.id, name: m.name }
    const scheduleAge = now - (fromTime(m.schedule_read_at) ?? Number.NEGATIVE_INFINITY)
    // A disabled schedule is re-read at the inventory pace: someone switching it back on is news.
    const scheduleMaxAge =
      m.schedule_enabled === 0 ? ctx.config.monitor.inventoryMinutes * MINUTE : DETAIL_MAX_AGE
    if (scheduleAge > scheduleMaxAge && !(changed && fromBool(m.in_refreshables))) {
      const schedule = await orGap([], { ...gap, reason: 'schedule' }, () =>
        client.getRefreshSchedule(m.workspace_id, m.id),
      )
      await setSchedule(db, tenantKey, m.id, schedule ?? null, now)
      m.schedule_json = schedule ? toJson(schedule) : null
      m.schedule_enabled = schedule?.enabled === undefined ? null : toBool(schedule.enabled)
    }
    if (now - (fromTime(m.datasources_read_at) ?? Number.NEGATIVE_INFINITY) > DETAIL_MAX_AGE) {
      const sources = await orGap([], { ...gap, reason: 'datasources' }, () =>
        client.listDatasetDatasources(m.workspace_id, m.id),
      )
      await setGatewayIds(
        db,
        tenantKey,
        m.id,
        (sources ?? []).flatMap((s) => s.gatewayId ?? []),
        now,
      )
    }
    const due = decide(ctx, m, latest.get(m.id), changed, now)
    if (!due.read) continue
    const history = await orGap([], { ...gap, reason: 'history' }, () =>
      readHistory(ctx, m, due.full),
    )
    if (!history) continue
    historyReads += history.reads
    const keep = history.refreshes.filter((r) => r.start === null || r.start >= cutoff)
    const newest = [...history.refreshes].sort((a, b) => (b.start ?? 0) - (a.start ?? 0))[0]
    const result = await db.transaction().execute(async (trx) => {
      const res = await ingestRefreshes(trx, {
        tenantKey,
        workspaceId: m.workspace_id,
        itemKind: 'model',
        itemId: m.id,
        refreshes: keep,
        diagnose: (r) => diagnoseRefresh(ctx.diagnoser, r),
        kbFingerprint: ctx.kbFingerprint,
        now,
      })
      await trx
        .updateTable('models')
        .set({
          last_request_id: newest?.requestId ?? null,
          last_status: newest?.status ?? null,
          history_polled_at: toTime(now),
          // A new failure invalidates the schedule we know: Power BI may have just disabled it.
          ...(res.newFailures.length > 0 ? { schedule_read_at: null } : {}),
        })
        .where('tenant_key', '=', tenantKey)
        .where('id', '=', m.id)
        .execute()
      return res
    })
    stored += result.inserted
    for (const f of result.newFailures)
      failures.push({
        workspaceId: m.workspace_id,
        modelId: m.id,
        requestId: f.requestId,
        diagnosis: f.diagnosis,
      })
    // Power BI disables a schedule after 4 failures in a row: look right after a new failure.
    if (result.newFailures.length > 0) {
      const schedule = await orGap([], { ...gap, reason: 'schedule' }, () =>
        client.getRefreshSchedule(m.workspace_id, m.id),
      )
      if (schedule) await setSchedule(db, tenantKey, m.id, schedule, ctx.now())
    }
  }
  return { refreshesStored: stored, historyReads, failures }
}

export async function pollDataflows(ctx: PollContext): Promise<number> {
  const { db, client, tenantKey } = ctx
  let stored = 0
  const cutoff = rawCutoff(ctx.config.retention, ctx.now())
  for (const f of await activeDataflows(db, tenantKey)) {
    const now = ctx.now()
    const polled = fromTime(f.polled_at)
    if (polled !== null && now - polled < ctx.config.monitor.dataflowMinutes * MINUTE) continue
    const txs = await orGap(
      [],
      { scope: 'dataflow', id: f.id, name: f.name, reason: 'transactions' },
      () => client.listDataflowTransactions(f.workspace_id, f.id),
    )
    if (!txs) continue
    const rows = txs.map(normaliseTransaction).filter((r) => r.start === null || r.start >= cutoff)
    const res = await db.transaction().execute(async (trx) => {
      const r = await ingestRefreshes(trx, {
        tenantKey,
        workspaceId: f.workspace_id,
        itemKind: 'dataflow',
        itemId: f.id,
        refreshes: rows,
        diagnose: () => null,
        kbFingerprint: ctx.kbFingerprint,
        now,
      })
      await trx
        .updateTable('dataflows')
        .set({ polled_at: toTime(now) })
        .where('tenant_key', '=', tenantKey)
        .where('id', '=', f.id)
        .execute()
      return r
    })
    stored += res.inserted
  }
  return stored
}

/** Runs one cycle's Power BI reads and writes for a tenant; throws on tenant-wide problems. */
export async function pollTenant(ctx: PollContext): Promise<TenantPollResult> {
  const state = await pollState(ctx.db, ctx.tenantKey)
  const lastInventory = fromTime(state?.last_inventory_at ?? null)
  const inventory =
    lastInventory === null ||
    ctx.now() - lastInventory >= ctx.config.monitor.inventoryMinutes * MINUTE
  if (inventory) await pollInventory(ctx)
  const refreshes = await pollRefreshes(ctx)
  const dataflowRows = await pollDataflows(ctx)
  return { inventory, ...refreshes, refreshesStored: refreshes.refreshesStored + dataflowRows }
}
