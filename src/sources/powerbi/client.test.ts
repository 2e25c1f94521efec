import { describe, expect, it } from 'vitest'
import type { TokenProvider } from './auth.ts'
import { createPowerBiClient, type PowerBiClientOptions } from './client.ts'
import { ManualClock } from './clock.ts'
import { failure } from '../../../test/helpers/powerbi-errors.ts'

const API = 'https://api.powerbi.com/v1.0/myorg'
const SECRET = 'super-secret-value'
const TOKEN_A = 'eyJhbGciOi.token-a-payload.sig'
const TOKEN_B = 'eyJhbGciOi.token-b-payload.sig'

type Scripted = Response | Error | (() => Response)

/** A fetch fed by a queue of responses, recording every request (style-anchors §4.6). */
function scriptedFetch(queue: Scripted[]) {
  const log: { url: string; method: string; headers: Headers; body: string | null }[] = []
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init)
    log.push({
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: request.body ? await request.text() : null,
    })
    const next = queue.shift()
    if (next === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`)
    if (next instanceof Error) throw next
    return typeof next === 'function' ? next() : next
  }
  return { fetch, log }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', requestid: `req-${String(status)}`, ...headers },
  })
const empty = (status: number, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers: { requestid: `req-${String(status)}`, ...headers } })

function fakeTokens() {
  const calls = { get: 0, renew: 0 }
  const tokens: TokenProvider = {
    getToken: () => {
      calls.get++
      return Promise.resolve(calls.renew > 0 ? TOKEN_B : TOKEN_A)
    },
    renew: () => {
      calls.renew++
      return Promise.resolve(TOKEN_B)
    },
  }
  return { tokens, calls }
}

function setup(queue: Scripted[], extra: Partial<PowerBiClientOptions> = {}) {
  const { fetch, log } = scriptedFetch(queue)
  const clock = new ManualClock()
  const { tokens, calls } = fakeTokens()
  let n = 0
  const client = createPowerBiClient({
    tenantId: 'tenant-1',
    clientId: 'client-1',
    clientSecret: SECRET,
    fetch,
    clock,
    random: () => 0.5,
    tokens,
    newCorrelationId: () => `corr-${String(++n)}`,
    ...extra,
  })
  return { client, log, clock, calls }
}

const groups = { '@odata.context': 'x', value: [{ id: 'g1', name: 'Finance' }] }

describe('request basics', () => {
  it('sends the bearer token and a fresh correlation id on every request', async () => {
    const { client, log } = setup([json(200, groups), json(200, groups)])
    await client.listGroups({ top: 10, filter: "name eq 'Finance'" })
    await client.listGroups()
    expect(log.map((l) => l.headers.get('authorization'))).toEqual([
      `Bearer ${TOKEN_A}`,
      `Bearer ${TOKEN_A}`,
    ])
    expect(log.map((l) => l.headers.get('x-ms-client-request-id'))).toEqual(['corr-1', 'corr-2'])
    expect(log[0]?.url).toBe(`${API}/groups?%24top=10&%24filter=name+eq+%27Finance%27`)
  })

  it('reads keys case-insensitively and keeps unknown enum values', async () => {
    const { client } = setup([
      json(200, {
        Value: [
          {
            Id: 'd1',
            NAME: 'Sales',
            IsRefreshable: true,
            ContentProviderType: 'PbixInImportMode',
            somethingNew: 1,
          },
        ],
      }),
      json(200, {
        value: [
          {
            requestId: 'r1',
            refreshType: 'reliableprocessing',
            status: 'COMPLETED',
            startTime: 'x',
          },
          { status: 'BrandNew' },
        ],
      }),
    ])
    expect(await client.listDatasets('g1')).toEqual([
      { id: 'd1', name: 'Sales', isRefreshable: true, contentProviderType: 'PbixInImportMode' },
    ])
    const history = await client.getRefreshHistory('g1', 'd1', 5)
    expect(history.map((h) => [h.refreshType, h.status])).toEqual([
      ['ReliableProcessing', 'Completed'],
      [undefined, 'BrandNew'],
    ])
  })

  it('returns standard and enhanced refresh ids from their headers', async () => {
    const { client, log } = setup([
      empty(202, { requestid: 'std-id' }),
      empty(202, {
        requestid: 'resp-id',
        'x-ms-request-id': 'enh-id',
        location: `${API}/groups/g/datasets/d/refreshes/enh-id`,
      }),
    ])
    expect(await client.triggerRefresh('g', 'd')).toEqual({
      requestId: 'std-id',
      location: undefined,
    })
    expect(await client.triggerRefresh('g', 'd', { type: 'Full' })).toEqual({
      requestId: 'enh-id',
      location: `${API}/groups/g/datasets/d/refreshes/enh-id`,
    })
    expect(log[1]?.body).toBe('{"type":"Full"}')
  })

  it('treats a 400 DM_GWPipeline status as data, not an exception', async () => {
    const body = {
      error: {
        code: 'DM_GWPipeline_Client_GatewayUnreachable',
        'pbi.error': {
          code: 'DM_GWPipeline_Client_GatewayUnreachable',
          parameters: {},
          details: [],
          exceptionCulprit: 1,
        },
      },
    }
    const { client } = setup([empty(200), json(400, body)])
    expect(await client.getDatasourceStatus('gw', 'ds')).toEqual({ ok: true })
    const down = await client.getDatasourceStatus('gw', 'ds')
    expect(down.ok).toBe(false)
    expect(!down.ok && down.error.info.upstreamCode).toBe('DM_GWPipeline_Client_GatewayUnreachable')
  })
})

describe('errors and retries', () => {
  it.each([
    [
      400,
      { error: { code: 'InvalidRequest', message: 'bad' } },
      'ERR_SOURCE_REQUEST_REJECTED',
      'InvalidRequest',
    ],
    [
      401,
      {
        error: {
          code: 'PowerBINotAuthorizedException',
          'pbi.error': {
            code: 'PowerBINotAuthorizedException',
            parameters: {},
            details: [],
            exceptionCulprit: 1,
          },
        },
      },
      'ERR_SOURCE_NOT_AUTHORIZED',
      'PowerBINotAuthorizedException',
    ],
    [403, '', 'ERR_SOURCE_NOT_AUTHORIZED', undefined],
    [
      404,
      {
        error: {
          code: 'PowerBIEntityNotFound',
          'pbi.error': {
            code: 'PowerBIEntityNotFound',
            parameters: {},
            details: [],
            exceptionCulprit: 1,
          },
        },
      },
      'ERR_SOURCE_NOT_FOUND',
      'PowerBIEntityNotFound',
    ],
  ])('never retries HTTP %i', async (status, body, code, upstream) => {
    const { client, log, clock } = setup([json(status, body)])
    const err = await failure(client.listGroups())
    expect(log).toHaveLength(1)
    expect(clock.sleeps).toEqual([])
    expect(err.code).toBe(code)
    expect(err.info).toMatchObject({
      httpStatus: status,
      upstreamCode: upstream,
      requestId: `req-${String(status)}`,
      correlationId: 'corr-1',
      method: 'GET',
    })
  })

  it('retries 5xx with jittered exponential backoff, then gives up with a typed error', async () => {
    const { client, log, clock } = setup([
      json(500, { Message: 'An error has occurred.' }),
      empty(502),
      empty(504),
      json(500, { Message: 'An error has occurred.' }),
    ])
    const err = await failure(client.listGroups())
    expect(log).toHaveLength(4)
    // base 2 s, "equal jitter" with random 0.5: 0.75 × 2, 4, 8 s.
    expect(clock.sleeps).toEqual([1500, 3000, 6000])
    expect(err.code).toBe('ERR_SOURCE_UNAVAILABLE')
    expect(err.info).toMatchObject({ httpStatus: 500, upstreamMessage: 'An error has occurred.' })
    expect(err).toMatchObject({ retryable: true })
  })

  it('honours Retry-After on a 503 and succeeds on the next try', async () => {
    const { client, clock } = setup([empty(503, { 'retry-after': '7' }), json(200, groups)])
    expect(await client.listGroups()).toHaveLength(1)
    expect(clock.sleeps).toEqual([7350])
  })

  it('retries network errors and timeouts, and reports them as ERR_SOURCE_NETWORK', async () => {
    const timeout = () =>
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })
    const { client, log } = setup([new TypeError('fetch failed'), timeout(), timeout(), timeout()])
    const err = await failure(client.listGroups())
    expect(log).toHaveLength(4)
    expect(err.code).toBe('ERR_SOURCE_NETWORK')
    expect(err.info).toMatchObject({ httpStatus: 0, upstreamCode: 'Timeout' })
  })

  it('never retries POST .../refreshes on 5xx or network errors (it may have started)', async () => {
    const { client, log } = setup([empty(503)])
    expect((await failure(client.triggerRefresh('g', 'd'))).code).toBe('ERR_SOURCE_UNAVAILABLE')
    expect(log).toHaveLength(1)
    const second = setup([new TypeError('fetch failed')])
    expect((await failure(second.client.triggerRefresh('g', 'd'))).code).toBe('ERR_SOURCE_NETWORK')
    expect(second.log).toHaveLength(1)
  })

  it('reports malformed JSON and unknown shapes as ERR_SOURCE_UNEXPECTED_RESPONSE without retrying', async () => {
    const { client, log } = setup([
      json(200, '{"value":[{"id":'),
      json(200, { value: 'not a list' }),
    ])
    const malformed = await failure(client.listGroups())
    expect(malformed.code).toBe('ERR_SOURCE_UNEXPECTED_RESPONSE')
    expect(malformed.info.upstreamMessage).toMatch(/not valid JSON/)
    const shape = await failure(client.listGroups())
    expect(shape.code).toBe('ERR_SOURCE_UNEXPECTED_RESPONSE')
    expect(shape.info.upstreamMessage).toMatch(/value: Expected array/)
    expect(log).toHaveLength(2)
  })

  it('redacts tokens and secrets even when the service echoes them', async () => {
    const echo = {
      error: {
        code: 'InvalidRequest',
        message: `saw Bearer ${TOKEN_A} and client_secret=${SECRET} and ${TOKEN_A}`,
      },
    }
    const { client } = setup([json(400, echo)])
    const err = await failure(client.listGroups())
    const everything = JSON.stringify(err) + err.message + String(err.stack)
    expect(everything).not.toContain(TOKEN_A)
    expect(everything).not.toContain(SECRET)
    expect(err.info.upstreamMessage).toBe(
      'saw Bearer [REDACTED] and client_secret=[REDACTED] and [REDACTED]',
    )
  })
})

describe('token expiry', () => {
  const expired = () =>
    json(403, {
      error: {
        code: 'TokenExpired',
        message: 'Access token has expired, resubmit with a new access token',
      },
    })

  it('renews the token once on 403 TokenExpired and replays the request', async () => {
    const { client, log, calls } = setup([expired(), json(200, groups)])
    expect(await client.listGroups()).toHaveLength(1)
    expect(calls.renew).toBe(1)
    expect(log.map((l) => l.headers.get('authorization'))).toEqual([
      `Bearer ${TOKEN_A}`,
      `Bearer ${TOKEN_B}`,
    ])
    // Same logical request: same correlation id on the replay.
    expect(new Set(log.map((l) => l.headers.get('x-ms-client-request-id')))).toEqual(
      new Set(['corr-1']),
    )
  })

  it('gives up after one replay', async () => {
    const { client, log, calls } = setup([expired(), expired()])
    const err = await failure(client.listGroups())
    expect(err.code).toBe('ERR_SOURCE_TOKEN_EXPIRED')
    expect(calls.renew).toBe(1)
    expect(log).toHaveLength(2)
  })
})

describe('throttling', () => {
  const throttled = (
    headers: Record<string, string>,
    message = 'You have exceeded the amount of requests allowed in the current time frame and further requests will fail.',
  ) => json(429, { message }, headers)

  it('waits Retry-After (+ up to 10 % jitter) and blocks the whole family meanwhile', async () => {
    const { client, clock } = setup([
      throttled({ 'retry-after': '30' }),
      json(200, { value: [] }),
      json(200, { value: [] }),
    ])
    await client.listDatasets('g1')
    expect(clock.sleeps).toEqual([31_500])
    await client.listDatasets('g2')
    // The block ended with the wait: the next request in the family goes straight out.
    expect(clock.sleeps).toEqual([31_500])
  })

  it('falls back to "Retry in N seconds" in the body, then to exponential backoff', async () => {
    const { client, clock } = setup([
      throttled(
        {},
        'You have exceeded the amount of requests allowed in the current time frame and further requests will fail. Retry in 20 seconds.',
      ),
      throttled({}),
      json(200, groups),
    ])
    await client.listGroups()
    // 20 s × 1.05; then min(2^2 · 5 s, 15 min) × 0.5 for the second 429 of this request.
    expect(clock.sleeps).toEqual([21_000, 10_000])
  })

  it('fails with ERR_SOURCE_RATE_LIMITED when the wait is longer than the policy allows', async () => {
    const { client, log } = setup([throttled({ 'retry-after': '3392' })])
    const err = await failure(client.listAdminGroups({ top: 5000 }))
    expect(err.code).toBe('ERR_SOURCE_RATE_LIMITED')
    expect(err.info.retryAfterSec).toBe(3392)
    expect(err).toMatchObject({ retryable: true })
    expect(log).toHaveLength(1)
  })

  it('keeps admin groups under 12 calls a minute on its own, before the service complains', async () => {
    const queue = Array.from({ length: 13 }, () => json(200, { value: [] }))
    const { client, clock, log } = setup(queue)
    for (let i = 0; i < 13; i++) await client.listAdminGroups({ top: 1 })
    expect(log).toHaveLength(13)
    expect(clock.sleeps).toEqual([60_000])
  })

  it('lets the caller decide through onRateLimit', async () => {
    const seen: unknown[] = []
    const { client } = setup([throttled({ 'retry-after': '5' })], {
      onRateLimit: (info) => {
        seen.push(info)
        return false
      },
    })
    expect((await failure(client.listGroups())).code).toBe('ERR_SOURCE_RATE_LIMITED')
    expect(seen).toEqual([
      {
        principal: 'tenant-1/client-1',
        family: 'groups',
        waitMs: 5250,
        reason: 'throttled',
        attempt: 0,
        retryAfterSec: 5,
      },
    ])
  })
})
