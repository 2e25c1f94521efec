/**
 * API calls per poll cycle for 1,000 models at steady state: Vigil's poller against a naive poller
 * that lists workspaces and models and reads every model's refresh history each cycle. Both run
 * against the same in-process emulator (seed 1, one tenant, 50 workspaces × 20 models), over the
 * same virtual hours, in the same run. Usage: npm run bench:poll [-- --hours 6]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigSchema } from '../src/config/config.schema.ts'
import { injectFetch } from '../src/emulator/inject-fetch.ts'
import { buildEmulator } from '../src/emulator/server.ts'
import { openKb } from '../src/kb/kb.ts'
import { Monitor } from '../src/monitor/monitor.service.ts'
import { emulatorEnv } from '../src/monitor/emulator-fixture.ts'
import { createPowerBiClient } from '../src/sources/powerbi/client.ts'
import { createDb } from '../src/store/create-db.ts'

const { values } = parseArgs({
  options: {
    hours: { type: 'string', default: '6' },
    workspaces: { type: 'string', default: '50' },
    models: { type: 'string', default: '20' },
  },
})
const hours = Number(values.hours)
const CYCLE_MIN = 5
const start = Date.parse('2025-03-10T06:00:00Z')
const app = buildEmulator({
  seed: 1,
  tenants: 1,
  workspaces: Number(values.workspaces),
  models: Number(values.models),
  speed: 0,
  start,
})
const world = app.emulator.scenario.world
const tenant = world.tenants[0]!
const totalModels = tenant.workspaces.reduce((n, w) => n + w.datasets.length, 0)
const now = () => app.emulator.clock.now()
const clock = { now, sleep: async (ms: number) => void app.emulator.clock.advance(ms) }
const base = injectFetch(app)

// Vigil
const kb = await openKb()
const store = createDb({
  dialect: 'sqlite',
  path: path.join(mkdtempSync(path.join(tmpdir(), 'vigil-bench-')), 'vigil.db'),
})
const monitor = new Monitor({
  store,
  kb,
  config: ConfigSchema.parse({}),
  secretKey: { key: randomBytes(32), origin: 'bench' },
  now,
  fetch: base,
  clock,
  retryBaseDelayMs: 1,
})
await monitor.prepare(emulatorEnv(app))

// Naive: every cycle, list workspaces and models, then read every refreshable model's history.
let naiveCalls = 0
const counting: typeof fetch = (input, init) => {
  if (String(input instanceof Request ? input.url : input).includes('/v1.0/myorg/')) naiveCalls++
  return base(input, init)
}
const env = emulatorEnv(app)
const naive = createPowerBiClient({
  tenantId: tenant.id,
  clientId: 'vigil-emulator',
  clientSecret: 'emulator-secret',
  authorityHost: env.VIGIL_POWERBI_AUTHORITY_HOST,
  apiUrl: env.VIGIL_POWERBI_API_URL,
  fetch: counting,
  clock,
  retry: { baseDelayMs: 1 },
})
async function naiveCycle(): Promise<number> {
  const before = naiveCalls
  for (const g of await naive.listGroups()) {
    for (const d of await naive.listDatasets(g.id))
      if (d.isRefreshable !== false) await naive.getRefreshHistory(g.id, d.id)
  }
  return naiveCalls - before
}

const t0 = Date.now()
const first = await monitor.cycle()
const naiveFirst = await naiveCycle()
const vigil: number[] = []
const naiveRuns: number[] = []
let stored = 0
for (let i = 0; i < (hours * 60) / CYCLE_MIN; i++) {
  app.emulator.clock.advance(CYCLE_MIN * 60_000)
  const r = await monitor.cycle()
  vigil.push(r.apiCalls)
  stored += r.refreshesStored
  naiveRuns.push(await naiveCycle())
}
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1] ?? 0
const result = {
  models: totalModels,
  visibleModels: first.models,
  cycles: vigil.length,
  cycleMinutes: CYCLE_MIN,
  virtualHours: hours,
  firstCycle: { vigil: first.apiCalls, naive: naiveFirst },
  steadyState: {
    vigilAvg: Math.round(avg(vigil) * 10) / 10,
    vigilP95: p95(vigil),
    vigilMax: Math.max(...vigil),
    naiveAvg: Math.round(avg(naiveRuns) * 10) / 10,
    ratio: Math.round((avg(naiveRuns) / avg(vigil)) * 10) / 10,
  },
  newRefreshesStored: stored,
  callsPerNewRefresh:
    Math.round((vigil.reduce((a, b) => a + b, 0) / Math.max(1, stored)) * 100) / 100,
  wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
}
console.log(JSON.stringify(result, null, 2))
await store.close()
