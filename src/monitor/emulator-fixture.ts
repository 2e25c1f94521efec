/**
 * Test support: a Monitor wired to an in-process emulator with a frozen virtual clock. Time moves
 * only through `advance()`, so detectors are tested without real waiting. Not used in production.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ConfigSchema } from '../config/config.schema.ts'
import type { SecretKey } from '../config/secrets.ts'
import { injectFetch } from '../emulator/inject-fetch.ts'
import { buildEmulator, type Emulator } from '../emulator/server.ts'
import type { KnowledgeBase } from '../kb/kb.ts'
import { UnexpectedError } from '../shared/errors.ts'
import type { Clock } from '../sources/powerbi/clock.ts'
import { createDb, type Store } from '../store/create-db.ts'
import { allIncidents } from './incident.repository.ts'
import { Monitor } from './monitor.service.ts'

export const EMULATOR_START = Date.parse('2025-03-10T12:00:00Z')

export interface Fixture {
  readonly app: Emulator
  readonly store: Store
  readonly monitor: Monitor
  readonly env: NodeJS.ProcessEnv
  readonly key: SecretKey
  /** Moves the emulator's (and so the monitor's) clock forward. */
  advance(minutes: number): void
  control(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<unknown>
}

export interface FixtureOptions {
  readonly kb: KnowledgeBase
  readonly seed?: number
  readonly workspaces?: number
  readonly models?: number
  readonly app?: Emulator
  readonly dbPath?: string
  readonly store?: Store
  readonly key?: SecretKey
  readonly config?: Record<string, unknown>
  readonly fetch?: typeof fetch
}

export const tempDbPath = (): string =>
  path.join(mkdtempSync(path.join(tmpdir(), 'vigil-monitor-')), 'vigil.db')

export function emulatorEnv(app: Emulator): NodeJS.ProcessEnv {
  const tenant = app.emulator.scenario.world.tenants[0]
  return {
    VIGIL_POWERBI_TENANT_ID: tenant?.id ?? '',
    VIGIL_POWERBI_CLIENT_ID: 'vigil-emulator',
    VIGIL_POWERBI_CLIENT_SECRET: 'emulator-secret',
    VIGIL_POWERBI_AUTHORITY_HOST: 'http://127.0.0.1:8400',
    VIGIL_POWERBI_API_URL: 'http://127.0.0.1:8400/v1.0/myorg',
  }
}

export async function monitorOnEmulator(options: FixtureOptions): Promise<Fixture> {
  const app =
    options.app ??
    buildEmulator({
      seed: options.seed ?? 7,
      tenants: 1,
      workspaces: options.workspaces ?? 3,
      models: options.models ?? 4,
      speed: 0,
      start: EMULATOR_START,
    })
  const store =
    options.store ?? createDb({ dialect: 'sqlite', path: options.dbPath ?? tempDbPath() })
  const key = options.key ?? { key: randomBytes(32), origin: 'test' }
  const now = () => app.emulator.clock.now()
  const clock: Clock = {
    now,
    sleep: async (ms) => {
      app.emulator.clock.advance(ms)
    },
  }
  const config = ConfigSchema.parse({
    monitor: { refreshMinutes: 5, ...(options.config?.monitor ?? {}) },
    detectors: { ...(options.config?.detectors ?? {}) },
    retention: { ...(options.config?.retention ?? {}) },
  })
  const base = injectFetch(app)
  const monitor = new Monitor({
    store,
    kb: options.kb,
    config,
    secretKey: key,
    now,
    fetch: options.fetch ?? base,
    clock,
    retryBaseDelayMs: 1,
  })
  const env = emulatorEnv(app)
  await monitor.prepare(env)
  return {
    app,
    store,
    monitor,
    env,
    key,
    advance: (minutes) => {
      app.emulator.clock.advance(minutes * 60_000)
    },
    control: async (method, url, body) => {
      const res = await app.inject({
        method,
        url,
        ...(body !== undefined ? { payload: body as object } : {}),
      })
      if (res.statusCode >= 400)
        throw new UnexpectedError('ERR_INTERNAL', {
          control: url,
          status: res.statusCode,
          body: res.body,
        })
      return res.body ? (JSON.parse(res.body) as unknown) : undefined
    },
  }
}

/** A workspace of the default emulator scenario on shared capacity (seed-independent id prefix). */
const CLOUD_SHARED = '94ec3ce0'

/**
 * A monitor on the emulator with one real `refresh_failed` incident: a model of a shared-capacity
 * workspace fails once with a processing error and the monitor polls it. For API and CLI tests.
 */
export async function monitorWithFailedRefresh(
  options: FixtureOptions,
): Promise<{ fixture: Fixture; incidentId: number }> {
  const f = await monitorOnEmulator(options)
  const model = [...f.app.emulator.scenario.datasets.keys()].find((k) => k.startsWith(CLOUD_SHARED))
  await f.monitor.cycle()
  await f.control('POST', `/_emulator/datasets/${String(model)}/fail`, {
    code: 'ModelRefresh_ShortMessage_ProcessingError',
    count: 1,
  })
  await f.control('POST', `/_emulator/datasets/${String(model)}/refresh`)
  f.advance(65)
  await f.monitor.cycle()
  const failed = (await allIncidents(f.store.db)).find(
    (i) => i.condition === 'refresh_failed' && i.subject_id === model,
  )
  if (!failed) {
    throw new UnexpectedError('ERR_INTERNAL', {
      reason: 'the emulator did not produce a refresh_failed incident',
    })
  }
  return { fixture: f, incidentId: Number(failed.id) }
}
