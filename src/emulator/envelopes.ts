/**
 * The error bodies and headers the real services send, so the client is tested against every
 * envelope it must parse (contract §4.1 A–F) and the headers it must read (§2, §4.2).
 */
import type { FastifyReply } from 'fastify'
import type { Rng } from './random.ts'

/** Envelope A: `{"error":{"code","message"}}` — 404 ItemNotFound, 403 TokenExpired, 400s. */
export const envelopeA = (code: string, message: string) => ({ error: { code, message } })

/** Envelope B: the pbi.error form, without a message — 401 PowerBINotAuthorizedException, 400 DM_GWPipeline_*. */
export const envelopeB = (
  code: string,
  details: readonly { code: string; value: string }[] = [],
) => ({
  error: {
    code,
    'pbi.error': {
      code,
      parameters: {},
      details: details.map((d) => ({ code: d.code, detail: { type: 1, value: d.value } })),
      exceptionCulprit: 1,
    },
  },
})

/** Envelope C: the 429 body, top-level `message` only (contract §6.6). */
export const throttledBody = (retryInSeconds: number | undefined) => ({
  message:
    retryInSeconds === undefined
      ? 'You have exceeded the amount of requests allowed in the current time frame and further requests will fail.'
      : `You have exceeded the amount of requests allowed in the current time frame and further requests will fail. Retry in ${String(retryInSeconds)} seconds.`,
})

/** Envelope D: 500 with a capital-M `Message` (contract §6.9). */
export const serverErrorBody = { Message: 'An error has occurred.' }

export const TOKEN_EXPIRED = envelopeA(
  'TokenExpired',
  'Access token has expired, resubmit with a new access token',
)
export const NOT_AUTHORIZED = envelopeB('PowerBINotAuthorizedException')
export const ENTITY_NOT_FOUND = envelopeB('PowerBIEntityNotFound')

export const SUCCESS_CONTENT_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true'
export const ERROR_CONTENT_TYPE = 'application/json; charset=utf-8'

/** Headers every Power BI response carries (contract §2 "Common response headers"). */
export function powerBiHeaders(reply: FastifyReply, requestId: string): void {
  reply.headers({
    RequestId: requestId,
    'Access-Control-Expose-Headers': 'RequestId',
    'Cache-Control': 'no-store, must-revalidate, no-cache',
    Pragma: 'no-cache',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Frame-Options': 'deny',
    'X-Content-Type-Options': 'nosniff',
    'request-redirected': 'true',
    'home-cluster-uri': 'https://wabi-west-europe-e-primary-redirect.analysis.windows.net/',
  })
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const type = status < 400 ? SUCCESS_CONTENT_TYPE : ERROR_CONTENT_TYPE
  // A Buffer keeps the content type byte-exact; Fastify would re-quote its parameters for a string.
  return reply
    .code(status)
    .header('content-type', type)
    .send(Buffer.from(JSON.stringify(body)))
}

export function sendEmpty(reply: FastifyReply, status: number): FastifyReply {
  return reply.code(status).header('content-type', 'application/octet-stream').send(Buffer.alloc(0))
}

/** Formats a timestamp like Entra ID does in error bodies: `2023-05-06 06:03:00Z`. */
const aadTimestamp = (t: number) =>
  new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z')

/** Envelope F: the OAuth2 error of the Entra ID token endpoint (contract §1.2). */
export function oauthError(
  rng: Rng,
  now: number,
  aadsts: number,
  error: string,
  description: string,
  correlationId: string | undefined,
) {
  const traceId = rng.guid()
  const correlation = correlationId ?? rng.guid()
  const timestamp = aadTimestamp(now)
  return {
    traceId,
    body: {
      error,
      error_description: `AADSTS${String(aadsts)}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${String(aadsts)}`,
    },
  }
}
