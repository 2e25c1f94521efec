/**
 * The monitor: tenants × (poll → detect → reconcile incidents), plus re-diagnosis when the error
 * reference changes and retention. `Monitor.cycle()` is one full cycle (what `vigil poll --once`
 * runs); `Monitor.run()` repeats it every `refreshMinutes` until stopped.
 */
import type { VigilConfig } from '../config/config.schema.ts'
import type { SecretKey } from '../config/secrets.ts'
import { diagnoserFor } from '../diagnosis/diagnosis.service.ts'
import type { KnowledgeBase } from '../kb/kb.ts'
import { createPowerBiClient, type PowerBiClient } from '../sources/powerbi/client.ts'
import { type Clock, systemClock } from '../sources/powerbi/clock.ts'
import { isPowerBiError } from '../sources/powerbi/errors.ts'
import { toTime } from '../store/codecs.ts'
import type { Store } from '../store/create-db.ts'
import { migrateToLatest } from '../store/migrate.ts'
import { deleteTenantRow } from '../tenants/tenant.repository.ts'
import {
  listTenants,
  saveTenant,
  syncTenants,
  type Tenant,
  type TenantInput,
} from '../tenants/tenant.service.ts'
import type { CoverageGap, CoverageReport } from './coverage.ts'
import { detectors } from './detectors/detectors.ts'
import type { Condition } from './detectors/detector.ts'
import { openIncidents } from './incident.repository.ts'
import { acknowledge, reconcile, snooze } from './incidents.ts'
import { kbFingerprint } from './normalise.ts'
import { pollState, savePollState } from './poll-state.repository.ts'
import { type FailureSeen, pollTenant } from './poller.ts'
import { rediagnose } from './rediagnose.ts'
import { applyRetention } from './retention.ts'
import { buildSnapshot } from './snapshot.ts'
import { fromJson, fromTime } from '../store/codecs.ts'

export interface MonitorOptions {
  readonly store: Store
  readonly kb: KnowledgeBase
  readonly config: VigilConfig
  readonly secretKey: SecretKey
  /** Time of the monitor (the emulator's virtual clock in tests). */
  readonly now?: (() => number) | undefined
  /** Passed to every Power BI client (tests: the emulator's inject fetch). */
  readonly fetch?: typeof fetch | undefined
  /** The clients' clock for retry and throttle waits. */
  readonly clock?: Clock | undefined
  /** Longest throttling wait a cycle accepts before giving up until the next one (default 60 s). */
  readonly maxThrottleWaitMs?: number | undefined
  readonly retryBaseDelayMs?: number | undefined
}

export interface CycleReport {
  tenants: number
  workspaces: number
  models: number
  dataflows: number
  refreshesStored: number
  apiCalls: number
  failures: {
    tenantId: string
    workspaceId: string
    modelId: string
    requestId: string
    slug: string | null
    category: string | null
  }[]
  incidents: {
    id: number
    condition: string
    modelId: string
    slug: string | null
    state: string
  }[]
  errors: { tenantKey: string; code: string; message: string }[]
  coverage: CoverageReport[]
}

const AUTH_CODES = new Set(['ERR_SOURCE_AUTH_FAILED', 'ERR_SOURCE_AUTH_UNAVAILABLE'])

export class Monitor {
  readonly store: Store
  readonly kb: KnowledgeBase
  readonly config: VigilConfig
  private readonly key: SecretKey
  private readonly now: () => number
  private readonly options: MonitorOptions
  private readonly clients = new Map<string, { client: PowerBiClient; calls: { n: number } }>()

  constructor(options: MonitorOptions) {
    this.options = options
    this.store = options.store
    this.kb = options.kb
    this.config = options.config
    this.key = options.secretKey
    this.now = options.now ?? Date.now
  }

  /** Migrates the store and records the environment and config-file tenants. */
  async prepare(env: NodeJS.ProcessEnv): Promise<Tenant[]> {
    await migrateToLatest(this.store)
    return syncTenants(this.store.db, {
      env,
      config: this.config.tenants,
      key: this.key,
      now: this.now(),
    })
  }

  tenants(): Promise<Tenant[]> {
    return listTenants(this.store.db, this.key)
  }

  /** Adds or replaces a tenant (secret encrypted under the monitor's key); the next cycle uses it. */
  async saveTenant(input: TenantInput, origin: 'cli' | 'api'): Promise<void> {
    await saveTenant(this.store.db, input, origin, this.key, this.now())
    this.clients.delete(input.key)
  }

  /** Removes a tenant; false when no tenant has that key. */
  async removeTenant(key: string): Promise<boolean> {
    this.clients.delete(key)
    return deleteTenantRow(this.store.db, key)
  }

  /** Acknowledges an incident at the monitor's time (ERR_INCIDENT_NOT_FOUND when absent). */
  acknowledge(id: number, by = 'user'): Promise<void> {
    const now = this.now()
    return this.store.db.transaction().execute((trx) => acknowledge(trx, id, now, by))
  }

  /** Snoozes an incident for `minutes` from the monitor's time; it reopens if the condition still holds then. */
  snooze(id: number, minutes: number): Promise<void> {
    const now = this.now()
    return this.store.db
      .transaction()
      .execute((trx) => snooze(trx, id, now + minutes * 60_000, now))
  }

  private clientFor(t: Tenant): { client: PowerBiClient; calls: { n: number } } {
    const cached = this.clients.get(t.key)
    if (cached) return cached
    const calls = { n: 0 }
    const base = this.options.fetch ?? globalThis.fetch
    // Counts Power BI API calls (not Entra ID sign-ins): the figure the polling economy is about.
    const counting: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      if (!/\/oauth2\/|openid-configuration|discovery\//.test(url)) calls.n++
      return base(input, init)
    }
    const maxWait = this.options.maxThrottleWaitMs ?? 60_000
    const client = createPowerBiClient({
      tenantId: t.tenantId,
      clientId: t.clientId,
      clientSecret: t.secret.reveal(),
      authorityHost: t.authorityHost,
      apiUrl: t.apiUrl,
      fetch: counting,
      clock: this.options.clock ?? systemClock,
      retry:
        this.options.retryBaseDelayMs !== undefined
          ? { baseDelayMs: this.options.retryBaseDelayMs }
          : undefined,
      // Never let one cycle sleep through a long Retry-After: give up and try next cycle.
      onRateLimit: (info) => info.waitMs <= maxWait && info.attempt < 3,
    })
    const entry = { client, calls }
    this.clients.set(t.key, entry)
    return entry
  }

  /** One full cycle over every enabled tenant. */
  async cycle(): Promise<CycleReport> {
    const db = this.store.db
    const diagnoser = diagnoserFor(this.kb)
    const fingerprint = kbFingerprint(this.kb)
    await rediagnose(db, diagnoser, fingerprint, this.now())
    const report: CycleReport = {
      tenants: 0,
      workspaces: 0,
      models: 0,
      dataflows: 0,
      refreshesStored: 0,
      apiCalls: 0,
      failures: [],
      incidents: [],
      errors: [],
      coverage: [],
    }
    const tenants = (await this.tenants()).filter((t) => t.enabled)
    for (const tenant of tenants) {
      report.tenants++
      const { client, calls } = this.clientFor(tenant)
      const before = calls.n
      const started = this.now()
      const previous = await pollState(db, tenant.key)
      await savePollState(db, tenant.key, { last_cycle_started_at: toTime(started) })
      let fresh = false
      let failures: FailureSeen[] = []
      try {
        const result = await pollTenant({
          db,
          client,
          diagnoser,
          kbFingerprint: fingerprint,
          config: this.config,
          tenantKey: tenant.key,
          now: this.now,
        })
        fresh = true
        failures = result.failures
        report.refreshesStored += result.refreshesStored
        await savePollState(db, tenant.key, {
          last_cycle_ok_at: toTime(this.now()),
          signin_failing_since: null,
          throttled_since: null,
          last_error_code: null,
        })
      } catch (err) {
        const code = isPowerBiError(err)
          ? err.code
          : err instanceof Error && 'code' in err
            ? String(err.code)
            : 'ERR_INTERNAL'
        report.errors.push({
          tenantKey: tenant.key,
          code,
          message: err instanceof Error ? err.message : String(err),
        })
        const now = this.now()
        await savePollState(db, tenant.key, {
          last_error_code: isPowerBiError(err) ? (err.info.upstreamCode ?? code) : code,
          last_error_at: toTime(now),
          signin_failing_since: AUTH_CODES.has(code)
            ? fromTime(previous?.signin_failing_since ?? toTime(now))
            : null,
          throttled_since:
            code === 'ERR_SOURCE_RATE_LIMITED'
              ? fromTime(previous?.throttled_since ?? toTime(now))
              : null,
        })
        if (!isPowerBiError(err)) throw err
      }
      await this.detect(tenant.key, fresh)
      report.apiCalls += calls.n - before
      for (const f of failures) {
        report.failures.push({
          tenantId: tenant.tenantId,
          workspaceId: f.workspaceId,
          modelId: f.modelId,
          requestId: f.requestId,
          slug: f.diagnosis?.slug ?? null,
          category: f.diagnosis?.category ?? null,
        })
      }
      report.coverage.push(await this.coverage(tenant.key))
    }
    await applyRetention(db, this.config.retention, this.now())
    const counts = async (table: 'workspaces' | 'models' | 'dataflows') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('gone_at', 'is', null)
            .executeTakeFirst()
        )?.n ?? 0,
      )
    report.workspaces = await counts('workspaces')
    report.models = await counts('models')
    report.dataflows = await counts('dataflows')
    report.incidents = (await openIncidents(db)).map((i) => ({
      id: Number(i.id),
      condition: i.condition,
      modelId: i.subject_id,
      slug: i.diagnosis_slug,
      state: i.state,
    }))
    return report
  }

  /** Runs every detector for a tenant and reconciles its incidents, one transaction per condition. */
  async detect(tenantKey: string, fresh: boolean): Promise<void> {
    const now = this.now()
    const snapshot = await buildSnapshot(this.store.db, {
      tenantKey,
      now,
      fresh,
      refreshMinutes: this.config.monitor.refreshMinutes,
    })
    for (const [condition, detector] of Object.entries(detectors) as [
      Condition,
      (typeof detectors)[Condition],
    ][]) {
      if (detector.needsFreshData && !fresh) continue
      const signals = detector.detect(snapshot, this.config.detectors)
      await this.store.db
        .transaction()
        .execute((trx) => reconcile(trx, tenantKey, condition, signals, now))
    }
  }

  async coverage(tenantKey: string): Promise<CoverageReport> {
    const db = this.store.db
    const state = await pollState(db, tenantKey)
    const ws = await db
      .selectFrom('workspaces')
      .select(['access'])
      .where('tenant_key', '=', tenantKey)
      .where('gone_at', 'is', null)
      .execute()
    return {
      tenantKey,
      workspacesVisible: ws.filter((w) => w.access === 'member').length,
      workspacesAdminOnly: ws.filter((w) => w.access === 'admin-only').length,
      adminApi:
        state?.admin_api === null || state?.admin_api === undefined ? null : state.admin_api === 1,
      gaps: fromJson<CoverageGap[]>(state?.coverage_json ?? null, []),
    }
  }

  /** Repeats `cycle()` every `refreshMinutes` until the signal aborts; one failing cycle never stops it. */
  async run(signal: AbortSignal, onCycle?: (r: CycleReport | Error) => void): Promise<void> {
    const clock = this.options.clock ?? systemClock
    while (!signal.aborted) {
      const started = Date.now()
      try {
        onCycle?.(await this.cycle())
      } catch (err) {
        onCycle?.(err instanceof Error ? err : new Error(String(err)))
      }
      const wait = this.config.monitor.refreshMinutes * 60_000 - (Date.now() - started)
      try {
        await clock.sleep(Math.max(1_000, wait), signal)
      } catch {
        return
      }
    }
  }
}
