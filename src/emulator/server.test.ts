import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, buildEmulator } from './server.ts'

const START = Date.parse('2025-03-10T12:00:00Z')
const SCOPE = 'https://analysis.windows.net/powerbi/api/.default'
const API = '/v1.0/myorg'

let app: Emulator
let realNow = START

beforeEach(() => {
  realNow = START
  app = buildEmulator({
    seed: 1,
    tenants: 2,
    workspaces: 4,
    models: 4,
    speed: 0,
    start: START,
    realNow: () => realNow,
  })
})
afterEach(async () => {
  await app.close()
})

const tenant = (i = 0) => app.emulator.scenario.world.tenants[i]!

function tokenRequest(form: Record<string, string>, tenantId = tenant().id) {
  return app.inject({
    method: 'POST',
    url: `/${tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'corr-1' },
    payload: new URLSearchParams(form).toString(),
  })
}

const goodForm = {
  grant_type: 'client_credentials',
  client_id: 'vigil-emulator',
  client_secret: 'emulator-secret',
  scope: SCOPE,
}

async function auth(i = 0) {
  const res = await tokenRequest(goodForm, tenant(i).id)
  return { authorization: `Bearer ${res.json<{ access_token: string }>().access_token}` }
}

const get = async (url: string, i = 0) => app.inject({ method: 'GET', url, headers: await auth(i) })

describe('token endpoint (Entra ID v2, client credentials)', () => {
  it('issues a bearer token with the documented body', async () => {
    const res = await tokenRequest(goodForm)
    expect(res.statusCode).toBe(200)
    const body = res.json<Record<string, unknown>>()
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'ext_expires_in',
      'token_type',
    ])
    expect(body.token_type).toBe('Bearer')
    expect(body.expires_in).toBeGreaterThanOrEqual(3600)
    expect(body.expires_in).toBeLessThanOrEqual(5400)
  })

  it('accepts the tenant domain and HTTP Basic client authentication', async () => {
    const basic = Buffer.from('vigil-emulator:emulator-secret').toString('base64')
    const res = await app.inject({
      method: 'POST',
      url: `/${tenant().domain}/oauth2/v2.0/token`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${basic}`,
      },
      payload: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }).toString(),
    })
    expect(res.statusCode).toBe(200)
  })

  it.each([
    ['wrong secret', { client_secret: 'nope' }, undefined, 401, 'invalid_client', 7000215],
    ['unknown app', { client_id: 'someone-else' }, undefined, 400, 'unauthorized_client', 700016],
    ['unknown tenant', {}, '3f2504e0-4f89-41d3-9a0c-0305e82c3301', 400, 'invalid_request', 90002],
    ['malformed tenant', {}, 'not a tenant', 400, 'invalid_request', 900023],
    ['no secret', { client_secret: '' }, undefined, 401, 'invalid_client', 7000218],
    [
      'bad scope',
      { scope: 'https://graph.microsoft.com/.default' },
      undefined,
      400,
      'invalid_scope',
      70011,
    ],
  ])('%s → AADSTS envelope', async (_name, change, tenantId, status, error, aadsts) => {
    const form = Object.fromEntries(
      Object.entries({ ...goodForm, ...change }).filter(([, v]) => v !== ''),
    )
    const res = await tokenRequest(form, tenantId ? encodeURIComponent(tenantId) : undefined)
    expect(res.statusCode).toBe(status)
    const body = res.json<Record<string, unknown>>()
    expect(body.error).toBe(error)
    expect(body.error_codes).toEqual([aadsts])
    expect(body.error_description).toMatch(
      new RegExp(
        `^AADSTS${String(aadsts)}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: corr-1\\r\\nTimestamp: `,
      ),
    )
    expect(body.correlation_id).toBe('corr-1')
    expect(body.error_uri).toBe(`https://login.microsoftonline.com/error?code=${String(aadsts)}`)
  })

  it('answers AADSTS7000222 for an expired secret and 7000112 for a disabled app, when configured', async () => {
    await app.inject({
      method: 'POST',
      url: `/_emulator/tenants/${tenant().id}/settings`,
      payload: { secretExpired: true },
    })
    expect((await tokenRequest(goodForm)).json<{ error_codes: number[] }>().error_codes).toEqual([
      7000222,
    ])
    await app.inject({
      method: 'POST',
      url: `/_emulator/tenants/${tenant().id}/settings`,
      payload: { secretExpired: false, appDisabled: true },
    })
    const disabled = await tokenRequest(goodForm)
    expect(disabled.statusCode).toBe(400)
    expect(disabled.json<{ error_codes: number[] }>().error_codes).toEqual([7000112])
  })

  it('lists the tenant ids', async () => {
    const res = await app.inject('/_emulator/tenants')
    expect(res.json<{ tenants: { id: string }[] }>().tenants.map((t) => t.id)).toEqual([
      tenant(0).id,
      tenant(1).id,
    ])
  })
})

describe('Power BI API', () => {
  it('sends the service headers and odata list wrapper, in camelCase', async () => {
    const res = await get(`${API}/groups`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe(
      'application/json; odata.metadata=minimal; odata.streaming=true',
    )
    expect(res.headers.requestid).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers['access-control-expose-headers']).toBe('RequestId')
    const body = res.json<{ '@odata.context': string; value: Record<string, unknown>[] }>()
    expect(body['@odata.context']).toMatch(/\$metadata#groups$/)
    // The service principal is not a member of the last workspace: it is hidden here (§1.3).
    expect(body.value.map((g) => g.name)).toHaveLength(3)
    expect(Object.keys(body.value[0]!)).toEqual(
      expect.arrayContaining(['id', 'name', 'isReadOnly', 'isOnDedicatedCapacity']),
    )
    const second = await get(`${API}/groups`)
    expect(second.headers.requestid).not.toBe(res.headers.requestid)
  })

  it('filters and pages groups with $filter, $top and $skip', async () => {
    const names = async (qs: string) =>
      (await get(`${API}/groups?${qs}`))
        .json<{ value: { name: string }[] }>()
        .value.map((g) => g.name)
    const all = await names('')
    expect(await names(`$filter=${encodeURIComponent(`name eq '${all[1]!}'`)}`)).toEqual([all[1]])
    expect(
      await names(
        `$filter=${encodeURIComponent(`contains(name,'${all[0]!.slice(1, 4).toUpperCase()}') or tolower(name) eq '${all[2]!.toLowerCase()}'`)}`,
      ),
    ).toEqual([all[0], all[2]])
    expect(await names('$top=1&$skip=1')).toEqual([all[1]])
    const bad = await get(`${API}/groups?$filter=${encodeURIComponent('name gt 3')}`)
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ error: { code: 'InvalidRequest' } })
  })

  it('omits endTime while a refresh runs and serviceExceptionJson unless it failed', async () => {
    const sc = app.emulator.scenario
    const running = [...sc.datasets.values()].find(
      (st) => st.tenant === tenant() && st.running && st.workspace.spMember,
    )!
    const res = await get(
      `${API}/groups/${running.workspace.id}/datasets/${running.dataset.id}/refreshes?$top=2`,
    )
    const [first] = res.json<{ value: Record<string, unknown>[] }>().value
    expect(first).toMatchObject({ status: 'Unknown', requestId: running.running!.requestId })
    expect(first).not.toHaveProperty('endTime')
    expect(first).not.toHaveProperty('serviceExceptionJson')
  })

  it('answers 404 ItemNotFound for an unknown dataset and 401 for a workspace the principal is not in', async () => {
    const member = tenant().workspaces[0]!
    const missing = await get(
      `${API}/groups/${member.id}/datasets/cfafbeb1-8037-4d0c-896e-a46fb27ff229`,
    )
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({
      error: {
        code: 'ItemNotFound',
        message:
          'Dataset cfafbeb1-8037-4d0c-896e-a46fb27ff229 is not found! please verify datasetId is correct and user have sufficient permissions.',
      },
    })
    const hidden = tenant().workspaces.find((w) => !w.spMember)!
    const res = await get(`${API}/groups/${hidden.id}/datasets`)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({
      error: {
        code: 'PowerBINotAuthorizedException',
        'pbi.error': {
          code: 'PowerBINotAuthorizedException',
          parameters: {},
          details: [],
          exceptionCulprit: 1,
        },
      },
    })
    // Another tenant's token does not open this tenant's workspace.
    expect((await get(`${API}/groups/${member.id}/datasets`, 1)).statusCode).toBe(404)
  })

  it('refuses requests without a valid token, and expired ones with 403 TokenExpired', async () => {
    expect((await app.inject(`${API}/groups`)).statusCode).toBe(403)
    const headers = await auth()
    realNow += 2 * 3_600_000
    const res = await app.inject({ url: `${API}/groups`, headers })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({
      error: {
        code: 'TokenExpired',
        message: 'Access token has expired, resubmit with a new access token',
      },
    })
  })

  it('starts a standard refresh: 202, RequestId header = history requestId, entry ViaApi', async () => {
    const st = [...app.emulator.scenario.datasets.values()].find(
      (s) => s.tenant === tenant() && s.workspace.spMember && s.dataset.importMode && !s.running,
    )!
    const url = `${API}/groups/${st.workspace.id}/datasets/${st.dataset.id}/refreshes`
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { ...(await auth()), 'content-type': 'application/json' },
      payload: '{"notifyOption":"NoNotification"}',
    })
    expect(res.statusCode).toBe(202)
    expect(res.body).toBe('')
    expect(res.headers.location).toBeUndefined()
    const history = (await get(`${url}?$top=1`)).json<{
      value: { requestId: string; refreshType: string; status: string }[]
    }>().value
    expect(history[0]).toMatchObject({
      requestId: res.headers.requestid,
      refreshType: 'ViaApi',
      status: 'Unknown',
    })
    const again = await app.inject({ method: 'POST', url, headers: await auth() })
    expect(again.statusCode).toBe(400)
    const mail = await app.inject({
      method: 'POST',
      url,
      headers: { ...(await auth()), 'content-type': 'application/json' },
      payload: '{"notifyOption":"MailOnFailure"}',
    })
    expect(mail.statusCode).toBe(400)
  })

  it('runs an enhanced refresh with Location and x-ms-request-id, 202 details while running, 200 after', async () => {
    const st = [...app.emulator.scenario.datasets.values()].find(
      (s) =>
        s.tenant === tenant() &&
        s.workspace.spMember &&
        s.dataset.premium &&
        s.dataset.importMode &&
        !s.running,
    )!
    const url = `${API}/groups/${st.workspace.id}/datasets/${st.dataset.id}/refreshes`
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { ...(await auth()), 'content-type': 'application/json' },
      payload: { type: 'Full', commitMode: 'Transactional' },
    })
    expect(res.statusCode).toBe(202)
    const id = res.headers['x-ms-request-id'] as string
    expect(res.headers.location).toMatch(
      new RegExp(
        `/v1\\.0/myorg/groups/${st.workspace.id}/datasets/${st.dataset.id}/refreshes/${id}$`,
      ),
    )
    const running = await get(`${url}/${id}`)
    expect(running.statusCode).toBe(202)
    expect(running.json()).toMatchObject({
      status: 'Unknown',
      extendedStatus: 'NotStarted',
      type: 'Full',
      commitMode: 'Transactional',
    })
    expect(running.json<{ startTime: string }>().startTime).not.toMatch(/Z$/)
    app.emulator.clock.advance(6 * 3_600_000)
    const done = await get(`${url}/${id}`)
    expect(done.statusCode).toBe(200)
    expect(['Completed', 'Failed']).toContain(done.json<{ status: string }>().status)
    expect(
      (
        await get(
          `${url}/${app.emulator.scenario.datasets.get(st.dataset.id)!.history.find((r) => !r.enhanced)?.requestId ?? 'x'}`,
        )
      ).statusCode,
    ).toBe(404)
  })

  it('rejects enhanced parameters on shared capacity', async () => {
    const st = [...app.emulator.scenario.datasets.values()].find(
      (s) =>
        s.tenant === tenant() &&
        s.workspace.spMember &&
        !s.dataset.premium &&
        s.dataset.importMode &&
        !s.running,
    )!
    const res = await app.inject({
      method: 'POST',
      url: `${API}/groups/${st.workspace.id}/datasets/${st.dataset.id}/refreshes`,
      headers: { ...(await auth()), 'content-type': 'application/json' },
      payload: { type: 'Full' },
    })
    expect(res.statusCode).toBe(400)
  })

  it('reports gateway data source status: 200 empty when fine, 400 envelope B when the gateway is down', async () => {
    const gw = tenant().gateways[0]!
    const source = tenant().sources.find((s) => s.gatewayId === gw.id)!
    app.emulator.scenario.setCredentials(source, 'ok')
    const url = `${API}/gateways/${gw.id}/datasources/${source.id}/status`
    const ok = await get(url)
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toBe('')
    await app.inject({ method: 'POST', url: `/_emulator/gateways/${gw.id}/down` })
    const down = await get(url)
    expect(down.statusCode).toBe(400)
    expect(down.json()).toMatchObject({
      error: { code: 'DM_GWPipeline_Client_GatewayUnreachable' },
    })
    expect(
      (await get(`${API}/gateways`))
        .json<{ value: { id: string; gatewayStatus: string }[] }>()
        .value.find((g) => g.id === gw.id)?.gatewayStatus,
    ).toBe('Unreachable')
  })
})

describe('admin API', () => {
  it('requires $top, honours $expand with ContentProviderType, and lists every workspace', async () => {
    expect((await get(`${API}/admin/groups`)).statusCode).toBe(400)
    const res = await get(`${API}/admin/groups?$top=100&$expand=datasets,users`)
    const groups = res.json<{
      value: { datasets: Record<string, unknown>[]; users: unknown[] }[]
    }>().value
    expect(groups).toHaveLength(4)
    expect(groups[0]!.datasets[0]).toHaveProperty('ContentProviderType')
    expect(groups[0]!.datasets[0]).not.toHaveProperty('contentProviderType')
    expect(groups[0]!.users.length).toBeGreaterThan(0)
  })

  it('throttles /admin/groups at 15 a minute with Retry-After and envelope C, per tenant', async () => {
    const headers = await auth()
    const statuses: number[] = []
    for (let i = 0; i < 16; i++)
      statuses.push((await app.inject({ url: `${API}/admin/groups?$top=1`, headers })).statusCode)
    expect(statuses.slice(0, 15).every((s) => s === 200)).toBe(true)
    const limited = await app.inject({ url: `${API}/admin/groups?$top=1`, headers })
    expect(limited.statusCode).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.json<{ message: string }>().message).toMatch(/Retry in \d+ seconds\.$/)
    expect((await get(`${API}/admin/groups?$top=1`, 1)).statusCode).toBe(200)
    app.emulator.clock.advance(61_000)
    expect((await app.inject({ url: `${API}/admin/groups?$top=1`, headers })).statusCode).toBe(200)
  })

  it('answers 401 on admin routes when the read-only admin API setting is off', async () => {
    await app.inject({
      method: 'POST',
      url: `/_emulator/tenants/${tenant().id}/settings`,
      payload: { adminApisEnabled: false },
    })
    expect((await get(`${API}/admin/groups?$top=1`)).statusCode).toBe(401)
    expect((await get(`${API}/groups`)).statusCode).toBe(200)
  })

  it('computes capacity refreshables from history', async () => {
    const res = await get(`${API}/admin/capacities/refreshables?$top=50&$expand=capacity,group`)
    const items = res.json<{
      value: { refreshCount: number; capacity?: { sku: string }; group?: { id: string } }[]
    }>().value
    expect(items.length).toBeGreaterThan(0)
    for (const item of items) {
      expect(item.refreshCount).toBeLessThanOrEqual(60)
      expect(item.capacity?.sku).toBe('P1')
      expect(item.group?.id).toMatch(/^[0-9a-f-]{36}$/)
    }
  })
})

describe('control API and stats', () => {
  it('injects a fault for a family, counts every response per endpoint and status', async () => {
    const headers = await auth()
    await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      payload: { family: 'groups', kind: 'server-error', status: 500, count: 2 },
    })
    const codes = []
    for (let i = 0; i < 3; i++)
      codes.push((await app.inject({ url: `${API}/groups`, headers })).statusCode)
    expect(codes).toEqual([500, 500, 200])
    const stats = (await app.inject('/_emulator/stats')).json<{
      endpoints: Record<string, { count: number; byStatus: Record<string, number> }>
    }>()
    expect(stats.endpoints['GET /v1.0/myorg/groups']).toEqual({
      count: 3,
      byStatus: { '200': 1, '500': 2 },
    })
    expect(stats.endpoints['POST /:tenantId/oauth2/v2.0/token']?.count).toBe(1)
  })

  it('sends malformed JSON and forced 401s on request', async () => {
    const headers = await auth()
    await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      payload: { family: '*', kind: 'malformed' },
    })
    const bad = await app.inject({ url: `${API}/gateways`, headers })
    expect(bad.statusCode).toBe(200)
    expect(() => JSON.parse(bad.body) as unknown).toThrow()
    await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      payload: { family: 'gateways', kind: 'not-authorized' },
    })
    expect((await app.inject({ url: `${API}/gateways`, headers })).statusCode).toBe(401)
    expect((await app.inject({ url: `${API}/gateways`, headers })).statusCode).toBe(200)
  })

  it('makes a model fail with a given code and refuses unknown codes', async () => {
    const st = [...app.emulator.scenario.datasets.values()].find(
      (s) => s.dataset.importMode && !s.running,
    )!
    const bad = await app.inject({
      method: 'POST',
      url: `/_emulator/datasets/${st.dataset.id}/fail`,
      payload: { code: 'Made_Up' },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ error: { code: 'ERR_EMULATOR_INVALID_REQUEST' } })
    await app.inject({
      method: 'POST',
      url: `/_emulator/datasets/${st.dataset.id}/fail`,
      payload: { code: 'DMTS_DatasourceHasNoCredentialError', shape: 'envelope' },
    })
    const started = await app.inject({
      method: 'POST',
      url: `/_emulator/datasets/${st.dataset.id}/refresh`,
    })
    expect(started.statusCode).toBe(202)
    await app.inject({ method: 'POST', url: '/_emulator/clock/advance', payload: { hours: 3 } })
    const run = st.history.find(
      (r) => r.requestId === started.json<{ requestId: string }>().requestId,
    )!
    expect(run.status).toBe('Failed')
    expect(
      JSON.parse(run.outcome.kind === 'failed' ? run.outcome.failure.serviceExceptionJson : '{}'),
    ).toMatchObject({ error: { code: 'DMTS_DatasourceHasNoCredentialError' } })
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/_emulator/datasets/nope/fail',
          payload: { code: 'x' },
        })
      ).statusCode,
    ).toBe(404)
  })

  it('expires every token early', async () => {
    const headers = await auth()
    expect(
      (await app.inject({ method: 'POST', url: '/_emulator/tokens/expire', payload: {} })).json(),
    ).toEqual({ expired: 1 })
    expect((await app.inject({ url: `${API}/groups`, headers })).json()).toMatchObject({
      error: { code: 'TokenExpired' },
    })
    expect((await get(`${API}/groups`)).statusCode).toBe(200)
  })

  it('answers unknown paths with the ASP.NET 404 body', async () => {
    const res = await app.inject('/v1.0/myorg/nothing-here')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({
      Message:
        "No HTTP resource was found that matches the request URI '/v1.0/myorg/nothing-here'.",
    })
  })
})
