/**
 * Table types for Kysely. Timestamps, booleans and JSON use the encodings of codecs.ts: timestamps
 * are epoch ms integers, booleans 0/1, JSON is text.
 */
import type { ColumnType, Kysely, Transaction } from 'kysely'
import type { DbBool, DbTime } from './codecs.ts'

type Time = ColumnType<DbTime, number, number>
type TimeNullable = ColumnType<DbTime | null, number | null | undefined, number | null>
type Bool = ColumnType<DbBool, number, number>
/** Auto-increment key: a number on SQLite, a string (int8) on PostgreSQL; read with Number(). */
type AutoId = ColumnType<number | string, never, never>
type BoolNullable = ColumnType<DbBool | null, number | null | undefined, number | null>

export interface TenantsTable {
  /** Vigil's own key for the tenant (`default` for the environment tenant). */
  key: string
  name: string
  /** Entra ID tenant (GUID or domain). */
  tenant_id: string
  client_id: string
  /** AES-256-GCM ciphertext (config/secrets.ts), never the secret itself. */
  secret_enc: string
  authority_host: string | null
  api_url: string | null
  /** env | config | cli | api */
  origin: string
  enabled: Bool
  created_at: Time
  updated_at: Time
}

export interface WorkspacesTable {
  tenant_key: string
  id: string
  name: string
  premium: Bool
  /** member: the principal is in it; admin-only: seen through the admin API only. */
  access: string
  seen_at: Time
  gone_at: TimeNullable
}

export interface ModelsTable {
  tenant_key: string
  id: string
  workspace_id: string
  name: string
  refreshable: Bool
  premium: Bool
  schedule_json: string | null
  schedule_enabled: BoolNullable
  /** Set once the schedule has been seen enabled: a later `enabled: false` is news. */
  schedule_seen_enabled: Bool
  schedule_read_at: TimeNullable
  /** JSON array of gateway ids the model's data sources go through. */
  gateway_ids: string | null
  datasources_read_at: TimeNullable
  /** Covered by the admin refreshables call (a cheap change detector). */
  in_refreshables: Bool
  /** The newest refresh request id and status seen, to tell "changed" without reading history. */
  last_request_id: string | null
  last_status: string | null
  history_polled_at: TimeNullable
  seen_at: Time
  gone_at: TimeNullable
}

export interface DataflowsTable {
  tenant_key: string
  id: string
  workspace_id: string
  name: string
  polled_at: TimeNullable
  seen_at: Time
  gone_at: TimeNullable
}

export interface GatewaysTable {
  tenant_key: string
  id: string
  name: string
  status: string | null
  seen_at: Time
}

export interface GatewayDatasourcesTable {
  tenant_key: string
  gateway_id: string
  id: string
  name: string | null
  /** ok | error | unknown */
  status: string
  error_code: string | null
  checked_at: TimeNullable
}

export interface RefreshesTable {
  id: AutoId
  tenant_key: string
  workspace_id: string
  /** model | dataflow */
  item_kind: string
  item_id: string
  request_id: string
  refresh_type: string | null
  status: string
  extended_status: string | null
  start_at: TimeNullable
  end_at: TimeNullable
  duration_ms: number | null
  attempts: number
  error_code: string | null
  /** The refresh object exactly as Power BI sent it (JSON text). */
  raw_json: string
  diagnosis_slug: string | null
  diagnosis_category: string | null
  diagnosis_json: string | null
  kb_fingerprint: string | null
  first_seen_at: Time
  updated_at: Time
}

export interface IncidentsTable {
  id: AutoId
  tenant_key: string
  /** model | dataflow | gateway | tenant */
  subject_kind: string
  subject_id: string
  condition: string
  /** open | acknowledged | snoozed | resolved */
  state: string
  severity: string
  title: string
  opened_at: Time
  updated_at: Time
  resolved_at: TimeNullable
  snoozed_until: TimeNullable
  occurrences: number
  /** What makes a new occurrence (a request id, a failure count). */
  last_key: string | null
  diagnosis_slug: string | null
  diagnosis_category: string | null
  diagnosis_json: string | null
  details_json: string | null
}

export interface IncidentEventsTable {
  id: AutoId
  incident_id: ColumnType<number | string, number, number>
  at: Time
  /** opened | occurrence | escalated | rediagnosed | acknowledged | snoozed | reopened | resolved */
  kind: string
  message: string
  data_json: string | null
}

export interface PollStateTable {
  tenant_key: string
  last_cycle_started_at: TimeNullable
  last_cycle_ok_at: TimeNullable
  last_inventory_at: TimeNullable
  last_error_code: string | null
  last_error_at: TimeNullable
  signin_failing_since: TimeNullable
  throttled_since: TimeNullable
  admin_api: BoolNullable
  coverage_json: string | null
}

export interface DailyRollupsTable {
  tenant_key: string
  item_kind: string
  item_id: string
  /** UTC day, YYYY-MM-DD. */
  day: string
  refreshes: number
  failures: number
  total_duration_ms: ColumnType<DbTime, number, number>
  max_duration_ms: ColumnType<DbTime, number, number>
}

export interface MetaTable {
  key: string
  value: string
}

export interface Database {
  tenants: TenantsTable
  workspaces: WorkspacesTable
  models: ModelsTable
  dataflows: DataflowsTable
  gateways: GatewaysTable
  gateway_datasources: GatewayDatasourcesTable
  refreshes: RefreshesTable
  incidents: IncidentsTable
  incident_events: IncidentEventsTable
  poll_state: PollStateTable
  daily_rollups: DailyRollupsTable
  meta: MetaTable
}

/** What repositories take: the database or a transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>
