import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { injectFetch } from '../../emulator/inject-fetch.ts'
import { buildEmulator, type Emulator } from '../../emulator/server.ts'
import { AppError } from '../../shared/errors.ts'
import {
  createTokenProvider,
  isLoopbackHost,
  msalConfiguration,
  type TokenProviderOptions,
} from './auth.ts'
import { ManualClock } from './clock.ts'
import { failure } from '../../../test/helpers/powerbi-errors.ts'

const HOST = 'http://127.0.0.1:8400'
let app: Emulator
let tenantId = ''

beforeAll(() => {
  app = buildEmulator({
    seed: 3,
    tenants: 1,
    workspaces: 1,
    models: 1,
    speed: 0,
    tokenTtlSeconds: 3600,
  })
  tenantId = app.emulator.scenario.world.tenants[0]!.id
})
afterAll(async () => {
  await app.close()
})

/** The emulator behind a fetch that counts token requests and can fail the next N with a network error. */
function counted() {
  const inner = injectFetch(app)
  const state = {
    tokenCalls: 0,
    failNext: 0,
    urls: [] as string[],
    correlation: [] as (string | null)[],
  }
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    state.urls.push(url)
    if (url.includes('/oauth2/v2.0/token')) {
      state.tokenCalls++
      state.correlation.push(new Headers(init?.headers).get('client-request-id'))
    }
    if (state.failNext > 0) {
      state.failNext--
      return Promise.reject(new TypeError('fetch failed'))
    }
    return inner(input, init)
  }
  return { fetch, state }
}

function provider(extra: Partial<TokenProviderOptions> = {}) {
  const { fetch, state } = counted()
  const clock = new ManualClock({ start: Date.now() })
  const tokens = createTokenProvider({
    tenantId,
    clientId: 'vigil-emulator',
    clientSecret: 'emulator-secret',
    authorityHost: HOST,
    fetch,
    clock,
    random: () => 0.5,
    retry: { baseDelayMs: 1 },
    ...extra,
  })
  return { tokens, state, clock }
}

describe('MSAL configuration', () => {
  const fetch = globalThis.fetch
  it('fakes https for a loopback http authority, with known authority and metadata', () => {
    const config = msalConfiguration(
      { tenantId: 't1', clientId: 'c', clientSecret: 's', authorityHost: 'http://127.0.0.1:8400' },
      fetch,
      new Map(),
    )
    expect(config.auth.authority).toBe('https://127.0.0.1:8400/t1')
    expect(config.auth.knownAuthorities).toEqual(['127.0.0.1:8400'])
    expect(JSON.parse(config.auth.authorityMetadata ?? '{}')).toMatchObject({
      token_endpoint: 'https://127.0.0.1:8400/t1/oauth2/v2.0/token',
    })
  })

  it('leaves the real Entra ID to MSAL', () => {
    const config = msalConfiguration(
      {
        tenantId: 't1',
        clientId: 'c',
        clientSecret: 's',
        authorityHost: 'https://login.microsoftonline.com',
      },
      fetch,
      new Map(),
    )
    expect(config.auth.authority).toBe('https://login.microsoftonline.com/t1')
    expect(config.auth.knownAuthorities).toBeUndefined()
    expect(config.auth.authorityMetadata).toBeUndefined()
  })

  it('refuses plain http to anything but loopback, so a secret never crosses a network in clear', () => {
    expect(() =>
      msalConfiguration(
        {
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          authorityHost: 'http://login.example.com',
        },
        fetch,
        new Map(),
      ),
    ).toThrow(AppError)
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect(['10.0.0.1', 'example.com', '127.0.0.1.example.com'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
    ])
  })
})

describe('token provider against the emulator', () => {
  it('makes one token request for a burst of concurrent callers (single flight), then serves the cache', async () => {
    const { tokens, state } = provider()
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => tokens.getToken(`c${String(i)}`)),
    )
    expect(new Set(all).size).toBe(1)
    expect(state.tokenCalls).toBe(1)
    expect(state.correlation).toEqual(['c0'])
    // MSAL talked to the http emulator through our network client, not to an https URL.
    expect(state.urls.every((u) => u.startsWith(`${HOST}/${tenantId}/`))).toBe(true)
    await tokens.getToken('again')
    expect(state.tokenCalls).toBe(1)
  })

  it('renews 5 minutes before expiry on its own clock', async () => {
    const { tokens, state, clock } = provider()
    const first = await tokens.getToken('a')
    await clock.advance(3600_000 - 6 * 60_000)
    expect(await tokens.getToken('b')).toBe(first)
    await clock.advance(2 * 60_000)
    const second = await tokens.getToken('c')
    expect(second).not.toBe(first)
    expect(state.tokenCalls).toBe(2)
  })

  it('renews a rejected token once for concurrent callers, and not again for a stale rejection', async () => {
    const { tokens, state } = provider()
    const first = await tokens.getToken('a')
    const renewed = await Promise.all([
      tokens.renew(first, 'b'),
      tokens.renew(first, 'c'),
      tokens.renew(first, 'd'),
    ])
    expect(new Set(renewed).size).toBe(1)
    expect(renewed[0]).not.toBe(first)
    expect(state.tokenCalls).toBe(2)
    expect(await tokens.renew(first, 'e')).toBe(renewed[0])
    expect(state.tokenCalls).toBe(2)
  })

  it('reports a wrong secret as ERR_SOURCE_AUTH_FAILED with the AADSTS code and no secret', async () => {
    const { tokens } = provider({ clientSecret: 'wrong-secret-value' })
    const err = await failure(tokens.getToken('corr-x'))
    expect(err.code).toBe('ERR_SOURCE_AUTH_FAILED')
    expect(err.info).toMatchObject({
      httpStatus: 401,
      upstreamCode: 'AADSTS7000215',
      correlationId: 'corr-x',
    })
    expect(err.info.upstreamMessage).toMatch(/^AADSTS7000215: Invalid client secret provided/)
    expect(err.info.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(JSON.stringify(err) + String(err.stack)).not.toContain('wrong-secret-value')
  })

  it('reports an unknown tenant and an unknown app with their own codes', async () => {
    expect(
      (
        await failure(
          provider({ tenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }).tokens.getToken('a'),
        )
      ).info.upstreamCode,
    ).toBe('AADSTS90002')
    expect(
      (await failure(provider({ clientId: 'another-app' }).tokens.getToken('a'))).info.upstreamCode,
    ).toBe('AADSTS700016')
  })

  it('retries network failures with backoff, then reports ERR_SOURCE_NETWORK', async () => {
    const ok = provider()
    ok.state.failNext = 2
    await ok.tokens.getToken('a')
    expect(ok.clock.sleeps).toHaveLength(2)
    const down = provider()
    down.state.failNext = 10
    const err = await failure(down.tokens.getToken('b'))
    expect(err.code).toBe('ERR_SOURCE_NETWORK')
    expect(down.clock.sleeps).toHaveLength(3)
  })

  it('reports a 503 from the token endpoint as retryable ERR_SOURCE_AUTH_UNAVAILABLE with Retry-After', async () => {
    await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      payload: { family: 'token', kind: 'server-error', status: 503, retryAfter: 12 },
    })
    const err = await failure(provider().tokens.getToken('a'))
    expect(err.code).toBe('ERR_SOURCE_AUTH_UNAVAILABLE')
    expect(err.info).toMatchObject({
      httpStatus: 503,
      upstreamCode: 'AADSTS90033',
      retryAfterSec: 12,
    })
    expect(err).toMatchObject({ retryable: true })
  })
})
