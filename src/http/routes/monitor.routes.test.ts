/**
 * The incidents and tenants API against a real SQLite store, with incidents the monitor opened from
 * a failed refresh in the in-process emulator (seed 7).
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openKb } from '../../kb/kb.ts'
import {
  type Fixture,
  monitorWithFailedRefresh,
  tempDbPath,
} from '../../monitor/emulator-fixture.ts'
import { listTenantRows } from '../../tenants/tenant.repository.ts'
import { buildServer } from '../server.ts'

const SECRET = 'plain-secret-Zq81-never-echo'

let f: Fixture
let app: FastifyInstance
let failedId: number

interface IncidentBody {
  id: number
  state: string
  condition: string
  subjectId: string
  snoozedUntil: string | null
}

beforeAll(async () => {
  ;({ fixture: f, incidentId: failedId } = await monitorWithFailedRefresh({
    kb: await openKb(),
    dbPath: tempDbPath(),
  }))
  app = await buildServer({ kb: f.monitor.kb, monitor: f.monitor })
})
afterAll(async () => {
  await app.close()
  await f.store.close()
})

describe('incidents', () => {
  it('lists newest first and filters by state, condition and limit', async () => {
    const res = await app.inject('/api/v1/incidents')
    expect(res.statusCode).toBe(200)
    const body = res.json<{ count: number; incidents: IncidentBody[] }>()
    expect(body.count).toBe(body.incidents.length)
    expect(body.incidents.map((i) => i.id)).toContain(failedId)
    const ids = body.incidents.map((i) => i.id)
    expect(ids).toEqual([...ids].sort((a, b) => b - a))

    const filtered = await app.inject('/api/v1/incidents?state=open&condition=refresh_failed')
    const list = filtered.json<{ incidents: IncidentBody[] }>().incidents
    expect(list.map((i) => i.id)).toContain(failedId)
    expect(list.every((i) => i.state === 'open' && i.condition === 'refresh_failed')).toBe(true)
    const none = await app.inject('/api/v1/incidents?state=resolved&condition=refresh_failed')
    expect(none.json<{ count: number }>().count).toBe(0)
    const one = await app.inject('/api/v1/incidents?limit=1')
    expect(one.json<{ incidents: IncidentBody[] }>().incidents).toHaveLength(1)
  })

  it('rejects bad filters with 400 naming the field', async () => {
    for (const [query, field] of [
      ['state=broken', 'state'],
      ['condition=nope', 'condition'],
      ['limit=0', 'limit'],
      ['other=1', 'other'],
    ] as const) {
      const res = await app.inject(`/api/v1/incidents?${query}`)
      expect(res.statusCode, query).toBe(400)
      const err = res.json<{ error: { code: string; details: { reason: string } } }>().error
      expect(err.code).toBe('ERR_INPUT_INVALID')
      expect(err.details.reason).toContain(field)
    }
  })

  it('shows one incident with its timeline; 404 and 400 otherwise', async () => {
    const res = await app.inject(`/api/v1/incidents/${String(failedId)}`)
    expect(res.statusCode).toBe(200)
    const body = res.json<{ incident: IncidentBody; events: { kind: string; at: string }[] }>()
    expect(body.incident).toMatchObject({ id: failedId, condition: 'refresh_failed' })
    expect(body.events[0]?.kind).toBe('opened')
    expect(body.events[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/)

    const missing = await app.inject('/api/v1/incidents/999999')
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({
      error: { code: 'ERR_INCIDENT_NOT_FOUND', details: { id: 999999 } },
    })
    expect((await app.inject('/api/v1/incidents/abc')).statusCode).toBe(400)
  })

  it('acknowledges, recording it on the timeline', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${String(failedId)}/acknowledge`,
    })
    expect(res.statusCode).toBe(200)
    expect(res.json<IncidentBody>().state).toBe('acknowledged')
    const shown = await app.inject(`/api/v1/incidents/${String(failedId)}`)
    expect(shown.json<{ events: { kind: string }[] }>().events.map((e) => e.kind)).toContain(
      'acknowledged',
    )
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/incidents/999999/acknowledge',
    })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ error: { code: 'ERR_INCIDENT_NOT_FOUND' } })
  })

  it('snoozes for N minutes of the monitor clock; validates minutes strictly', async () => {
    const url = `/api/v1/incidents/${String(failedId)}/snooze`
    const res = await app.inject({ method: 'POST', url, payload: { minutes: 30 } })
    expect(res.statusCode).toBe(200)
    const body = res.json<IncidentBody>()
    expect(body.state).toBe('snoozed')
    expect(Date.parse(String(body.snoozedUntil))).toBe(f.app.emulator.clock.now() + 30 * 60_000)

    for (const [payload, field] of [
      [{ minutes: 0 }, 'minutes'],
      [{ minutes: 10081 }, 'minutes'],
      [{ minutes: 1.5 }, 'minutes'],
      [{}, 'minutes'],
      [{ minutes: 5, until: 1 }, 'until'],
    ] as const) {
      const bad = await app.inject({ method: 'POST', url, payload })
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400)
      expect(bad.json<{ error: { details: { reason: string } } }>().error.details.reason).toContain(
        field,
      )
    }
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/incidents/999999/snooze',
      payload: { minutes: 5 },
    })
    expect(missing.statusCode).toBe(404)
  })
})

describe('tenants', () => {
  /** Every secret the store holds, plain and encrypted: none may appear in any response. */
  async function secrets(): Promise<string[]> {
    const encrypted = (await listTenantRows(f.store.db)).map((r) => r.secret_enc)
    const plain = (await f.monitor.tenants()).map((t) => t.secret.reveal())
    return [...encrypted, ...plain]
  }
  function expectNoSecret(body: string, known: readonly string[]): void {
    expect(body).not.toMatch(/secret/i)
    for (const s of known) expect(body).not.toContain(s)
  }

  it('lists, adds (secret stored encrypted), replaces and removes tenants without ever returning a secret', async () => {
    const listed = await app.inject('/api/v1/tenants')
    expect(listed.statusCode).toBe(200)
    expect(listed.json()).toMatchObject({ count: 1, tenants: [{ key: 'default', origin: 'env' }] })
    expectNoSecret(listed.body, await secrets())

    const tenant = { key: 'contoso', tenantId: 't-1', clientId: 'c-1', clientSecret: SECRET }
    const created = await app.inject({ method: 'POST', url: '/api/v1/tenants', payload: tenant })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({ key: 'contoso', name: 'contoso', origin: 'api' })
    const row = (await listTenantRows(f.store.db)).find((r) => r.key === 'contoso')
    expect(row?.secret_enc).toMatch(/^v1\./)
    expect(row?.secret_enc).not.toContain(SECRET)
    const saved = (await f.monitor.tenants()).find((t) => t.key === 'contoso')
    expect(saved?.secret.reveal()).toBe(SECRET)

    const replaced = await app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      payload: { ...tenant, apiUrl: 'https://api.example.test/v1.0/myorg' },
    })
    expect(replaced.statusCode).toBe(200)
    expect(replaced.json()).toMatchObject({ apiUrl: 'https://api.example.test/v1.0/myorg' })

    const known = await secrets()
    expect(known).toContain(SECRET)
    for (const res of [created, replaced, await app.inject('/api/v1/tenants')]) {
      expectNoSecret(res.body, known)
    }
    expect((await app.inject('/api/v1/tenants')).json()).toMatchObject({ count: 2 })

    const removed = await app.inject({ method: 'DELETE', url: '/api/v1/tenants/contoso' })
    expect(removed.statusCode).toBe(204)
    expect((await app.inject('/api/v1/tenants')).json()).toMatchObject({ count: 1 })
    const again = await app.inject({ method: 'DELETE', url: '/api/v1/tenants/contoso' })
    expect(again.statusCode).toBe(404)
    expect(again.json()).toMatchObject({
      error: { code: 'ERR_TENANT_NOT_FOUND', details: { key: 'contoso' } },
    })
  })

  it('validates the body and names the field', async () => {
    const ok = { key: 'fabrikam', tenantId: 't', clientId: 'c', clientSecret: SECRET }
    for (const [payload, field] of [
      [{ ...ok, key: 'Not A Key' }, 'key'],
      [{ key: 'fabrikam', tenantId: 't', clientId: 'c' }, 'clientSecret'],
      [{ ...ok, clientSecret: '' }, 'clientSecret'],
      [{ ...ok, apiUrl: 'ftp://x' }, 'apiUrl'],
      [{ ...ok, secretEnc: 'v1.x' }, 'secretEnc'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/tenants', payload })
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json<{ error: { details: { reason: string } } }>().error.details.reason).toContain(
        field,
      )
      expect(res.body).not.toContain(SECRET)
    }
    expect((await listTenantRows(f.store.db)).map((r) => r.key)).not.toContain('fabrikam')
  })
})

describe('without a monitor', () => {
  it('serves no incidents or tenants API, and documents it when present', async () => {
    const bare = await buildServer({ kb: f.monitor.kb })
    try {
      expect((await bare.inject('/api/v1/incidents')).statusCode).toBe(404)
      expect((await bare.inject('/api/v1/tenants')).statusCode).toBe(404)
    } finally {
      await bare.close()
    }
    const spec = (await app.inject('/api/openapi.json')).json<{ paths: Record<string, unknown> }>()
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/incidents',
        '/api/v1/incidents/{id}',
        '/api/v1/incidents/{id}/snooze',
        '/api/v1/tenants',
        '/api/v1/tenants/{key}',
      ]),
    )
  })
})
