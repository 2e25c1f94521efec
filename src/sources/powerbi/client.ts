/**
 * The Power BI REST client: hooks around one request (style-anchors §4.3.1, after Octokit).
 * Every call passes through
 *
 *   auth      bearer token from the cache; on 403 TokenExpired renew and replay once (§1.1)
 *   throttle  wait while the family is blocked or over budget; a 429 blocks the family (§5.3)
 *   retry     500/502/503/504 and network errors, jittered exponential backoff (§5.3)
 *   transport the injectable `fetch`, with a timeout and a correlation id header
 *
 * and its 2xx body is parsed with zod (schemas.ts). Anything else ends as a typed error from
 * errors.ts. The same code talks to api.powerbi.com and to the emulator: only URLs differ.
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import { createTokenProvider, DEFAULT_AUTHORITY_HOST, type TokenProvider } from './auth.ts'
import { type Clock, systemClock } from './clock.ts'
import {
  codeForStatus,
  isPowerBiError,
  type PowerBiError,
  type PowerBiErrorInfo,
  powerBiError,
  redact,
} from './errors.ts'
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  throttleBackoff,
} from './retry.ts'
import {
  AdminGroupSchema,
  DataflowSchema,
  DataflowTransactionSchema,
  DatasetSchema,
  DatasourceSchema,
  GatewayDatasourceSchema,
  GatewaySchema,
  GroupSchema,
  odataList,
  parseErrorBody,
  RefreshableSchema,
  RefreshDetailSchema,
  RefreshScheduleSchema,
  RefreshSchema,
  ReportSchema,
} from './schemas.ts'
import {
  defaultRateLimitPolicy,
  type EndpointFamily,
  endpointFamily,
  type RateLimitPolicy,
  Throttle,
} from './throttle.ts'

export const DEFAULT_API_URL = 'https://api.powerbi.com/v1.0/myorg'
/** Header carrying our correlation id on every request; Entra ID gets it as `client-request-id` via MSAL. */
export const CORRELATION_HEADER = 'x-ms-client-request-id'

/** The subset of pino the client uses; never given tokens or secrets. */
export interface ClientLogger {
  debug(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
}

const silentLogger: ClientLogger = { debug: () => undefined, warn: () => undefined }

export interface PowerBiClientOptions {
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: string
  /** Entra ID host (default https://login.microsoftonline.com); the emulator's URL for local use. */
  readonly authorityHost?: string | undefined
  /** API base (default https://api.powerbi.com/v1.0/myorg). */
  readonly apiUrl?: string | undefined
  readonly fetch?: typeof fetch | undefined
  readonly clock?: Clock | undefined
  /** Jitter source in [0, 1); tests pin it. */
  readonly random?: (() => number) | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /** Share one Throttle between clients to share budgets; state is keyed per principal anyway. */
  readonly throttle?: Throttle | undefined
  /** Decides whether to wait when throttled (default: up to 15 minutes, 5 times). */
  readonly onRateLimit?: RateLimitPolicy | undefined
  /** Per-attempt timeout (default 30 s: Power BI's own server timeout for admin calls, §3.2). */
  readonly timeoutMs?: number | undefined
  /** Makes the timeout signal; tests pass one they can abort at will. */
  readonly timeoutSignal?: ((ms: number) => AbortSignal) | undefined
  readonly logger?: ClientLogger | undefined
  readonly newCorrelationId?: (() => string) | undefined
  /** Replace the MSAL-backed token provider (tests of the HTTP layers alone). */
  readonly tokens?: TokenProvider | undefined
}

export interface ApiRequest<S extends z.ZodTypeAny | undefined> {
  readonly method: 'GET' | 'POST' | 'DELETE'
  /** Path below the API base, e.g. `/groups/{G}/datasets`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | undefined>> | undefined
  readonly body?: unknown
  /** Schema of the JSON body; undefined when the body is empty or ignored (202, DELETE). */
  readonly schema: S
  /** Statuses that are answers rather than errors (e.g. 202 while an enhanced refresh runs). */
  readonly okStatuses?: readonly number[] | undefined
  /** Safe to send twice: retried on 5xx and network errors. False for POST .../refreshes (§5.3 item 5). */
  readonly idempotent?: boolean | undefined
}

export interface ApiResponse<T> {
  readonly status: number
  readonly data: T
  readonly requestId: string | undefined
  readonly headers: Headers
  readonly correlationId: string
}

interface Wire {
  readonly method: string
  readonly url: string
  readonly family: EndpointFamily
  readonly headers: Record<string, string>
  readonly body: string | undefined
  readonly idempotent: boolean
  readonly correlationId: string
}

interface WireResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

type Send = (req: Wire) => Promise<WireResponse>

export interface PowerBiClient {
  /** `tenantId/clientId`: the key of this client's throttle state. */
  readonly principal: string
  readonly tokens: TokenProvider
  request<S extends z.ZodTypeAny | undefined>(
    req: ApiRequest<S>,
  ): Promise<ApiResponse<S extends z.ZodTypeAny ? z.output<S> : undefined>>
  listGroups(options?: {
    top?: number
    skip?: number
    filter?: string
  }): Promise<z.output<typeof GroupSchema>[]>
  getGroup(groupId: string): Promise<z.output<typeof GroupSchema>>
  listDatasets(groupId: string): Promise<z.output<typeof DatasetSchema>[]>
  getDataset(groupId: string, datasetId: string): Promise<z.output<typeof DatasetSchema>>
  getRefreshHistory(
    groupId: string,
    datasetId: string,
    top?: number,
  ): Promise<z.output<typeof RefreshSchema>[]>
  /** Enhanced refreshes only; `running` is true while Power BI answers 202 (§3.5). */
  getRefreshDetail(
    groupId: string,
    datasetId: string,
    refreshId: string,
  ): Promise<{ running: boolean; detail: z.output<typeof RefreshDetailSchema> }>
  /** Never retried on 5xx/network: check the history instead (§5.3 item 5). */
  triggerRefresh(
    groupId: string,
    datasetId: string,
    body?: Record<string, unknown>,
  ): Promise<{ requestId: string | undefined; location: string | undefined }>
  cancelRefresh(groupId: string, datasetId: string, refreshId: string): Promise<void>
  getRefreshSchedule(
    groupId: string,
    datasetId: string,
  ): Promise<z.output<typeof RefreshScheduleSchema>>
  listDatasetDatasources(
    groupId: string,
    datasetId: string,
  ): Promise<z.output<typeof DatasourceSchema>[]>
  listReports(groupId: string): Promise<z.output<typeof ReportSchema>[]>
  listDataflows(groupId: string): Promise<z.output<typeof DataflowSchema>[]>
  listDataflowTransactions(
    groupId: string,
    dataflowId: string,
  ): Promise<z.output<typeof DataflowTransactionSchema>[]>
  listGateways(): Promise<z.output<typeof GatewaySchema>[]>
  getGateway(gatewayId: string): Promise<z.output<typeof GatewaySchema>>
  listGatewayDatasources(gatewayId: string): Promise<z.output<typeof GatewayDatasourceSchema>[]>
  /** A 400 with a DM_GWPipeline_* code is the answer "unhealthy", returned as data, not thrown (§3.9). */
  getDatasourceStatus(
    gatewayId: string,
    datasourceId: string,
  ): Promise<{ ok: true } | { ok: false; error: PowerBiError }>
  listAdminGroups(options: {
    top: number
    skip?: number
    expand?: readonly string[]
    filter?: string
  }): Promise<z.output<typeof AdminGroupSchema>[]>
  listRefreshables(options: {
    top: number
    skip?: number
    expand?: readonly string[]
  }): Promise<z.output<typeof RefreshableSchema>[]>
}

const enc = encodeURIComponent

export function createPowerBiClient(options: PowerBiClientOptions): PowerBiClient {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const retryPolicy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry }
  const throttle = options.throttle ?? new Throttle({ clock })
  const onRateLimit = options.onRateLimit ?? defaultRateLimitPolicy
  const timeoutMs = options.timeoutMs ?? 30_000
  const timeoutSignal = options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms))
  const logger = options.logger ?? silentLogger
  const newCorrelationId = options.newCorrelationId ?? randomUUID
  const apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '')
  const principal = `${options.tenantId}/${options.clientId}`
  const tokens =
    options.tokens ??
    createTokenProvider({
      tenantId: options.tenantId,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authorityHost: options.authorityHost ?? DEFAULT_AUTHORITY_HOST,
      fetch: fetchImpl,
      clock,
      random,
      retry: retryPolicy,
    })
  /** Values never to appear in errors or logs. Tokens are added as they are issued. */
  const secrets = new Set<string>([options.clientSecret])

  const infoOf = (
    req: Wire,
    extra: Partial<PowerBiErrorInfo> & { httpStatus: number },
  ): PowerBiErrorInfo => ({
    correlationId: req.correlationId,
    method: req.method,
    url: redact(req.url, [...secrets]),
    ...extra,
  })

  // ---------------------------------------------------------------- transport
  const transport: Send = async (req) => {
    const init: RequestInit = {
      method: req.method,
      headers: req.headers,
      signal: timeoutSignal(timeoutMs),
    }
    if (req.body !== undefined) init.body = req.body
    try {
      const response = await fetchImpl(req.url, init)
      return { status: response.status, headers: response.headers, text: await response.text() }
    } catch (err) {
      const timedOut =
        err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      throw powerBiError(
        'ERR_SOURCE_NETWORK',
        infoOf(req, {
          httpStatus: 0,
          upstreamCode: timedOut ? 'Timeout' : err instanceof Error ? err.name : 'NetworkError',
          upstreamMessage: timedOut
            ? `no response within ${String(timeoutMs)} ms`
            : redact(err instanceof Error ? err.message : String(err), [...secrets]),
        }),
        { cause: err, retryable: true },
      )
    }
  }

  // ---------------------------------------------------------------- retry
  const withRetry =
    (next: Send): Send =>
    async (req) => {
      for (let retry = 1; ; retry++) {
        let outcome: WireResponse | PowerBiError
        try {
          outcome = await next(req)
        } catch (err) {
          if (!isPowerBiError(err)) throw err
          outcome = err
        }
        const failed = isPowerBiError(outcome)
          ? outcome.code === 'ERR_SOURCE_NETWORK'
          : isRetryableStatus(outcome.status)
        if (!failed || !req.idempotent || retry > retryPolicy.maxRetries) {
          if (isPowerBiError(outcome)) throw outcome
          return outcome
        }
        const retryAfter = isPowerBiError(outcome)
          ? undefined
          : parseRetryAfter(outcome.headers.get('retry-after'), clock.now())
        const delay = backoffDelay(retry, retryPolicy, random, retryAfter)
        logger.warn(
          {
            correlationId: req.correlationId,
            family: req.family,
            status: isPowerBiError(outcome) ? 0 : outcome.status,
            requestId: isPowerBiError(outcome)
              ? undefined
              : (outcome.headers.get('requestid') ?? undefined),
            retry,
            delayMs: delay,
          },
          'power bi request failed, retrying',
        )
        await clock.sleep(delay)
      }
    }

  // ---------------------------------------------------------------- throttle
  const rateLimited = (
    req: Wire,
    waitMs: number,
    retryAfterSec: number | undefined,
    res?: WireResponse,
  ): PowerBiError =>
    powerBiError(
      'ERR_SOURCE_RATE_LIMITED',
      infoOf(req, {
        httpStatus: res?.status ?? 429,
        upstreamMessage: res
          ? parseErrorBody(res.text).message
          : `the ${req.family} budget is spent`,
        requestId: res?.headers.get('requestid') ?? undefined,
        retryAfterSec: retryAfterSec ?? Math.ceil(waitMs / 1000),
      }),
      { retryable: true },
    )

  const withThrottle =
    (next: Send): Send =>
    async (req) => {
      for (let attempt = 0; ; ) {
        const slot = throttle.reserve(principal, req.family)
        if (slot.wait > 0) {
          const reason = 'reason' in slot ? slot.reason : 'blocked'
          if (!onRateLimit({ principal, family: req.family, waitMs: slot.wait, reason, attempt })) {
            throw rateLimited(req, slot.wait, undefined)
          }
          attempt++
          logger.debug(
            { correlationId: req.correlationId, family: req.family, waitMs: slot.wait, reason },
            'power bi family throttled, waiting',
          )
          await clock.sleep(slot.wait)
          continue
        }
        const res = await next(req)
        if (res.status !== 429) return res
        // A 429 tells how long the whole family must rest: Retry-After, else "Retry in N
        // seconds" in the body, else exponential backoff (contract §5.3 item 2).
        const body = parseErrorBody(res.text)
        const retryAfterSec =
          parseRetryAfter(res.headers.get('retry-after'), clock.now()) ?? body.retryInSec
        const waitMs =
          retryAfterSec !== undefined
            ? Math.round(retryAfterSec * 1000 * (1 + 0.1 * random()))
            : throttleBackoff(attempt + 1, random)
        throttle.block(principal, req.family, clock.now() + waitMs)
        logger.warn(
          {
            correlationId: req.correlationId,
            family: req.family,
            requestId: res.headers.get('requestid'),
            retryAfterSec,
            waitMs,
          },
          'power bi throttled the request (429)',
        )
        if (
          !onRateLimit({
            principal,
            family: req.family,
            waitMs,
            reason: 'throttled',
            attempt,
            retryAfterSec,
          })
        ) {
          throw rateLimited(req, waitMs, retryAfterSec, res)
        }
        attempt++
        await clock.sleep(waitMs)
      }
    }

  // ---------------------------------------------------------------- auth
  const withAuth =
    (next: Send): Send =>
    async (req) => {
      const token = await tokens.getToken(req.correlationId)
      secrets.add(token)
      const res = await next({
        ...req,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      })
      if (res.status !== 403 || parseErrorBody(res.text).code?.toLowerCase() !== 'tokenexpired')
        return res
      // Expired before we thought (clock skew, revoked, emulator control): renew once, replay once.
      logger.debug(
        { correlationId: req.correlationId, requestId: res.headers.get('requestid') },
        'power bi token expired, renewing',
      )
      const renewed = await tokens.renew(token, req.correlationId)
      secrets.add(renewed)
      return next({ ...req, headers: { ...req.headers, authorization: `Bearer ${renewed}` } })
    }

  const send = withAuth(withThrottle(withRetry(transport)))

  async function request<S extends z.ZodTypeAny | undefined>(
    req: ApiRequest<S>,
  ): Promise<ApiResponse<S extends z.ZodTypeAny ? z.output<S> : undefined>> {
    const correlationId = newCorrelationId()
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(req.query ?? {}))
      if (value !== undefined) search.set(key, String(value))
    const qs = search.toString()
    const wire: Wire = {
      method: req.method,
      url: `${apiUrl}${req.path}${qs ? `?${qs}` : ''}`,
      family: endpointFamily(req.path),
      headers: {
        accept: 'application/json',
        [CORRELATION_HEADER]: correlationId,
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      idempotent: req.idempotent ?? req.method !== 'POST',
      correlationId,
    }
    const res = await send(wire)
    const requestId = res.headers.get('requestid') ?? undefined
    const ok =
      (res.status >= 200 && res.status < 300) || (req.okStatuses ?? []).includes(res.status)
    if (!ok) {
      const body = parseErrorBody(res.text)
      const code = codeForStatus(res.status, body.code)
      throw powerBiError(
        code,
        infoOf(wire, {
          httpStatus: res.status,
          upstreamCode: body.code,
          upstreamMessage:
            body.message === undefined ? undefined : redact(body.message, [...secrets]),
          requestId,
          retryAfterSec:
            parseRetryAfter(res.headers.get('retry-after'), clock.now()) ?? body.retryInSec,
          upstreamDetails: body.details,
        }),
        { retryable: code === 'ERR_SOURCE_UNAVAILABLE' || code === 'ERR_SOURCE_RATE_LIMITED' },
      )
    }
    const unexpected = (reason: string, cause?: unknown) =>
      powerBiError(
        'ERR_SOURCE_UNEXPECTED_RESPONSE',
        infoOf(wire, {
          httpStatus: res.status,
          requestId,
          upstreamMessage: `${reason}; body starts: ${redact(res.text.slice(0, 200), [...secrets])}`,
        }),
        { cause, retryable: false },
      )
    let data: unknown
    if (req.schema) {
      let json: unknown
      try {
        json = JSON.parse(res.text)
      } catch (err) {
        throw unexpected('the body is not valid JSON', err)
      }
      const parsed = req.schema.safeParse(json)
      if (!parsed.success) {
        throw unexpected(
          `the body does not match the expected shape (${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')})`,
        )
      }
      data = parsed.data
    }
    // `data` is exactly what the schema produced (or undefined without one).
    return {
      status: res.status,
      data: data as S extends z.ZodTypeAny ? z.output<S> : undefined,
      requestId,
      headers: res.headers,
      correlationId,
    }
  }

  const list = async <S extends z.ZodTypeAny>(
    path: string,
    item: S,
    query?: ApiRequest<undefined>['query'],
  ): Promise<z.output<S>[]> =>
    (await request({ method: 'GET', path, query, schema: odataList(item) })).data.value
  const get = async <S extends z.ZodTypeAny>(path: string, schema: S): Promise<z.output<S>> =>
    (await request({ method: 'GET', path, schema })).data
  const g = (groupId: string) => `/groups/${enc(groupId)}`
  const ds = (groupId: string, datasetId: string) => `${g(groupId)}/datasets/${enc(datasetId)}`

  return {
    principal,
    tokens,
    request,
    listGroups: (o = {}) =>
      list('/groups', GroupSchema, { $top: o.top, $skip: o.skip, $filter: o.filter }),
    getGroup: (groupId) => get(g(groupId), GroupSchema),
    listDatasets: (groupId) => list(`${g(groupId)}/datasets`, DatasetSchema),
    getDataset: (groupId, datasetId) => get(ds(groupId, datasetId), DatasetSchema),
    getRefreshHistory: (groupId, datasetId, top) =>
      list(`${ds(groupId, datasetId)}/refreshes`, RefreshSchema, { $top: top }),
    getRefreshDetail: async (groupId, datasetId, refreshId) => {
      const res = await request({
        method: 'GET',
        path: `${ds(groupId, datasetId)}/refreshes/${enc(refreshId)}`,
        schema: RefreshDetailSchema,
      })
      return { running: res.status === 202, detail: res.data }
    },
    triggerRefresh: async (groupId, datasetId, body = {}) => {
      const res = await request({
        method: 'POST',
        path: `${ds(groupId, datasetId)}/refreshes`,
        body,
        schema: undefined,
        idempotent: false,
      })
      // Enhanced: x-ms-request-id + Location; standard: only the RequestId header (§3.6).
      return {
        requestId: res.headers.get('x-ms-request-id') ?? res.requestId,
        location: res.headers.get('location') ?? undefined,
      }
    },
    cancelRefresh: async (groupId, datasetId, refreshId) => {
      await request({
        method: 'DELETE',
        path: `${ds(groupId, datasetId)}/refreshes/${enc(refreshId)}`,
        schema: undefined,
      })
    },
    getRefreshSchedule: (groupId, datasetId) =>
      get(`${ds(groupId, datasetId)}/refreshSchedule`, RefreshScheduleSchema),
    listDatasetDatasources: (groupId, datasetId) =>
      list(`${ds(groupId, datasetId)}/datasources`, DatasourceSchema),
    listReports: (groupId) => list(`${g(groupId)}/reports`, ReportSchema),
    listDataflows: (groupId) => list(`${g(groupId)}/dataflows`, DataflowSchema),
    listDataflowTransactions: (groupId, dataflowId) =>
      list(`${g(groupId)}/dataflows/${enc(dataflowId)}/transactions`, DataflowTransactionSchema),
    listGateways: () => list('/gateways', GatewaySchema),
    getGateway: (gatewayId) => get(`/gateways/${enc(gatewayId)}`, GatewaySchema),
    listGatewayDatasources: (gatewayId) =>
      list(`/gateways/${enc(gatewayId)}/datasources`, GatewayDatasourceSchema),
    getDatasourceStatus: async (gatewayId, datasourceId) => {
      try {
        await request({
          method: 'GET',
          path: `/gateways/${enc(gatewayId)}/datasources/${enc(datasourceId)}/status`,
          schema: undefined,
        })
        return { ok: true }
      } catch (err) {
        if (isPowerBiError(err) && err.info.httpStatus === 400) return { ok: false, error: err }
        throw err
      }
    },
    listAdminGroups: (o) =>
      list('/admin/groups', AdminGroupSchema, {
        $top: o.top,
        $skip: o.skip,
        $expand: o.expand?.join(','),
        $filter: o.filter,
      }),
    listRefreshables: (o) =>
      list('/admin/capacities/refreshables', RefreshableSchema, {
        $top: o.top,
        $skip: o.skip,
        $expand: o.expand?.join(','),
      }),
  }
}
