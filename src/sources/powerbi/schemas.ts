/**
 * zod schemas for every Power BI response the client reads (contract §3.0). They follow the
 * contract's rule "be liberal in what you accept": keys match case-insensitively (real responses
 * are camelCase, the swagger says PascalCase, admin routes mix both), every non-key field is
 * optional, unknown fields are dropped without failing, and enums compare case-insensitively
 * while keeping values Vigil does not know yet.
 */
import { z } from 'zod'

/**
 * An object schema whose keys match regardless of case: `IsRefreshable`, `isrefreshable` and
 * `isRefreshable` all land on `isRefreshable` (contract §2 "JSON casing").
 */
export function ciObject<T extends z.ZodRawShape>(shape: T) {
  const byLower = new Map(Object.keys(shape).map((k) => [k.toLowerCase(), k]))
  return z.preprocess((input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(input)) {
      const target = byLower.get(key.toLowerCase()) ?? key
      // An exact-case key wins over a differently cased duplicate.
      if (!(target in out) || target === key) out[target] = value
    }
    return out
  }, z.object(shape))
}

/** A string enum compared case-insensitively; unknown values pass through unchanged (§3.4: extensible enums). */
export function ciEnum<const K extends readonly [string, ...string[]]>(known: K) {
  return z
    .string()
    .transform(
      (value): K[number] | (string & {}) =>
        known.find((k) => k.toLowerCase() === value.toLowerCase()) ?? value,
    )
}

const str = z.string()
const opt = <S extends z.ZodTypeAny>(schema: S) => schema.optional()

/** `{ "@odata.context"?, value: T[] }` — the context is never relied on (contract §2). */
export const odataList = <S extends z.ZodTypeAny>(item: S) => ciObject({ value: z.array(item) })

export const GroupSchema = ciObject({
  id: str,
  name: str,
  isReadOnly: opt(z.boolean()),
  isOnDedicatedCapacity: opt(z.boolean()),
  capacityId: opt(str),
  dataflowStorageId: opt(str),
  defaultDatasetStorageFormat: opt(str),
  type: opt(str),
})
export type Group = z.output<typeof GroupSchema>

export const DatasetSchema = ciObject({
  id: str,
  name: str,
  webUrl: opt(str),
  description: opt(str),
  configuredBy: opt(str),
  createdDate: opt(str),
  addRowsAPIEnabled: opt(z.boolean()),
  /** True only for models that can refresh (import mode with a schedule or recent refresh). */
  isRefreshable: opt(z.boolean()),
  isOnPremGatewayRequired: opt(z.boolean()),
  targetStorageMode: opt(str),
  /** Admin routes spell it `ContentProviderType`; read case-insensitively. */
  contentProviderType: opt(str),
  workspaceId: opt(str),
  upstreamDataflows: opt(z.array(ciObject({ targetDataflowId: str, groupId: opt(str) }))),
})
export type Dataset = z.output<typeof DatasetSchema>

export const RefreshAttemptSchema = ciObject({
  attemptId: opt(z.number()),
  type: opt(ciEnum(['Data', 'Query'])),
  startTime: opt(str),
  endTime: opt(str),
  serviceExceptionJson: opt(str),
})

export const REFRESH_TYPES = [
  'Scheduled',
  'OnDemand',
  'ViaApi',
  'ViaXmlaEndpoint',
  'ViaEnhancedApi',
  'OnDemandTraining',
  'ReliableProcessing',
] as const
export const REFRESH_STATUSES = ['Unknown', 'Completed', 'Failed', 'Disabled', 'Cancelled'] as const
export const EXTENDED_STATUSES = [
  'Unknown',
  'NotStarted',
  'InProgress',
  'Completed',
  'TimedOut',
  'Failed',
  'Disabled',
  'Cancelled',
] as const

export const RefreshSchema = ciObject({
  requestId: opt(str),
  /** Undocumented int64 sequence seen in real responses (contract §3.4). */
  id: opt(z.number()),
  refreshType: opt(ciEnum(REFRESH_TYPES)),
  startTime: opt(str),
  /** Absent while the refresh runs. */
  endTime: opt(str),
  status: ciEnum(REFRESH_STATUSES),
  extendedStatus: opt(ciEnum(EXTENDED_STATUSES)),
  /** A JSON *string*; parse with parseServiceException. */
  serviceExceptionJson: opt(str),
  refreshAttempts: opt(z.array(RefreshAttemptSchema)),
})
export type Refresh = z.output<typeof RefreshSchema>

export const RefreshDetailSchema = ciObject({
  startTime: opt(str),
  endTime: opt(str),
  type: opt(str),
  commitMode: opt(str),
  status: ciEnum(REFRESH_STATUSES),
  extendedStatus: opt(ciEnum(EXTENDED_STATUSES)),
  currentRefreshType: opt(str),
  numberOfAttempts: opt(z.number()),
  objects: opt(z.array(ciObject({ table: str, partition: opt(str), status: opt(str) }))),
  messages: opt(z.array(ciObject({ code: opt(str), message: opt(str), type: opt(str) }))),
  refreshAttempts: opt(z.array(RefreshAttemptSchema)),
})
export type RefreshDetail = z.output<typeof RefreshDetailSchema>

export const RefreshScheduleSchema = ciObject({
  days: opt(z.array(str)),
  times: opt(z.array(str)),
  enabled: opt(z.boolean()),
  localTimeZoneId: opt(str),
  notifyOption: opt(str),
})
export type RefreshSchedule = z.output<typeof RefreshScheduleSchema>

export const DatasourceSchema = ciObject({
  datasourceType: opt(str),
  connectionDetails: opt(z.record(z.unknown())),
  datasourceId: opt(str),
  gatewayId: opt(str),
  name: opt(str),
})
export type Datasource = z.output<typeof DatasourceSchema>

export const ReportSchema = ciObject({
  id: str,
  name: str,
  reportType: opt(str),
  datasetId: opt(str),
  datasetWorkspaceId: opt(str),
  webUrl: opt(str),
})
export type Report = z.output<typeof ReportSchema>

export const DataflowSchema = ciObject({
  objectId: str,
  name: str,
  description: opt(str),
  configuredBy: opt(str),
  modelUrl: opt(str),
  workspaceId: opt(str),
})
export type Dataflow = z.output<typeof DataflowSchema>

export const DataflowTransactionSchema = ciObject({
  /** `<ISO timestamp>@<guid>$<n>` (contract §3.8); the only field always present. */
  id: str,
  refreshType: opt(str),
  startTime: opt(str),
  endTime: opt(str),
  /** Values undocumented; the emulator uses InProgress, Success, Failed, Cancelled. */
  status: opt(str),
})
export type DataflowTransaction = z.output<typeof DataflowTransactionSchema>

export const GatewaySchema = ciObject({
  id: str,
  name: opt(str),
  type: opt(str),
  gatewayStatus: opt(str),
  gatewayAnnotation: opt(str),
})
export type Gateway = z.output<typeof GatewaySchema>

export const GatewayDatasourceSchema = ciObject({
  id: str,
  gatewayId: opt(str),
  datasourceName: opt(str),
  datasourceType: opt(str),
  /** A JSON *string* on this endpoint (contract §3.9). */
  connectionDetails: opt(str),
  credentialType: opt(str),
})
export type GatewayDatasource = z.output<typeof GatewayDatasourceSchema>

export const GroupUserSchema = ciObject({
  identifier: opt(str),
  principalType: opt(str),
  groupUserAccessRight: opt(str),
  emailAddress: opt(str),
  displayName: opt(str),
})

export const AdminGroupSchema = ciObject({
  id: str,
  name: str,
  type: opt(str),
  state: opt(str),
  isOnDedicatedCapacity: opt(z.boolean()),
  capacityId: opt(str),
  description: opt(str),
  users: opt(z.array(GroupUserSchema)),
  reports: opt(z.array(ReportSchema)),
  datasets: opt(z.array(DatasetSchema)),
  dataflows: opt(z.array(DataflowSchema)),
})
export type AdminGroup = z.output<typeof AdminGroupSchema>

export const RefreshableSchema = ciObject({
  id: str,
  name: opt(str),
  kind: opt(str),
  startTime: opt(str),
  endTime: opt(str),
  refreshCount: opt(z.number()),
  refreshFailures: opt(z.number()),
  averageDuration: opt(z.number()),
  medianDuration: opt(z.number()),
  refreshesPerDay: opt(z.number()),
  lastRefresh: opt(RefreshSchema),
  refreshSchedule: opt(RefreshScheduleSchema),
  configuredBy: opt(z.array(str)),
  capacity: opt(ciObject({ id: str, displayName: opt(str), sku: opt(str), state: opt(str) })),
  group: opt(ciObject({ id: str, name: opt(str) })),
})
export type Refreshable = z.output<typeof RefreshableSchema>

// ------------------------------------------------------------------ error bodies (contract §4.1)

const PbiDetailSchema = ciObject({
  code: opt(str),
  detail: opt(ciObject({ type: opt(z.number()), value: opt(str) })),
})

const PbiErrorSchema = ciObject({
  code: opt(str),
  parameters: opt(z.unknown()),
  details: opt(z.array(PbiDetailSchema)),
  exceptionCulprit: opt(z.number()),
})
export type PbiError = z.output<typeof PbiErrorSchema>

/** Envelopes A–D and F in one schema; which fields are set tells them apart. */
export const ErrorBodySchema = ciObject({
  /** A/B: an object; F (OAuth2): a string such as `invalid_client`. */
  error: opt(
    z.union([
      str,
      ciObject({
        code: opt(str),
        message: opt(str),
        target: opt(str),
        'pbi.error': opt(PbiErrorSchema),
      }),
    ]),
  ),
  /** C (`message`) and D (`Message`), matched case-insensitively. */
  message: opt(str),
  error_description: opt(str),
  error_codes: opt(z.array(z.number())),
})

export interface ParsedErrorBody {
  readonly code?: string
  readonly message?: string
  readonly target?: string
  readonly details?: readonly { code: string; value: string }[]
  /** From "Retry in N seconds" in a 429 body (contract §5.3 item 2). */
  readonly retryInSec?: number
  /** AADSTS number of an Entra ID error (envelope F). */
  readonly aadsts?: number
}

const RETRY_IN = /Retry in (\d+) seconds?/i

/** Reads any Power BI / Entra ID error body; never throws; text that is not JSON becomes the message. */
export function parseErrorBody(text: string): ParsedErrorBody {
  const trimmed = text.trim()
  if (trimmed === '') return {}
  let json: unknown
  try {
    json = JSON.parse(trimmed)
  } catch {
    const retry = RETRY_IN.exec(trimmed)
    return {
      message: trimmed.slice(0, 500),
      ...(retry?.[1] ? { retryInSec: Number(retry[1]) } : {}),
    }
  }
  const parsed = ErrorBodySchema.safeParse(json)
  if (!parsed.success) return { message: trimmed.slice(0, 500) }
  const body = parsed.data
  const out: { -readonly [K in keyof ParsedErrorBody]: ParsedErrorBody[K] } = {}
  if (typeof body.error === 'string') {
    out.code = body.error
    const description = body.error_description?.split(/\r?\n/)[0]
    if (description) out.message = description
    const aadsts = body.error_codes?.[0]
    if (aadsts !== undefined) out.aadsts = aadsts
  } else if (body.error) {
    const pbi = body.error['pbi.error']
    const code = body.error.code ?? pbi?.code
    if (code) out.code = code
    if (body.error.target) out.target = body.error.target
    const details = (pbi?.details ?? []).flatMap((d) =>
      d.code && d.detail?.value !== undefined ? [{ code: d.code, value: d.detail.value }] : [],
    )
    if (details.length > 0) out.details = details
    const message =
      body.error.message ??
      details.find((d) => d.code === 'DM_ErrorDetailNameCode_UnderlyingErrorMessage')?.value
    if (message) out.message = message
  } else if (body.message) {
    out.message = body.message
  }
  const retry = out.message ? RETRY_IN.exec(out.message) : null
  if (retry?.[1]) out.retryInSec = Number(retry[1])
  return out
}

// ------------------------------------------------------------------ serviceExceptionJson (contract §3.0, §3.4)

export interface ServiceException {
  readonly shape: 'flat' | 'envelope' | 'raw'
  readonly code?: string
  readonly description?: string
  readonly details: readonly { code: string; value: string }[]
  readonly raw: string
}

const FlatExceptionSchema = ciObject({ errorCode: str, errorDescription: opt(str) })
const EnvelopeExceptionSchema = ciObject({
  error: ciObject({ code: str, 'pbi.error': opt(PbiErrorSchema) }),
})

/** Parses a refresh's `serviceExceptionJson` in either shape; falls back to the raw string. */
export function parseServiceException(raw: string): ServiceException {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return { shape: 'raw', details: [], raw }
  }
  const flat = FlatExceptionSchema.safeParse(json)
  if (flat.success) {
    return {
      shape: 'flat',
      code: flat.data.errorCode,
      ...(flat.data.errorDescription !== undefined
        ? { description: flat.data.errorDescription }
        : {}),
      details: [],
      raw,
    }
  }
  const envelope = EnvelopeExceptionSchema.safeParse(json)
  if (envelope.success) {
    const details = (envelope.data.error['pbi.error']?.details ?? []).flatMap((d) =>
      d.code && d.detail?.value !== undefined ? [{ code: d.code, value: d.detail.value }] : [],
    )
    const description = details.find(
      (d) => d.code === 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
    )?.value
    return {
      shape: 'envelope',
      code: envelope.data.error.code,
      ...(description !== undefined ? { description } : {}),
      details,
      raw,
    }
  }
  return { shape: 'raw', details: [], raw }
}

/**
 * Power BI timestamps are UTC but not always marked so: enhanced-refresh details carry no offset
 * (contract §2). Returns epoch ms, or undefined when absent or unreadable.
 */
export function parsePowerBiTime(value: string | undefined): number | undefined {
  if (!value) return undefined
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value)
  const t = Date.parse(hasZone ? value : `${value}Z`)
  return Number.isNaN(t) ? undefined : t
}

/** A refresh is running when its status is Unknown and it has no end time (contract §3.4). */
export const isRunning = (r: { status: string; endTime?: string | undefined }): boolean =>
  r.status === 'Unknown' && !r.endTime
