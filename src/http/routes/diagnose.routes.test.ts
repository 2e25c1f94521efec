import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openKb } from '../../kb/kb.ts'
import { buildServer } from '../server.ts'

let app: FastifyInstance
beforeAll(async () => {
  app = await buildServer({ kb: await openKb() })
})
afterAll(() => app.close())

const SQL = JSON.stringify({
  error: {
    code: 'DM_GWPipeline_Gateway_DataSourceAccessError',
    'pbi.error': {
      code: 'DM_GWPipeline_Gateway_DataSourceAccessError',
      details: [
        {
          code: 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
          detail: { type: 1, value: "Login failed for user 'svc_pbi'." },
        },
        { code: 'Server', detail: { type: 1, value: 'sql-prod-01' } },
      ],
    },
  },
})

describe('POST /api/v1/diagnose', () => {
  it('returns the entry, context, personalised fixes and a link', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      payload: { input: SQL, id: 'r1' },
    })
    expect(res.statusCode).toBe(200)
    const body = res.json<{
      id: string
      slug: string
      category: string
      context: { server: string; user: string }
      entryUrl: string
      fixes: string[]
    }>()
    expect(body.id).toBe('r1')
    expect(body.category).toBe('credentials')
    expect(body.context).toMatchObject({ server: 'sql-prod-01', user: 'svc_pbi' })
    expect(body.entryUrl).toBe(`/errors/${body.slug}`)
    expect(body.fixes.length).toBeGreaterThanOrEqual(3)
  })

  it('rejects a body without input, naming the field', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      payload: { text: 'x' },
    })
    expect(res.statusCode).toBe(400)
    expect(
      res.json<{ error: { code: string; details: { reason: string } } }>().error.details.reason,
    ).toContain('input')
  })

  it('rejects an input over 1 MB with 400 or 413, never a crash', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/diagnose',
      payload: { input: 'x'.repeat(1024 * 1024 + 10) },
    })
    expect([400, 413]).toContain(res.statusCode)
  })
})

describe('/diagnose page', () => {
  it('shows a paste box, and the result of a form post without JavaScript', async () => {
    const page = await app.inject('/diagnose')
    expect(page.body).toContain('<textarea id="input" name="input"')
    const res = await app.inject({
      method: 'POST',
      url: '/diagnose',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ input: SQL }).toString(),
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('id="result"')
    expect(res.body).toContain('<mark>sql-prod-01</mark>')
    expect(res.body).toContain('Read the full entry')
    // The pasted text is echoed back escaped.
    expect(res.body).toContain('&quot;DM_GWPipeline_Gateway_DataSourceAccessError&quot;')
  })

  it('says so honestly when nothing matches', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/diagnose',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'input=my+cat+walked+over+the+keyboard',
    })
    expect(res.body).toContain('No matching entry')
  })
})
