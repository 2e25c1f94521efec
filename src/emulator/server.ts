/**
 * The Power BI emulator: Entra ID token endpoint, Power BI REST API and a control API on one
 * Fastify instance. `buildEmulator()` returns it without listening, so tests use `inject()` (or
 * listen on port 0) and only the CLI binds a port (style-anchors §4.1 "build the app, then listen").
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify'
import { AppError } from '../shared/errors.ts'
import { registerAdminRoutes } from './admin.routes.ts'
import { registerAuthRoutes } from './auth.routes.ts'
import { MINUTE, VirtualClock } from './clock.ts'
import { registerControlRoutes } from './control.routes.ts'
import type { EmulatorContext } from './context.ts'
import { envelopeA, sendJson, serverErrorBody } from './envelopes.ts'
import { FaultBook } from './faults.ts'
import { API, registerPowerBiRoutes } from './powerbi.routes.ts'
import { createRng } from './random.ts'
import { Scenario } from './scenario.ts'
import { Stats } from './stats.ts'
import { EMULATOR_CLIENT_ID, generateWorld } from './tenants.ts'
import { TokenStore } from './tokens.ts'

export interface EmulatorOptions {
  /** Seed for every random choice: same seed, same estate and history. */
  readonly seed: number
  /** Tenants (default 2). */
  readonly tenants?: number
  /** Workspaces per tenant (default 4). */
  readonly workspaces?: number
  /** Models per workspace (default 5). */
  readonly models?: number
  /** Virtual minutes per real minute (default 1; 0 freezes time, for tests). */
  readonly speed?: number
  /** Virtual start time in epoch ms (default: now, rounded down to the minute). */
  readonly start?: number
  /** Real time source; tests inject one to expire tokens without waiting. */
  readonly realNow?: () => number
  /** How `slow` faults wait; tests inject one to hold a response without a timer. */
  readonly sleep?: (ms: number) => Promise<void>
  /** Fixed token lifetime in seconds (default: random 60–90 minutes like Entra ID). */
  readonly tokenTtlSeconds?: number
  /** Fastify/pino logger options; every served response is logged at info level. */
  readonly logger?: FastifyServerOptions['logger']
}

export type Emulator = FastifyInstance & { readonly emulator: EmulatorContext }

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function buildEmulator(options: EmulatorOptions): Emulator {
  const realNow = options.realNow ?? Date.now
  const start = options.start ?? Math.floor(realNow() / MINUTE) * MINUTE
  const clock = new VirtualClock({ start, speed: options.speed ?? 1, realNow })
  const world = generateWorld({
    seed: options.seed,
    tenants: options.tenants ?? 2,
    workspaces: options.workspaces ?? 4,
    models: options.models ?? 5,
    start,
  })
  const ctx: EmulatorContext = {
    scenario: new Scenario(world, clock),
    clock,
    tokens: new TokenStore(createRng(options.seed, 'tokens'), realNow, options.tokenTtlSeconds),
    faults: new FaultBook(),
    stats: new Stats(),
    rng: createRng(options.seed, 'requests'),
    sleep: options.sleep ?? realSleep,
    realNow,
    families: new Map(),
  }

  // Fastify's own request lines are off: the onResponse hook below logs one richer line per response.
  const app = Fastify({
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
  })

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(
        null,
        Object.fromEntries(
          new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8')),
        ),
      )
    },
  )
  // Power BI accepts an empty body on POST .../refreshes; Fastify's default JSON parser does not.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    try {
      done(null, JSON.parse(text))
    } catch {
      done(
        Object.assign(new SyntaxError('The request body is not valid JSON'), { statusCode: 400 }),
        undefined,
      )
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    const endpoint = `${request.method} ${request.routeOptions.url ?? '(no route)'}`
    const count = ctx.stats.record(endpoint, reply.statusCode)
    const correlation =
      request.headers['x-ms-client-request-id'] ?? request.headers['client-request-id']
    request.log.info(
      {
        endpoint,
        family: ctx.families.get(endpoint),
        status: reply.statusCode,
        requestId: reply.getHeader('RequestId') ?? reply.getHeader('x-ms-request-id'),
        correlationId: correlation,
        count,
      },
      'served',
    )
  })

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AppError) return reply.code(error.status).send({ error: error.toJSON() })
    const status =
      typeof error === 'object' &&
      error !== null &&
      'statusCode' in error &&
      typeof error.statusCode === 'number'
        ? error.statusCode
        : 500
    if (status >= 400 && status < 500) {
      const message = error instanceof Error ? error.message : 'Bad request'
      return request.url.startsWith('/_emulator/')
        ? reply.code(status).send({ error: { code: 'ERR_EMULATOR_INVALID_REQUEST', message } })
        : sendJson(reply, status, envelopeA('InvalidRequest', message))
    }
    request.log.error({ err: error }, 'emulator bug')
    return sendJson(reply, 500, serverErrorBody)
  })

  // ASP.NET Web API's own 404 body, which is what an unknown path on the service returns [S].
  app.setNotFoundHandler((request, reply) =>
    sendJson(reply, 404, {
      Message: `No HTTP resource was found that matches the request URI '${request.url}'.`,
    }),
  )

  app.get('/', () => ({
    name: 'Vigil Power BI emulator',
    tokenEndpoint: '/{tenantId}/oauth2/v2.0/token',
    apiBase: API,
    clientId: EMULATOR_CLIENT_ID,
    tenants: world.tenants.map((t) => t.id),
    control: '/_emulator/',
  }))

  registerAuthRoutes(app, ctx)
  registerPowerBiRoutes(app, ctx)
  registerAdminRoutes(app, ctx)
  registerControlRoutes(app, ctx)

  return Object.assign(app, { emulator: ctx })
}
