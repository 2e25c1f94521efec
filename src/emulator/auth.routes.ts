/**
 * The Entra ID v2 token endpoint, client-credentials grant only (contract §1.1). Every generated
 * tenant accepts client id `vigil-emulator` with secret `emulator-secret`; everything else fails
 * with the real AADSTS codes, HTTP statuses and OAuth2 error body (§1.2, §7 item 1).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type EmulatorContext, findTenant } from './context.ts'
import { oauthError } from './envelopes.ts'
import { POWER_BI_AUDIENCE } from './tokens.ts'

export const TOKEN_ROUTE = '/:tenantId/oauth2/v2.0/token'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DOMAIN = /^(?=.{4,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i

function formValue(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const entry = Object.entries(body).find(([key]) => key === name)
  return typeof entry?.[1] === 'string' ? entry[1] : undefined
}

/** HTTP Basic client authentication is accepted instead of body fields (RFC 6749 §2.3.1, contract §1.1). */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')
  if (!match?.[1]) return undefined
  const [id = '', ...rest] = Buffer.from(match[1], 'base64').toString('utf8').split(':')
  return { id: decodeURIComponent(id), secret: decodeURIComponent(rest.join(':')) }
}

export function registerAuthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  ctx.families.set(`POST ${TOKEN_ROUTE}`, 'token')

  app.post(TOKEN_ROUTE, async (request, reply) => {
    const tenantText = formValue(request.params, 'tenantId') ?? ''
    // Entra ID takes the caller's correlation id as a header, a query or a form parameter;
    // MSAL sends the last two.
    const header = request.headers['client-request-id']
    const correlationId =
      (typeof header === 'string' ? header : undefined) ??
      formValue(request.query, 'client-request-id') ??
      formValue(request.body, 'client-request-id')
    const fail = (
      status: number,
      aadsts: number,
      error: string,
      description: string,
    ): FastifyReply => {
      const { traceId, body } = oauthError(
        ctx.rng,
        ctx.realNow(),
        aadsts,
        error,
        description,
        correlationId,
      )
      return reply
        .code(status)
        .header('x-ms-request-id', traceId)
        .header('content-type', 'application/json; charset=utf-8')
        .send(body)
    }

    const fault = ctx.faults.take('token')
    if (fault?.kind === 'slow') await ctx.sleep(fault.delayMs ?? 5_000)
    else if (fault?.kind === 'throttle') {
      if (fault.retryAfter !== undefined && fault.retryAfter !== null)
        reply.header('Retry-After', String(fault.retryAfter))
      return fail(
        429,
        90055,
        'temporarily_unavailable',
        'The request has been throttled. Too many requests to this tenant.',
      )
    } else if (fault?.kind === 'server-error') {
      if (fault.retryAfter !== undefined && fault.retryAfter !== null)
        reply.header('Retry-After', String(fault.retryAfter))
      return fail(
        fault.status ?? 503,
        90033,
        'temporarily_unavailable',
        'A transient error has occurred. Please try again.',
      )
    } else if (fault?.kind === 'malformed') {
      return reply
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send('{"token_type":"Bearer","expires_in":')
    }

    const tenant = findTenant(ctx, tenantText)
    if (!tenant) {
      if (!GUID.test(tenantText) && !DOMAIN.test(tenantText)) {
        return fail(
          400,
          900023,
          'invalid_request',
          `Specified tenant identifier '${tenantText}' is neither a valid DNS name, nor a valid external domain.`,
        )
      }
      return fail(
        400,
        90002,
        'invalid_request',
        `Tenant '${tenantText}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      )
    }
    const body = request.body
    const basic = basicCredentials(request)
    const grantType = formValue(body, 'grant_type')
    const clientId = formValue(body, 'client_id') ?? basic?.id
    const secret = formValue(body, 'client_secret') ?? basic?.secret
    const assertion = formValue(body, 'client_assertion')
    const scope = formValue(body, 'scope')

    if (!grantType)
      return fail(
        400,
        900144,
        'invalid_request',
        "The request body must contain the following parameter: 'grant_type'.",
      )
    if (grantType !== 'client_credentials') {
      return fail(
        400,
        70003,
        'unsupported_grant_type',
        'The app requested an unsupported grant type. The emulator only implements client_credentials.',
      )
    }
    if (!clientId)
      return fail(
        400,
        900144,
        'invalid_request',
        "The request body must contain the following parameter: 'client_id'.",
      )
    if (clientId !== tenant.clientId) {
      return fail(
        400,
        700016,
        'unauthorized_client',
        `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      )
    }
    if (tenant.settings.appDisabled) {
      return fail(
        400,
        7000112,
        'unauthorized_client',
        `Application '${clientId}'(Vigil monitor) is disabled.`,
      )
    }
    if (!secret && !assertion) {
      return fail(
        401,
        7000218,
        'invalid_client',
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      )
    }
    if (tenant.settings.secretExpired) {
      return fail(
        401,
        7000222,
        'invalid_client',
        `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      )
    }
    if (secret !== tenant.clientSecret) {
      return fail(
        401,
        7000215,
        'invalid_client',
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      )
    }
    // App-only tokens take exactly `<resource>/.default` for one resource (contract §1.1).
    const scopes = (scope ?? '')
      .split(/\s+/)
      .filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s))
    if (scopes.length !== 1 || scopes[0] !== `${POWER_BI_AUDIENCE}/.default`) {
      return fail(
        400,
        70011,
        'invalid_scope',
        `The provided value for the input parameter 'scope' is not valid. The scope '${scope ?? ''}' is not valid; the emulator only issues tokens for ${POWER_BI_AUDIENCE}/.default.`,
      )
    }
    return reply
      .code(200)
      .header('x-ms-request-id', ctx.rng.guid())
      .header('cache-control', 'no-store, no-cache')
      .header('content-type', 'application/json; charset=utf-8')
      .send(ctx.tokens.mint(tenant))
  })
}
