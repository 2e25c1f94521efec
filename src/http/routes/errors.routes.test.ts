import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { smallKb } from '../../../test/helpers/test-kb.ts'
import { buildServer } from '../server.ts'

let app: FastifyInstance
beforeAll(async () => {
  app = await buildServer({ kb: await smallKb() })
})
afterAll(() => app.close())

describe('GET /api/v1/errors', () => {
  it('lists every entry with the fixed fields', async () => {
    const res = await app.inject('/api/v1/errors')
    expect(res.statusCode).toBe(200)
    const body = res.json<{ count: number; entries: Record<string, unknown>[] }>()
    expect(body.count).toBe(3)
    for (const key of [
      'slug',
      'title',
      'codes',
      'platform',
      'category',
      'severity',
      'summary',
      'causes',
      'fixes',
      'faq',
      'related',
      'references',
    ]) {
      expect(body.entries[0]).toHaveProperty(key)
    }
  })

  it('filters by category, severity, platform and words', async () => {
    const slugs = async (qs: string) =>
      (await app.inject(`/api/v1/errors?${qs}`))
        .json<{ entries: { slug: string }[] }>()
        .entries.map((e) => e.slug)
    expect(await slugs('category=gateway')).toEqual(['gateway-offline'])
    expect(await slugs('severity=high')).toEqual(['credentials-missing'])
    expect(await slugs('platform=power-bi&category=capacity')).toEqual(['memory-exceeded'])
    expect(await slugs('q=memory')).toEqual(['memory-exceeded'])
  })

  it('rejects an unknown category, naming the field and the allowed values', async () => {
    const res = await app.inject('/api/v1/errors?category=network')
    expect(res.statusCode).toBe(400)
    const err = res.json<{ error: { code: string; details: { reason: string } } }>().error
    expect(err.code).toBe('ERR_INPUT_INVALID')
    expect(err.details.reason).toContain('category')
    expect(err.details.reason).toContain('authentication')
  })
})

describe('GET /api/v1/errors/:slug', () => {
  it('returns one entry by slug, with related entries', async () => {
    const res = await app.inject('/api/v1/errors/credentials-missing')
    expect(res.statusCode).toBe(200)
    expect(res.json<{ related: string[] }>().related).toEqual(['gateway-offline'])
  })

  it('finds an entry by error code', async () => {
    const res = await app.inject('/api/v1/errors/DM_GWPipeline_Client_GatewayUnreachable')
    expect(res.json<{ slug: string }>().slug).toBe('gateway-offline')
  })

  it('answers 404 with a coded error', async () => {
    const res = await app.inject('/api/v1/errors/nope')
    expect(res.statusCode).toBe(404)
    expect(res.json<{ error: { code: string } }>().error.code).toBe('ERR_KB_ENTRY_NOT_FOUND')
  })
})

describe('pages', () => {
  it('/errors groups entries by category and keeps the filters in the form', async () => {
    const res = await app.inject('/errors?severity=critical')
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.body).toContain('<h2 id="gateway">Gateway')
    expect(res.body).not.toContain('credentials-missing')
    expect(res.body).toContain('<option value="critical" selected>')
    expect(res.body).toContain('1 of 3 entries match.')
  })

  it('/errors/<slug> shows every section', async () => {
    const res = await app.inject('/errors/gateway-offline')
    expect(res.statusCode).toBe(200)
    for (const id of [
      'meaning',
      'causes',
      'fixes',
      'diagnosis',
      'example',
      'faq',
      'related',
      'references',
    ]) {
      expect(res.body).toContain(`<section id="${id}">`)
    }
    expect(res.body).toContain('Is the gateway service running on its machine?')
    expect(res.body).toContain('Other gateway errors')
  })

  it('/errors/<code> redirects to the entry and an unknown slug shows a 404 search page', async () => {
    const redirect = await app.inject('/errors/DM_GWPipeline_Client_GatewayUnreachable')
    expect(redirect.statusCode).toBe(302)
    expect(redirect.headers.location).toBe('/errors/gateway-offline')
    const missing = await app.inject('/errors/no-such-thing')
    expect(missing.statusCode).toBe(404)
    expect(missing.body).toContain('No entry matches')
  })

  it('escapes HTML in the search box', async () => {
    const res = await app.inject('/errors?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E')
    expect(res.body).not.toContain('<script>alert(1)</script>')
    expect(res.body).toContain('&lt;script&gt;')
  })

  it('serves assets and refuses unknown ones', async () => {
    expect((await app.inject('/assets/vigil.css')).headers['content-type']).toContain('text/css')
    expect((await app.inject('/assets/nope.css')).statusCode).toBe(404)
    expect((await app.inject('/assets/..%2Fserver.ts')).statusCode).toBe(400)
  })

  it('redirects / to /errors and answers /healthz', async () => {
    expect((await app.inject('/')).headers.location).toBe('/errors')
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
  })
})

describe('OpenAPI', () => {
  it('documents the JSON routes and hides the pages', async () => {
    const doc = (await app.inject('/api/openapi.json')).json<{ paths: Record<string, unknown> }>()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/errors', '/api/v1/errors/{slug}']),
    )
    expect(doc.paths).not.toHaveProperty('/errors')
  })
})
