import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decryptSecret, encryptSecret } from '../config/secrets.ts'
import { addEvent, openIncidents, timeline } from '../monitor/incident.repository.ts'
import { acknowledge, reconcile, snooze } from '../monitor/incidents.ts'
import type { Signal } from '../monitor/detectors/detector.ts'
import { ingestRefreshes, latestStarts } from '../monitor/refresh.repository.ts'
import { applyRetention } from '../monitor/retention.ts'
import type { NormalisedRefresh } from '../monitor/normalise.ts'
import { upsertModel, activeModels, setSchedule } from '../monitor/inventory.repository.ts'
import { listTenants, saveTenant } from '../tenants/tenant.service.ts'
import { fromBool, fromTime, num } from './codecs.ts'
import type { Store } from './create-db.ts'
import { databaseTarget } from './create-db.ts'
import { migrateToLatest, migrationStatus } from './migrate.ts'
import { testDialects } from '../../test/helpers/dialects.ts'

const T0 = Date.parse('2025-03-10T12:00:00Z')
const DAY = 86_400_000
const key = { key: randomBytes(32), origin: 'test' }

const refresh = (
  id: string,
  status: string,
  start: number,
  end: number | null,
  over: Partial<NormalisedRefresh> = {},
): NormalisedRefresh => ({
  requestId: id,
  refreshType: 'Scheduled',
  status,
  extendedStatus: null,
  start,
  end,
  durationMs: end === null ? null : end - start,
  attempts: 1,
  errorCode: status === 'Failed' ? 'DM_GWPipeline_Client_GatewayUnreachable' : null,
  errorText: null,
  raw: JSON.stringify({ requestId: id, status }),
  ...over,
})

describe('databaseTarget', () => {
  it('defaults to SQLite in ./data, reads sqlite: and postgres:// URLs, refuses others', () => {
    expect(databaseTarget(undefined)).toEqual({ dialect: 'sqlite', path: './data/vigil.db' })
    expect(databaseTarget('sqlite:/tmp/x.db')).toEqual({ dialect: 'sqlite', path: '/tmp/x.db' })
    expect(databaseTarget('postgres://u:p@h/db').dialect).toBe('postgres')
    expect(() => databaseTarget('mysql://x')).toThrow(/Invalid configuration/)
  })
})

describe.each(testDialects('store'))('store on $name', (dialect) => {
  let store: Store
  beforeAll(async () => {
    store = await dialect.open()
    await migrateToLatest(store)
  })
  afterAll(async () => {
    await store.close()
    await dialect.cleanup()
  })

  it('migrates once; a second run applies nothing', async () => {
    expect(await migrateToLatest(store)).toEqual([])
    expect((await migrationStatus(store)).every((m) => m.applied)).toBe(true)
  })

  it('stores tenants with the secret encrypted, and reads them back', async () => {
    await saveTenant(
      store.db,
      { key: 'contoso', tenantId: 't-1', clientId: 'c-1', clientSecret: 's3cret' },
      'cli',
      key,
      T0,
    )
    await saveTenant(
      store.db,
      {
        key: 'contoso',
        name: 'Contoso',
        tenantId: 't-1',
        clientId: 'c-2',
        clientSecret: 's3cret2',
      },
      'cli',
      key,
      T0 + 1,
    )
    const row = await store.db
      .selectFrom('tenants')
      .selectAll()
      .where('key', '=', 'contoso')
      .executeTakeFirstOrThrow()
    expect(row.secret_enc).not.toContain('s3cret')
    expect(fromTime(row.updated_at)).toBe(T0 + 1)
    const [t] = await listTenants(store.db, key)
    expect(t?.clientId).toBe('c-2')
    expect(t?.secret.reveal()).toBe('s3cret2')
    expect(JSON.stringify(t)).not.toContain('s3cret2')
    expect(decryptSecret(key, encryptSecret(key, 'x')).reveal()).toBe('x')
  })

  it('round-trips booleans and timestamps through the codecs', async () => {
    await upsertModel(
      store.db,
      {
        tenantKey: 'contoso',
        id: 'm1',
        workspaceId: 'w1',
        name: 'Sales',
        refreshable: true,
        premium: false,
      },
      T0,
    )
    await setSchedule(
      store.db,
      'contoso',
      'm1',
      { days: ['Monday'], times: ['06:00'], enabled: true, localTimeZoneId: 'UTC' },
      T0,
    )
    const [m] = await activeModels(store.db, 'contoso')
    expect(fromBool(m!.refreshable)).toBe(true)
    expect(fromBool(m!.schedule_seen_enabled)).toBe(true)
    expect(fromTime(m!.seen_at)).toBe(T0)
  })

  it('deduplicates refreshes on request id and updates a refresh seen running then finished', async () => {
    const base = {
      tenantKey: 'contoso',
      workspaceId: 'w1',
      itemKind: 'model' as const,
      itemId: 'm1',
      diagnose: () => null,
      kbFingerprint: 'f',
      now: T0,
    }
    const first = await ingestRefreshes(store.db, {
      ...base,
      refreshes: [
        refresh('r1', 'Completed', T0 - 3600_000, T0 - 3000_000),
        refresh('r2', 'Unknown', T0 - 60_000, null),
      ],
    })
    expect(first).toMatchObject({ inserted: 2, changed: 2 })
    const again = await ingestRefreshes(store.db, {
      ...base,
      refreshes: [
        refresh('r1', 'Completed', T0 - 3600_000, T0 - 3000_000),
        refresh('r2', 'Unknown', T0 - 60_000, null),
      ],
    })
    expect(again).toMatchObject({ inserted: 0, changed: 0 })
    const done = await ingestRefreshes(store.db, {
      ...base,
      refreshes: [refresh('r2', 'Failed', T0 - 60_000, T0)],
    })
    expect(done).toMatchObject({ inserted: 0, changed: 1 })
    expect(done.newFailures.map((f) => f.requestId)).toEqual(['r2'])
    const rows = await store.db
      .selectFrom('refreshes')
      .selectAll()
      .where('item_id', '=', 'm1')
      .orderBy('request_id')
      .execute()
    expect(rows.map((r) => [r.request_id, r.status, fromTime(r.end_at)])).toEqual([
      ['r1', 'Completed', T0 - 3000_000],
      ['r2', 'Failed', T0],
    ])
    expect((await latestStarts(store.db, 'contoso', 'model')).get('m1')).toBe(T0 - 60_000)
  })

  it('keeps one open incident per subject and condition, with a timeline, and resolves it', async () => {
    const signal = (key: string, severity: Signal['severity'] = 'medium'): Signal => ({
      subjectKind: 'model',
      subjectId: 'm1',
      severity,
      title: 'Refresh failed',
      key,
      details: {},
      diagnosis: null,
    })
    await reconcile(store.db, 'contoso', 'refresh_failed', [signal('r2')], T0)
    await reconcile(store.db, 'contoso', 'refresh_failed', [signal('r2')], T0 + 1)
    await reconcile(store.db, 'contoso', 'refresh_failed', [signal('r3', 'high')], T0 + 2)
    let open = await openIncidents(store.db, 'contoso')
    expect(open).toHaveLength(1)
    const id = Number(open[0]!.id)
    expect(open[0]).toMatchObject({ occurrences: 2, severity: 'high', last_key: 'r3' })
    // The partial unique index refuses a second open incident for the same subject and condition.
    await expect(
      store.db
        .insertInto('incidents')
        .values({
          tenant_key: 'contoso',
          subject_kind: 'model',
          subject_id: 'm1',
          condition: 'refresh_failed',
          state: 'open',
          severity: 'low',
          title: 'x',
          opened_at: T0,
          updated_at: T0,
          occurrences: 1,
        })
        .execute(),
    ).rejects.toThrow()
    await acknowledge(store.db, id, T0 + 3)
    await snooze(store.db, id, T0 + DAY, T0 + 4)
    await addEvent(store.db, id, T0 + 5, 'note', 'checked the gateway')
    await reconcile(store.db, 'contoso', 'refresh_failed', [], T0 + 6)
    open = await openIncidents(store.db, 'contoso')
    expect(open).toHaveLength(0)
    expect((await timeline(store.db, id)).map((e) => e.kind)).toEqual([
      'opened',
      'occurrence',
      'escalated',
      'acknowledged',
      'snoozed',
      'note',
      'resolved',
    ])
    // A new failure after the resolution opens a new incident.
    await reconcile(store.db, 'contoso', 'refresh_failed', [signal('r9')], T0 + 7)
    expect(Number((await openIncidents(store.db, 'contoso'))[0]!.id)).not.toBe(id)
  })

  it('folds expired raw rows into daily roll-ups, once', async () => {
    const base = {
      tenantKey: 'contoso',
      workspaceId: 'w1',
      itemKind: 'model' as const,
      itemId: 'old',
      diagnose: () => null,
      kbFingerprint: 'f',
      now: T0,
    }
    const day = T0 - 100 * DAY
    await ingestRefreshes(store.db, {
      ...base,
      refreshes: [
        refresh('o1', 'Completed', day, day + 60_000),
        refresh('o2', 'Failed', day + 3600_000, day + 3720_000),
        refresh('o3', 'Completed', T0 - DAY, T0 - DAY + 1),
      ],
    })
    const config = { rawDays: 90, rollupDays: 730, incidentDays: 365 }
    expect((await applyRetention(store.db, config, T0)).rolledUp).toBe(2)
    expect((await applyRetention(store.db, config, T0)).rolledUp).toBe(0)
    const rollup = await store.db
      .selectFrom('daily_rollups')
      .selectAll()
      .where('item_id', '=', 'old')
      .executeTakeFirstOrThrow()
    expect([
      rollup.day,
      num(rollup.refreshes),
      num(rollup.failures),
      num(rollup.total_duration_ms),
      num(rollup.max_duration_ms),
    ]).toEqual([new Date(day).toISOString().slice(0, 10), 2, 1, 180_000, 120_000])
    const left = await store.db
      .selectFrom('refreshes')
      .select('request_id')
      .where('item_id', '=', 'old')
      .execute()
    expect(left.map((r) => r.request_id)).toEqual(['o3'])
  })
})
