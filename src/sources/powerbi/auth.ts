/**
 * App-only access tokens for Power BI through @azure/msal-node's client-credentials flow
 * (contract §1.1), with the same code for the real Entra ID and the local emulator.
 *
 * - One ConfidentialClientApplication per credential, created once (style-anchors §4.3.1).
 * - Tokens are cached and renewed 5 minutes before they expire, measured on the injected clock, and
 *   on demand after Power BI answers 403 TokenExpired (contract §1.1 "Client policy").
 * - Concurrent requests for a token share one call to Entra ID (single flight): a burst of API
 *   calls at start-up, or after an expiry, costs one token request, not one each — repeated token
 *   requests are what trips AADSTS50196 "LoopDetected" (contract §1.2).
 * - The secret goes to MSAL only. MSAL's logger is silenced below warnings and never logs PII;
 *   token responses are never logged.
 *
 * Why the custom network client: MSAL refuses any authority that is not https
 * (`authority_uri_insecure`, msal-common UrlString.validateAsUri) and has no switch to allow it. For
 * a loopback emulator on plain http we therefore give MSAL an https authority on the same host and
 * port, declare that host in `knownAuthorities` (so MSAL skips cloud instance discovery), pass the
 * OpenID metadata in `authorityMetadata` (so it skips the discovery document), and let our
 * `system.networkClient` send those https URLs to `http://` — for loopback hosts only, so a secret
 * can never travel in clear text over a network. The same network client is also how the client's
 * injectable `fetch` and correlation id reach the token request.
 */
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  LogLevel,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node'
import { UserError } from '../../shared/errors.ts'
import type { Clock } from './clock.ts'
import { isPowerBiError, type PowerBiError, powerBiError, redact } from './errors.ts'
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy } from './retry.ts'
import { parseErrorBody } from './schemas.ts'

export const POWER_BI_SCOPE = 'https://analysis.windows.net/powerbi/api/.default'
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com'
/** Renew this long before expiry (contract §1.1: "refresh when fewer than 5 minutes remain"). */
export const RENEW_BEFORE_MS = 5 * 60_000

/** Entra ID hosts MSAL knows itself; any other https host must be declared as a known authority. */
const MICROSOFT_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
])

export interface TokenProvider {
  /** A valid token, from cache or freshly issued. */
  getToken(correlationId: string): Promise<string>
  /** After Power BI rejected `rejected` as expired: a new token (shared with concurrent callers). */
  renew(rejected: string, correlationId: string): Promise<string>
}

export interface TokenProviderOptions {
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: string
  readonly authorityHost?: string | undefined
  readonly scope?: string | undefined
  readonly fetch?: typeof fetch | undefined
  readonly clock: Clock
  readonly random?: (() => number) | undefined
  /** Network errors reaching Entra ID are retried with this policy. */
  readonly retry?: Partial<RetryPolicy> | undefined
  readonly renewBeforeMs?: number | undefined
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h)
}

interface RawTokenResponse {
  readonly status: number
  readonly text: string
  readonly headers: Headers
}

/**
 * MSAL's network hook: forwards to `fetch`, maps the https-faked loopback authority back to http,
 * and keeps the last raw response per correlation id so failures can be reported precisely.
 */
function createNetworkClient(
  fetchImpl: typeof fetch,
  rewrite: (url: string) => string,
  seen: Map<string, RawTokenResponse>,
): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const init: RequestInit = { method }
    // Our correlation id also as a header, like every Power BI request (MSAL puts it in the query).
    const requestHeaders = { ...options?.headers }
    if (options?.correlationId) requestHeaders['client-request-id'] = options.correlationId
    init.headers = requestHeaders
    if (options?.body !== undefined) init.body = options.body
    const response = await fetchImpl(rewrite(url), init)
    const text = await response.text()
    if (options?.correlationId)
      seen.set(options.correlationId, { status: response.status, text, headers: response.headers })
    let body: unknown = {}
    try {
      body = text ? JSON.parse(text) : {}
    } catch {
      body = {}
    }
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => {
      headers[key] = value
    })
    // MSAL's interface is generic in the body type it expects; it validates the body itself.
    return { headers, body: body as T, status: response.status }
  }
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  }
}

/** Builds the MSAL configuration for an authority host, real or emulated (see the file comment). */
export function msalConfiguration(
  options: Pick<TokenProviderOptions, 'tenantId' | 'clientId' | 'clientSecret' | 'authorityHost'>,
  fetchImpl: typeof fetch,
  seen: Map<string, RawTokenResponse>,
): Configuration {
  let host: URL
  try {
    host = new URL(options.authorityHost ?? DEFAULT_AUTHORITY_HOST)
  } catch {
    throw new UserError('ERR_CONFIG_INVALID', { field: 'authorityHost', reason: 'is not a URL' })
  }
  const plainHttp = host.protocol === 'http:'
  if (plainHttp && !isLoopbackHost(host.hostname)) {
    throw new UserError('ERR_CONFIG_INVALID', {
      field: 'authorityHost',
      reason:
        'plain http is only allowed for a loopback emulator (127.0.0.1, localhost, ::1); use https',
    })
  }
  if (!plainHttp && host.protocol !== 'https:') {
    throw new UserError('ERR_CONFIG_INVALID', {
      field: 'authorityHost',
      reason: 'must be an http(s) URL',
    })
  }
  const httpsBase = `https://${host.host}`
  const tenantBase = `${httpsBase}/${options.tenantId}`
  const rewrite = plainHttp
    ? (url: string) =>
        url.startsWith(`${httpsBase}/`)
          ? `http://${host.host}/${url.slice(httpsBase.length + 1)}`
          : url
    : (url: string) => url
  const known = !MICROSOFT_HOSTS.has(host.hostname.toLowerCase())
  return {
    auth: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority: tenantBase,
      ...(known ? { knownAuthorities: [host.host] } : {}),
      ...(plainHttp
        ? {
            authorityMetadata: JSON.stringify({
              token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
              authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
              end_session_endpoint: `${tenantBase}/oauth2/v2.0/logout`,
              issuer: `${tenantBase}/v2.0`,
              jwks_uri: `${tenantBase}/discovery/v2.0/keys`,
            }),
          }
        : {}),
    },
    system: {
      networkClient: createNetworkClient(fetchImpl, rewrite, seen),
      loggerOptions: {
        logLevel: LogLevel.Warning,
        piiLoggingEnabled: false,
        loggerCallback: () => undefined,
      },
    },
  }
}

const hasField = <K extends string>(value: unknown, key: K): value is Record<K, unknown> =>
  typeof value === 'object' && value !== null && key in value

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const scope = options.scope ?? POWER_BI_SCOPE
  const random = options.random ?? Math.random
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry }
  const renewBefore = options.renewBeforeMs ?? RENEW_BEFORE_MS
  const seen = new Map<string, RawTokenResponse>()
  const cca = new ConfidentialClientApplication(msalConfiguration(options, fetchImpl, seen))
  const tokenUrl = `${(options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '')}/${options.tenantId}/oauth2/v2.0/token`

  let cached: { token: string; expiresAt: number } | undefined
  let inflight: Promise<string> | undefined

  /** Turns whatever MSAL threw into a typed error, from the raw response when there was one. */
  function toError(err: unknown, correlationId: string): PowerBiError {
    const raw = seen.get(correlationId)
    const secrets = [options.clientSecret]
    const base = { correlationId, method: 'POST', url: tokenUrl }
    if (raw && raw.status >= 400) {
      const body = parseErrorBody(raw.text)
      const info = {
        ...base,
        httpStatus: raw.status,
        upstreamCode: body.aadsts !== undefined ? `AADSTS${String(body.aadsts)}` : body.code,
        upstreamMessage: body.message === undefined ? undefined : redact(body.message, secrets),
        requestId: raw.headers.get('x-ms-request-id') ?? undefined,
        retryAfterSec: parseRetryAfter(raw.headers.get('retry-after'), options.clock.now()),
      }
      const transient = raw.status === 429 || raw.status >= 500
      return powerBiError(
        transient ? 'ERR_SOURCE_AUTH_UNAVAILABLE' : 'ERR_SOURCE_AUTH_FAILED',
        info,
        { retryable: transient },
      )
    }
    const msalCode =
      hasField(err, 'errorCode') && typeof err.errorCode === 'string' ? err.errorCode : undefined
    const message = err instanceof Error ? redact(err.message, secrets) : undefined
    if (!raw) {
      // No response at all: DNS, refused connection, TLS (MSAL reports `network_error`).
      return powerBiError(
        'ERR_SOURCE_NETWORK',
        { ...base, httpStatus: 0, upstreamCode: msalCode, upstreamMessage: message },
        { retryable: true },
      )
    }
    return powerBiError(
      'ERR_SOURCE_UNEXPECTED_RESPONSE',
      { ...base, httpStatus: raw.status, upstreamCode: msalCode, upstreamMessage: message },
      { retryable: false },
    )
  }

  async function acquire(correlationId: string, force: boolean): Promise<string> {
    // MSAL keeps its own cache on the wall clock; when we decide to renew (our clock says the
    // token is nearly expired, or Power BI rejected it), MSAL would hand back the same token.
    if (force) cca.clearCache()
    for (let attempt = 0; ; attempt++) {
      seen.delete(correlationId)
      try {
        const result = await cca.acquireTokenByClientCredential({ scopes: [scope], correlationId })
        seen.delete(correlationId)
        if (!result?.accessToken) {
          throw powerBiError(
            'ERR_SOURCE_UNEXPECTED_RESPONSE',
            { correlationId, method: 'POST', url: tokenUrl, httpStatus: 200 },
            { retryable: false },
          )
        }
        // expiresOn is wall-clock based; keep the lifetime and anchor it on our clock.
        const lifetime = result.expiresOn ? result.expiresOn.getTime() - Date.now() : 3_600_000
        cached = { token: result.accessToken, expiresAt: options.clock.now() + lifetime }
        return result.accessToken
      } catch (err) {
        const error = isPowerBiError(err) ? err : toError(err, correlationId)
        seen.delete(correlationId)
        // Only failures without a response are retried here: MSAL itself throttles the token
        // endpoint after a 429/5xx (msal-common ThrottlingUtils), and retrying 4xx is pointless.
        if (error.code !== 'ERR_SOURCE_NETWORK' || attempt >= retry.maxRetries) throw error
        await options.clock.sleep(backoffDelay(attempt + 1, retry, random))
      }
    }
  }

  function singleFlight(correlationId: string, force: boolean): Promise<string> {
    inflight ??= acquire(correlationId, force).finally(() => {
      inflight = undefined
    })
    return inflight
  }

  return {
    getToken(correlationId) {
      if (cached && options.clock.now() < cached.expiresAt - renewBefore)
        return Promise.resolve(cached.token)
      return singleFlight(correlationId, cached !== undefined)
    },
    renew(rejected, correlationId) {
      // Another request already replaced the rejected token: use the new one.
      if (
        cached &&
        cached.token !== rejected &&
        options.clock.now() < cached.expiresAt - renewBefore
      ) {
        return Promise.resolve(cached.token)
      }
      if (inflight) return inflight
      cached = undefined
      return singleFlight(correlationId, true)
    },
  }
}
