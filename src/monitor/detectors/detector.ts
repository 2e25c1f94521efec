/**
 * A detector looks at a tenant's stored state (a `Snapshot`) and says which conditions hold now.
 * Detectors are pure: no API calls, no writes. incidents.ts turns their signals into incidents.
 */
import type { DetectorConfig } from '../../config/config.schema.ts'
import type { RefreshSchedule } from '../../sources/powerbi/schemas.ts'
import type { DiagnosisSummary } from '../normalise.ts'

export type Condition =
  | 'refresh_failed'
  | 'consecutive_failures'
  | 'schedule_disabled'
  | 'stale'
  | 'long_running'
  | 'slow'
  | 'gateway_outage'
  | 'credentials'
  | 'dataflow_failed'
  | 'monitor_stalled'
  | 'monitor_signin'
  | 'monitor_throttled'

export type Severity = 'low' | 'medium' | 'high' | 'critical'

export interface Signal {
  readonly subjectKind: 'model' | 'dataflow' | 'gateway' | 'tenant'
  readonly subjectId: string
  readonly severity: Severity
  readonly title: string
  /** Changes when a new occurrence happens (a new failed request id, a new count). */
  readonly key: string
  readonly occurrences?: number | undefined
  /** undefined: leave the incident's diagnosis alone; null: none. */
  readonly diagnosis?: DiagnosisSummary | null | undefined
  readonly details: Readonly<Record<string, unknown>>
}

export interface RefreshView {
  readonly requestId: string
  readonly status: string
  readonly refreshType: string | null
  readonly start: number | null
  readonly end: number | null
  readonly durationMs: number | null
  readonly errorCode: string | null
  readonly diagnosis: DiagnosisSummary | null
}

export interface ModelView {
  readonly id: string
  readonly workspaceId: string
  readonly name: string
  readonly premium: boolean
  readonly schedule: RefreshSchedule | null
  readonly scheduleEnabled: boolean | null
  readonly scheduleSeenEnabled: boolean
  readonly gatewayIds: readonly string[]
  /** Newest first (by start). */
  readonly refreshes: readonly RefreshView[]
}

export interface DataflowView {
  readonly id: string
  readonly workspaceId: string
  readonly name: string
  readonly transactions: readonly RefreshView[]
}

export interface PollHealth {
  readonly lastCycleOkAt: number | null
  readonly lastCycleStartedAt: number | null
  readonly lastErrorCode: string | null
  readonly signinFailingSince: number | null
  readonly throttledSince: number | null
}

export interface Snapshot {
  readonly tenantKey: string
  readonly now: number
  /** False when this cycle could not read Power BI: item detectors then keep their incidents as they are. */
  readonly fresh: boolean
  readonly models: readonly ModelView[]
  readonly dataflows: readonly DataflowView[]
  readonly gateways: readonly {
    id: string
    name: string
    unhealthySources: number
    errorCodes: readonly string[]
  }[]
  readonly health: PollHealth
  readonly refreshMinutes: number
}

export interface Detector {
  readonly condition: Condition
  /** Item detectors need fresh data; health detectors run on every cycle. */
  readonly needsFreshData: boolean
  detect(snapshot: Snapshot, config: DetectorConfig): Signal[]
}

/** Finished refreshes that count for success/failure streaks (cancelled ones are skipped). */
export const finished = (refreshes: readonly RefreshView[]): RefreshView[] =>
  refreshes.filter((r) => r.status === 'Completed' || r.status === 'Failed')

/** Failures in a row, from the newest finished refresh back. */
export function failureStreak(refreshes: readonly RefreshView[]): RefreshView[] {
  const streak: RefreshView[] = []
  for (const r of finished(refreshes)) {
    if (r.status !== 'Failed') break
    streak.push(r)
  }
  return streak
}

export const isRunning = (r: RefreshView): boolean => r.status === 'Unknown' && r.end === null

export const CREDENTIAL_CATEGORIES: ReadonlySet<string> = new Set(['credentials', 'authentication'])

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? 0
}

export const minutesText = (ms: number): string => `${String(Math.round(ms / 60_000))} min`
