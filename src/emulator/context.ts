/**
 * What every emulator route shares, and the one wrapper that gives each Power BI route the
 * service's behaviour before its own logic: a fresh `RequestId`, injected faults, bearer-token
 * checks (403 TokenExpired), and the tenant settings that turn calls into 401s (contract §7 items 1–2).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { VirtualClock } from './clock.ts'
import {
  envelopeA,
  NOT_AUTHORIZED,
  powerBiHeaders,
  sendEmpty,
  sendJson,
  serverErrorBody,
  throttledBody,
  TOKEN_EXPIRED,
} from './envelopes.ts'
import type { Family, FaultBook } from './faults.ts'
import type { Rng } from './random.ts'
import type { Scenario } from './scenario.ts'
import type { Stats } from './stats.ts'
import type { Tenant } from './tenants.ts'
import type { TokenStore } from './tokens.ts'

export interface EmulatorContext {
  readonly scenario: Scenario
  readonly clock: VirtualClock
  readonly tokens: TokenStore
  readonly faults: FaultBook
  readonly stats: Stats
  /** Stream for response request ids and token ids. */
  readonly rng: Rng
  readonly sleep: (ms: number) => Promise<void>
  readonly realNow: () => number
  /** Route pattern → family, filled by `route()`, read by the stats hook. */
  readonly families: Map<string, Family>
}

/** A tenant by GUID or verified domain, case-insensitively (contract §1.1). */
export function findTenant(ctx: EmulatorContext, idOrDomain: string): Tenant | undefined {
  const key = idOrDomain.toLowerCase()
  return ctx.scenario.world.tenants.find((t) => t.id === key || t.domain === key)
}

export interface RouteContext {
  readonly tenant: Tenant
  readonly now: number
  readonly requestId: string
}

type Handler = (request: FastifyRequest, reply: FastifyReply, rc: RouteContext) => unknown

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE'
  readonly url: string
  readonly family: Family
  /** `admin` also needs the read-only admin API tenant setting (contract §1.3). */
  readonly access: 'member' | 'admin'
  readonly handler: Handler
}

/**
 * Applies an injected fault. Returns true when the fault answered the request itself.
 * `slow` only delays; the others answer with the service's own error shapes (contract §4.1).
 */
export async function applyFault(
  ctx: EmulatorContext,
  family: Family,
  reply: FastifyReply,
): Promise<boolean> {
  const fault = ctx.faults.take(family)
  if (!fault) return false
  switch (fault.kind) {
    case 'slow':
      await ctx.sleep(fault.delayMs ?? 5_000)
      return false
    case 'throttle':
      if (fault.retryAfter !== undefined && fault.retryAfter !== null)
        reply.header('Retry-After', String(fault.retryAfter))
      sendJson(reply, 429, throttledBody(fault.retryInBody))
      return true
    case 'server-error': {
      const status = fault.status ?? 503
      if (fault.retryAfter !== undefined && fault.retryAfter !== null)
        reply.header('Retry-After', String(fault.retryAfter))
      // 500 carries envelope D; 502/503/504 bodies were never captured, so they are empty (§4.1 E).
      if (status === 500) sendJson(reply, 500, serverErrorBody)
      else sendEmpty(reply, status)
      return true
    }
    case 'malformed':
      reply
        .code(200)
        .header('content-type', 'application/json; odata.metadata=minimal')
        .send('{"@odata.context":"x","value":[{"id":')
      return true
    case 'not-authorized':
      sendJson(reply, 401, NOT_AUTHORIZED)
      return true
  }
}

/** Registers a Power BI route with the service's common behaviour in front of its handler. */
export function route(app: FastifyInstance, ctx: EmulatorContext, spec: RouteSpec): void {
  ctx.families.set(`${spec.method} ${spec.url}`, spec.family)
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (request, reply) => {
      const requestId = ctx.rng.guid()
      powerBiHeaders(reply, requestId)
      if (await applyFault(ctx, spec.family, reply)) return reply
      const check = ctx.tokens.check(request.headers.authorization)
      if (!check.ok) {
        // Expired → the documented 403 TokenExpired (§4.2); a missing or foreign token gets the
        // body-less 403 the troubleshooting doc lists for a malformed header [S].
        return check.reason === 'expired'
          ? sendJson(reply, 403, TOKEN_EXPIRED)
          : sendEmpty(reply, 403)
      }
      const tenant = check.tenant
      const allowed =
        tenant.settings.servicePrincipalsEnabled &&
        (spec.access !== 'admin' || tenant.settings.adminApisEnabled)
      if (!allowed) return sendJson(reply, 401, NOT_AUTHORIZED)
      const now = ctx.scenario.sync()
      const result = await spec.handler(request, reply, { tenant, now, requestId })
      return result === reply ? reply : sendJson(reply, 200, result)
    },
  })
}

/** A 400 in envelope A, the generic bad-request shape [S for the code, contract §4.2]. */
export const badRequest = (reply: FastifyReply, message: string) =>
  sendJson(reply, 400, envelopeA('InvalidRequest', message))
