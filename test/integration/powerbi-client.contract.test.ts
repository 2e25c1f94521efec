/**
 * Contract tests: the real client against the emulator, for every endpoint and every injected
 * fault, asserting what the client does (waits, retries, renewals, typed errors). No sockets
 * (inject-fetch) and no real sleeps (ManualClock; the emulator's `slow` waits are held by hand).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { injectFetch } from '../../src/emulator/inject-fetch.ts'
import { buildEmulator, type Emulator } from '../../src/emulator/server.ts'
import {
  createPowerBiClient,
  type PowerBiClient,
  type PowerBiClientOptions,
} from '../../src/sources/powerbi/client.ts'
import { ManualClock } from '../../src/sources/powerbi/clock.ts'
import { isRunning, parseServiceException } from '../../src/sources/powerbi/schemas.ts'
import { endpointFamily } from '../../src/sources/powerbi/throttle.ts'
import { failure } from '../helpers/powerbi-errors.ts'

const START = Date.parse('2025-03-10T12:00:00Z')
const BASE = 'http://127.0.0.1:8400'
const API = '/v1.0/myorg'

let app: Emulator
/** Resolvers of `slow` faults the emulator is holding. */
let held: (() => void)[] = []

beforeEach(() => {
  held = []
  app = buildEmulator({
    seed: 7,
    tenants: 1,
    workspaces: 4,
    models: 3,
    speed: 0,
    start: START,
    sleep: () =>
      new Promise<void>((resolve) => {
        held.push(resolve)
      }),
  })
})
afterEach(async () => {
  for (const release of held) release()
  await app.close()
})

const tenantId = () => app.emulator.scenario.world.tenants[0]!.id
const control = async (url: string, payload: unknown = {}) => {
  const res = await app.inject({
    method: 'POST',
    url: `/_emulator/${url}`,
    payload: payload as Record<string, unknown>,
  })
  expect(res.statusCode).toBeLessThan(300)
  return res.json<Record<string, unknown>>()
}
const served = (endpoint: string, status?: number) => app.emulator.stats.count(endpoint, status)

function makeClient(extra: Partial<PowerBiClientOptions> = {}) {
  const clock = (extra.clock as ManualClock | undefined) ?? new ManualClock({ start: Date.now() })
  const client = createPowerBiClient({
    tenantId: tenantId(),
    clientId: 'vigil-emulator',
    clientSecret: 'emulator-secret',
    authorityHost: BASE,
    apiUrl: `${BASE}${API}`,
    fetch: injectFetch(app),
    random: () => 0.5,
    ...extra,
    clock,
  })
  return { client, clock }
}

async function firstWorkspaceWith(client: PowerBiClient, predicate: (premium: boolean) => boolean) {
  const groups = await client.listGroups()
  const group = groups.find((g) => predicate(g.isOnDedicatedCapacity === true))!
  const datasets = await client.listDatasets(group.id)
  return { group, datasets }
}

describe('every endpoint', () => {
  it('lists and reads workspaces, models, histories, schedules and sources', async () => {
    const { client } = makeClient()
    const groups = await client.listGroups()
    expect(groups.length).toBe(3)
    expect(await client.listGroups({ top: 1, skip: 1 })).toEqual([groups[1]])
    expect(await client.listGroups({ filter: `name eq '${groups[2]!.name}'` })).toEqual([groups[2]])
    expect(await client.getGroup(groups[0]!.id)).toEqual(groups[0])
    let failedSeen = 0
    for (const g of groups) {
      for (const d of await client.listDatasets(g.id)) {
        expect(await client.getDataset(g.id, d.id)).toEqual(d)
        const sources = await client.listDatasetDatasources(g.id, d.id)
        expect(sources.length).toBeGreaterThan(0)
        if (!d.isRefreshable) continue
        const schedule = await client.getRefreshSchedule(g.id, d.id)
        expect(schedule.times?.length).toBeGreaterThan(0)
        const history = await client.getRefreshHistory(g.id, d.id)
        expect(history.length).toBeLessThanOrEqual(60)
        expect(await client.getRefreshHistory(g.id, d.id, 2)).toEqual(history.slice(0, 2))
        for (const h of history.filter((e) => e.status === 'Failed')) {
          failedSeen++
          expect(parseServiceException(h.serviceExceptionJson ?? '').code).toBeTruthy()
        }
      }
      expect((await client.listReports(g.id)).length).toBeGreaterThan(0)
      for (const f of await client.listDataflows(g.id)) {
        const txs = await client.listDataflowTransactions(g.id, f.objectId)
        expect(txs.every((t) => t.id.includes('@'))).toBe(true)
      }
    }
    expect(failedSeen).toBeGreaterThan(0)
  })

  it('triggers, follows and cancels refreshes', async () => {
    const { client } = makeClient()
    const premium = await firstWorkspaceWith(client, (p) => p)
    const target = premium.datasets.find(
      (d) => d.isRefreshable && !app.emulator.scenario.datasets.get(d.id)?.running,
    )!
    const standard = await client.triggerRefresh(premium.group.id, target.id)
    const [latest] = await client.getRefreshHistory(premium.group.id, target.id, 1)
    expect(latest).toMatchObject({
      requestId: standard.requestId,
      refreshType: 'ViaApi',
      status: 'Unknown',
    })
    expect(isRunning(latest!)).toBe(true)
    // Concurrent refresh → 400, surfaced as a rejected request, not retried.
    const busy = await failure(client.triggerRefresh(premium.group.id, target.id))
    expect(busy.code).toBe('ERR_SOURCE_REQUEST_REJECTED')
    expect(served(`POST ${API}/groups/:groupId/datasets/:datasetId/refreshes`, 400)).toBe(1)

    app.emulator.clock.advance(6 * 3_600_000)
    const enhanced = await client.triggerRefresh(premium.group.id, target.id, {
      type: 'Full',
      commitMode: 'Transactional',
    })
    expect(enhanced.location).toContain(`/refreshes/${String(enhanced.requestId)}`)
    const detail = await client.getRefreshDetail(premium.group.id, target.id, enhanced.requestId!)
    expect(detail.running).toBe(true)
    expect(detail.detail.extendedStatus).toBe('NotStarted')
    await client.cancelRefresh(premium.group.id, target.id, enhanced.requestId!)
    const after = await client.getRefreshDetail(premium.group.id, target.id, enhanced.requestId!)
    expect(after).toMatchObject({
      running: false,
      detail: { status: 'Cancelled', extendedStatus: 'Cancelled' },
    })
    const notEnhanced = await failure(
      client.getRefreshDetail(premium.group.id, target.id, standard.requestId!),
    )
    expect(notEnhanced.code).toBe('ERR_SOURCE_NOT_FOUND')
  })

  it('reads gateways and data source health', async () => {
    const { client } = makeClient()
    const gateways = await client.listGateways()
    expect(gateways.length).toBeGreaterThan(0)
    const gw = gateways[0]!
    expect(await client.getGateway(gw.id)).toEqual(gw)
    const sources = await client.listGatewayDatasources(gw.id)
    expect(JSON.parse(sources[0]!.connectionDetails ?? '{}')).toHaveProperty('server')
    for (const s of sources) await control(`datasources/${s.id}/credentials`, { state: 'ok' })
    expect(await client.getDatasourceStatus(gw.id, sources[0]!.id)).toEqual({ ok: true })
    await control(`gateways/${gw.id}/down`)
    const down = await client.getDatasourceStatus(gw.id, sources[0]!.id)
    expect(!down.ok && down.error.info.upstreamCode).toBe('DM_GWPipeline_Client_GatewayUnreachable')
    await control(`gateways/${gw.id}/up`)
    await control(`datasources/${sources[0]!.id}/credentials`, { state: 'expired' })
    const creds = await client.getDatasourceStatus(gw.id, sources[0]!.id)
    expect(!creds.ok && creds.error.info.upstreamMessage).toMatch(/^Login failed for user/)
  })

  it('reads admin groups with expansions and capacity refreshables', async () => {
    const { client } = makeClient()
    const admin = await client.listAdminGroups({ top: 100, expand: ['datasets', 'users'] })
    expect(admin).toHaveLength(4)
    expect(
      admin.flatMap((g) => g.datasets ?? []).every((d) => d.contentProviderType !== undefined),
    ).toBe(true)
    const refreshables = await client.listRefreshables({ top: 100, expand: ['capacity', 'group'] })
    expect(refreshables.length).toBeGreaterThan(0)
    expect(refreshables[0]?.capacity?.sku).toBe('P1')
  })

  it('classifies every emulated route into the family the emulator throttles it by', () => {
    for (const [route, family] of app.emulator.families) {
      if (family === 'token') continue
      const path = route.replace(/^\w+ \/v1\.0\/myorg/, '').replace(/:\w+/g, 'x')
      expect([route, endpointFamily(path)]).toEqual([route, family])
    }
  })
})

describe('injected faults', () => {
  const groupsEndpoint = `GET ${API}/groups`

  it('429 with Retry-After: waits that long (+ jitter) and retries', async () => {
    const { client, clock } = makeClient()
    await control('faults', { family: 'groups', kind: 'throttle', retryAfter: 30 })
    expect(await client.listGroups()).toHaveLength(3)
    expect(clock.sleeps).toEqual([31_500])
    expect(served(groupsEndpoint, 429)).toBe(1)
    expect(served(groupsEndpoint, 200)).toBe(1)
  })

  it('429 with "Retry in N seconds" only in the body, and 429 with no hint at all', async () => {
    const { client, clock } = makeClient()
    await control('faults', { family: 'groups', kind: 'throttle', retryInBody: 12 })
    await client.listGroups()
    await control('faults', { family: 'groups', kind: 'throttle' })
    await client.listGroups()
    // 12 s × 1.05, then exponential min(2·5 s, 15 min) × 0.5.
    expect(clock.sleeps).toEqual([12_600, 5_000])
  })

  it('429 for longer than the policy accepts: a typed, retryable rate-limit error', async () => {
    const { client } = makeClient()
    await control('faults', {
      family: 'groups',
      kind: 'throttle',
      retryAfter: 3392,
      retryInBody: 3392,
    })
    const err = await failure(client.listGroups())
    expect(err.code).toBe('ERR_SOURCE_RATE_LIMITED')
    expect(err.info).toMatchObject({ httpStatus: 429, retryAfterSec: 3392 })
    expect(err.info.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(served(groupsEndpoint)).toBe(1)
  })

  it('a 429 blocks the whole family for this principal, not other families', async () => {
    const clock = new ManualClock({ start: Date.now(), mode: 'manual' })
    const { client } = makeClient({ clock })
    const groups = await client.listGroups()
    await control('faults', { family: 'datasets', kind: 'throttle', retryAfter: 30 })
    const datasetsEndpoint = `GET ${API}/groups/:groupId/datasets`
    // 1. The first call is throttled and waits.
    const first = client.listDatasets(groups[0]!.id)
    await clock.waitForSleepers(1)
    expect(served(datasetsEndpoint, 429)).toBe(1)
    // 2. A sibling URL in the same family waits too, without being sent.
    const sibling = client.listDatasets(groups[1]!.id)
    await clock.waitForSleepers(2)
    expect(served(datasetsEndpoint)).toBe(1)
    // 3. Another family goes through at once.
    expect((await client.listGateways()).length).toBeGreaterThan(0)
    // 4. After Retry-After both proceed.
    await clock.advance(40_000)
    expect((await first).length).toBe(3)
    expect((await sibling).length).toBe(3)
    expect(served(datasetsEndpoint, 200)).toBe(2)
  })

  it('5xx burst: retried with backoff until it passes', async () => {
    const { client, clock } = makeClient()
    await control('faults', { family: 'groups', kind: 'server-error', status: 503, count: 3 })
    expect(await client.listGroups()).toHaveLength(3)
    expect(clock.sleeps).toEqual([1_500, 3_000, 6_000])
    expect(served(groupsEndpoint, 503)).toBe(3)
  })

  it('5xx burst longer than the retries: a typed error after exactly 4 tries', async () => {
    const { client } = makeClient()
    await control('faults', { family: 'groups', kind: 'server-error', status: 500, count: 10 })
    const err = await failure(client.listGroups())
    expect(err.code).toBe('ERR_SOURCE_UNAVAILABLE')
    expect(err.info).toMatchObject({ httpStatus: 500, upstreamMessage: 'An error has occurred.' })
    expect(served(groupsEndpoint, 500)).toBe(4)
  })

  it('malformed JSON: ERR_SOURCE_UNEXPECTED_RESPONSE, not retried', async () => {
    const { client } = makeClient()
    await control('faults', { family: 'gateways', kind: 'malformed' })
    const err = await failure(client.listGateways())
    expect(err.code).toBe('ERR_SOURCE_UNEXPECTED_RESPONSE')
    expect(served(`GET ${API}/gateways`)).toBe(1)
  })

  it('403 TokenExpired: one new token, one replay, success', async () => {
    const { client } = makeClient()
    await client.listGroups()
    expect(served('POST /:tenantId/oauth2/v2.0/token')).toBe(1)
    await control('tokens/expire')
    expect(await client.listGroups()).toHaveLength(3)
    expect(served('POST /:tenantId/oauth2/v2.0/token')).toBe(2)
    expect(served(groupsEndpoint, 403)).toBe(1)
    expect(served(groupsEndpoint, 200)).toBe(2)
  })

  it('401 PowerBINotAuthorizedException: a configuration error, never retried', async () => {
    const { client } = makeClient()
    await control('faults', { family: 'groups', kind: 'not-authorized' })
    const err = await failure(client.listGroups())
    expect(err.code).toBe('ERR_SOURCE_NOT_AUTHORIZED')
    expect(err.info.upstreamCode).toBe('PowerBINotAuthorizedException')
    expect(served(groupsEndpoint)).toBe(1)
  })

  it('slow response within the timeout: the client just waits for it', async () => {
    const { client, clock } = makeClient()
    await control('faults', { family: 'groups', kind: 'slow', delayMs: 20_000 })
    const pending = client.listGroups()
    await vi_waitFor(() => held.length === 1)
    held.shift()?.()
    expect(await pending).toHaveLength(3)
    expect(clock.sleeps).toEqual([])
  })

  it('slow response past the timeout: aborted, retried as a network error, then served', async () => {
    const timeouts: AbortController[] = []
    const { client, clock } = makeClient({
      timeoutSignal: () => {
        const c = new AbortController()
        timeouts.push(c)
        return c.signal
      },
    })
    await client.listGroups()
    await control('faults', { family: 'groups', kind: 'slow', delayMs: 60_000 })
    const pending = client.listGroups()
    await vi_waitFor(() => held.length === 1)
    // The client's timer fires while the emulator still holds the response.
    timeouts[timeouts.length - 1]!.abort(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    )
    expect(await pending).toHaveLength(3)
    expect(clock.sleeps).toEqual([1_500])
    held.shift()?.()
    // Two requests reached the emulator for that call: the slow one and the retry.
    await vi_waitFor(() => served(groupsEndpoint) === 3)
  })

  it('admin groups: the client stays under the documented budget by itself', async () => {
    // The emulator's clock follows the client's, as the real service's does.
    const clock = new ManualClock({ start: START })
    await app.close()
    app = buildEmulator({
      seed: 7,
      tenants: 1,
      workspaces: 2,
      models: 1,
      speed: 1,
      start: START,
      realNow: () => clock.now(),
    })
    const { client } = makeClient({ clock })
    for (let i = 0; i < 16; i++) await client.listAdminGroups({ top: 1 })
    expect(served(`GET ${API}/admin/groups`, 429)).toBe(0)
    expect(served(`GET ${API}/admin/groups`, 200)).toBe(16)
    expect(clock.sleeps).toEqual([60_000])
  })
})

/** Polls on the event loop (no timers) until the condition holds. */
async function vi_waitFor(condition: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  throw new Error('condition never became true')
}
