/**
 * Turns the scenario's state into the JSON Power BI sends: camelCase keys (except the admin
 * `ContentProviderType`), fields omitted rather than null, `serviceExceptionJson` as a string,
 * history timestamps with `Z`, enhanced-detail timestamps without an offset (contract §2, §3, §6).
 */
import type { DatasetState, Run, Transaction } from './scenario.ts'
import type {
  Capacity,
  Dataflow,
  Dataset,
  Gateway,
  Report,
  Source,
  Tenant,
  Workspace,
} from './tenants.ts'

/** Where real responses say they come from; clients must never depend on it (contract §2). */
export const ODATA_BASE =
  'https://wabi-west-europe-e-primary-redirect.analysis.windows.net/v1.0/myorg'

export const iso = (t: number): string => new Date(t).toISOString()
/** Enhanced-refresh detail timestamps carry no offset: `2021-12-10T08:40:31.57` (contract §2). */
export const isoNoOffset = (t: number): string => iso(t).replace(/0*Z$/, '').replace(/\.$/, '')
/** Admin datasets may carry a local offset: `2019-04-30T21:35:15.867-07:00` (contract §2). */
export const isoPacific = (t: number): string => iso(t - 7 * 3_600_000).replace('Z', '-07:00')

export function odataList(
  entity: string,
  value: readonly unknown[],
): { '@odata.context': string; value: readonly unknown[] } {
  return { '@odata.context': `${ODATA_BASE}/$metadata#${entity}`, value }
}

export function group(w: Workspace): Record<string, unknown> {
  return {
    id: w.id,
    isReadOnly: false,
    isOnDedicatedCapacity: w.premium,
    ...(w.capacityId ? { capacityId: w.capacityId, defaultDatasetStorageFormat: 'Small' } : {}),
    type: 'Workspace',
    name: w.name,
  }
}

export function dataset(d: Dataset, admin = false): Record<string, unknown> {
  const refreshable = d.importMode
  const base: Record<string, unknown> = {
    id: d.id,
    name: d.name,
    webUrl: `https://app.powerbi.com/groups/${d.workspaceId}/datasets/${d.id}`,
    addRowsAPIEnabled: false,
    configuredBy: d.configuredBy,
    isRefreshable: refreshable,
    isEffectiveIdentityRequired: false,
    isEffectiveIdentityRolesRequired: false,
    isOnPremGatewayRequired: false,
    targetStorageMode: d.premium ? 'PremiumFiles' : 'Abf',
    createdDate: admin ? isoPacific(d.createdDate) : iso(d.createdDate),
    createReportEmbedURL: `https://app.powerbi.com/reportEmbed?config=${d.id}`,
    qnaEmbedURL: `https://app.powerbi.com/qnaEmbed?config=${d.id}`,
    upstreamDatasets: [],
    users: [],
    isInPlaceSharingEnabled: false,
  }
  // Admin expansions spell this one key with a capital C in Microsoft's own example (contract §2).
  if (admin) base.ContentProviderType = refreshable ? 'PbixInImportMode' : 'PbixInDirectQueryMode'
  return base
}

export function report(r: Report): Record<string, unknown> {
  return {
    id: r.id,
    reportType: r.reportType,
    name: r.name,
    webUrl: `https://app.powerbi.com/groups/${r.workspaceId}/reports/${r.id}`,
    embedUrl: `https://app.powerbi.com/reportEmbed?reportId=${r.id}&groupId=${r.workspaceId}`,
    isFromPbix: r.reportType === 'PowerBIReport',
    isOwnedByMe: false,
    ...(r.datasetId ? { datasetId: r.datasetId, datasetWorkspaceId: r.datasetWorkspaceId } : {}),
    users: [],
    subscriptions: [],
  }
}

export function dataflow(f: Dataflow): Record<string, unknown> {
  return {
    objectId: f.objectId,
    name: f.name,
    description: f.description,
    configuredBy: f.configuredBy,
    modelUrl: `https://${f.tenantId.slice(0, 8)}.dfs.core.windows.net/powerbi/${f.workspaceId}/${f.objectId}/model.json`,
    users: [],
  }
}

export function transaction(t: Transaction): Record<string, unknown> {
  return {
    id: t.id,
    refreshType: t.refreshType,
    startTime: iso(t.start),
    ...(t.end !== undefined ? { endTime: iso(t.end) } : {}),
    status: t.status,
  }
}

export function schedule(d: Dataset): Record<string, unknown> {
  return {
    '@odata.context': `${ODATA_BASE}/$metadata#Microsoft.PowerBI.ServiceContracts.Api.V1.RefreshSchedule`,
    days: d.schedule.days,
    times: d.schedule.times,
    enabled: d.schedule.enabled,
    localTimeZoneId: d.schedule.localTimeZoneId,
    notifyOption: d.schedule.notifyOption,
  }
}

/** A refresh history entry as of `now`: attempts not yet started are hidden, running ones open. */
export function refresh(run: Run, now: number): Record<string, unknown> {
  const running = run.status === 'Unknown'
  const attempts = run.attempts
    .filter((a) => a.start <= now)
    .map((a) => {
      const open = a.end > now
      return {
        attemptId: a.attemptId,
        startTime: iso(a.start),
        ...(open ? {} : { endTime: iso(a.end) }),
        type: a.type,
        ...(!open && a.exceptionJson ? { serviceExceptionJson: a.exceptionJson } : {}),
      }
    })
  const entry: Record<string, unknown> = {
    requestId: run.requestId,
    id: run.id,
    refreshType: run.refreshType,
    startTime: iso(run.start),
  }
  if (!running && run.end !== undefined) entry.endTime = iso(run.end)
  entry.status = run.status
  if (run.enhanced) entry.extendedStatus = extendedStatus(run, now)
  if (run.status === 'Failed' && run.outcome.kind === 'failed') {
    entry.serviceExceptionJson = run.outcome.failure.serviceExceptionJson
  }
  // In-progress entries may come without attempts (contract §6.4).
  if (attempts.length > 0 && !(running && run.enhanced && now < run.enhanced.notStartedUntil)) {
    entry.refreshAttempts = attempts
  }
  return entry
}

function extendedStatus(run: Run, now: number): string {
  if (run.status !== 'Unknown') return run.status
  return run.enhanced && now < run.enhanced.notStartedUntil ? 'NotStarted' : 'InProgress'
}

/** GET .../refreshes/{id} for an enhanced refresh (contract §3.5, §6.4). */
export function refreshDetail(run: Run, now: number): Record<string, unknown> {
  const enhanced = run.enhanced
  const running = run.status === 'Unknown'
  const progress = running ? (now - run.start) / Math.max(1, run.plannedEnd - run.start) : 1
  const objects = (enhanced?.objects ?? []).map((o, i, all) => ({
    table: o.table,
    partition: o.partition,
    status: running
      ? i / all.length < progress
        ? 'Completed'
        : extendedStatus(run, now) === 'NotStarted'
          ? 'NotStarted'
          : 'InProgress'
      : run.status === 'Completed'
        ? 'Completed'
        : run.status,
  }))
  const detail: Record<string, unknown> = {
    startTime: isoNoOffset(run.start),
    ...(!running && run.end !== undefined ? { endTime: isoNoOffset(run.end) } : {}),
    type: enhanced?.type ?? 'Full',
    commitMode: enhanced?.commitMode ?? 'Transactional',
    status: run.status,
    extendedStatus: extendedStatus(run, now),
    currentRefreshType: enhanced?.type ?? 'Full',
    numberOfAttempts: run.attempts.filter((a) => a.start <= now && a.type === 'Data').length,
    objects,
  }
  if (run.status === 'Failed' && run.outcome.kind === 'failed')
    detail.messages = run.outcome.failure.engineMessages
  detail.refreshAttempts = refresh(run, now).refreshAttempts ?? []
  return detail
}

export function gateway(g: Gateway, down: boolean): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    type: 'Resource',
    // Values of gatewayStatus are undocumented (contract §8.9); "Live" is our choice.
    gatewayStatus: down ? 'Unreachable' : 'Live',
    gatewayAnnotation: JSON.stringify({
      gatewayContactInformation: ['pbi.admin@example.com'],
      gatewayVersion: '3000.246.5',
    }),
    publicKey: { exponent: 'AQAB', modulus: 'o6j2....' },
  }
}

export function gatewayDatasource(s: Source): Record<string, unknown> {
  return {
    id: s.id,
    gatewayId: s.gatewayId,
    datasourceType: s.datasourceType,
    // A JSON *string* here, unlike the dataset datasources call (contract §3.9).
    connectionDetails: JSON.stringify(s.connectionDetails),
    credentialType: s.credentialType,
    datasourceName:
      `${s.connectionDetails.server ?? s.kindName} ${s.connectionDetails.database ?? ''}`.trim(),
    credentialDetails: { useEndUserOAuth2Credentials: false },
  }
}

export function datasetDatasource(s: Source): Record<string, unknown> {
  return {
    datasourceType: s.datasourceType,
    connectionDetails: s.connectionDetails,
    ...(s.via === 'gateway' ? { datasourceId: s.id, gatewayId: s.gatewayId } : {}),
  }
}

export interface AdminExpand {
  readonly users: boolean
  readonly reports: boolean
  readonly dashboards: boolean
  readonly datasets: boolean
  readonly dataflows: boolean
  readonly workbooks: boolean
}

export function adminGroup(
  w: Workspace,
  tenant: Tenant,
  expand: AdminExpand,
): Record<string, unknown> {
  const g: Record<string, unknown> = {
    ...group(w),
    description: '',
    state: 'Active',
    hasWorkspaceLevelSettings: false,
  }
  if (expand.users) {
    g.users = [
      {
        identifier: tenant.adminUser,
        emailAddress: tenant.adminUser,
        displayName: 'Power BI Admin',
        principalType: 'User',
        groupUserAccessRight: 'Admin',
      },
      ...(w.spMember
        ? [
            {
              identifier: tenant.clientId,
              displayName: 'Vigil monitor',
              principalType: 'App',
              groupUserAccessRight: 'Member',
            },
          ]
        : []),
    ]
  }
  if (expand.reports) g.reports = w.reports.map(report)
  if (expand.dashboards) g.dashboards = []
  if (expand.datasets)
    g.datasets = w.datasets.map((d) => ({ ...dataset(d, true), workspaceId: w.id }))
  if (expand.dataflows)
    g.dataflows = w.dataflows.map((f) => ({ ...dataflow(f), workspaceId: w.id }))
  if (expand.workbooks) g.workbooks = []
  return g
}

/** One admin refreshable: the last 7 days of a capacity model's refreshes (contract §3.10). */
export function refreshable(
  st: DatasetState,
  capacity: Capacity | undefined,
  now: number,
  expand: { capacity: boolean; group: boolean },
): Record<string, unknown> {
  const from = now - 7 * 86_400_000
  const done = st.history.filter((r) => r.start >= from && r.end !== undefined).slice(0, 60)
  const durations = done.map((r) => ((r.end ?? r.start) - r.start) / 1000).sort((a, b) => a - b)
  const mid = Math.floor(durations.length / 2)
  const median =
    durations.length === 0
      ? 0
      : durations.length % 2
        ? (durations[mid] ?? 0)
        : ((durations[mid - 1] ?? 0) + (durations[mid] ?? 0)) / 2
  const last = st.history[0]
  return {
    id: st.dataset.id,
    name: st.dataset.name,
    kind: 'Dataset',
    startTime: iso(from),
    endTime: iso(now),
    refreshCount: done.length,
    refreshFailures: done.filter((r) => r.status === 'Failed').length,
    averageDuration: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0,
    medianDuration: median,
    refreshesPerDay: Math.round((done.length / 7) * 100) / 100,
    ...(last ? { lastRefresh: refresh(last, now) } : {}),
    refreshSchedule: {
      days: st.dataset.schedule.days,
      times: st.dataset.schedule.times,
      enabled: st.dataset.schedule.enabled,
      localTimeZoneId: st.dataset.schedule.localTimeZoneId,
      notifyOption: st.dataset.schedule.notifyOption,
    },
    configuredBy: [st.dataset.configuredBy],
    ...(expand.capacity && capacity
      ? {
          capacity: {
            id: capacity.id,
            displayName: capacity.displayName,
            sku: capacity.sku,
            state: 'Active',
            region: capacity.region,
            capacityUserAccessRight: 'Admin',
          },
        }
      : {}),
    ...(expand.group ? { group: { id: st.workspace.id, name: st.workspace.name } } : {}),
  }
}
