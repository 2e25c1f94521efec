/**
 * Typed errors of the Power BI client. Each carries what support and the error reference need —
 * HTTP status, upstream code and message, the `RequestId` header, `Retry-After`, our correlation
 * id — and nothing secret: tokens, client secrets and Authorization values are redacted from every
 * string before it is stored (style-anchors §4.4 item 5, after Octokit's RequestError).
 */
import type { ErrorCode } from '../../shared/error-codes.ts'
import { codes } from '../../shared/error-codes.ts'
import { OperationalError, UserError } from '../../shared/errors.ts'

export interface PowerBiErrorInfo {
  /** HTTP status from Power BI or Entra ID; 0 when no response arrived (network, timeout). */
  readonly httpStatus: number
  /** Upstream code: a Power BI code (`PowerBINotAuthorizedException`), OAuth error, or `AADSTS…`. */
  readonly upstreamCode?: string | undefined
  readonly upstreamMessage?: string | undefined
  /** The `RequestId` response header (Entra ID: `x-ms-request-id`); Microsoft support asks for it. */
  readonly requestId?: string | undefined
  /** Seconds the service asked us to wait (`Retry-After` or "Retry in N seconds"). */
  readonly retryAfterSec?: number | undefined
  /** Our `x-ms-client-request-id`, also sent to Entra ID as `client-request-id`. */
  readonly correlationId: string
  readonly method: string
  /** Request URL with secrets redacted. */
  readonly url: string
  /** `details` of a pbi.error envelope (e.g. the gateway's underlying message). */
  readonly upstreamDetails?: readonly { code: string; value: string }[] | undefined
}

/** Both kinds of client error expose the same fields; use `isPowerBiError` to narrow. */
export interface PowerBiFailure {
  readonly code: ErrorCode
  readonly info: PowerBiErrorInfo
}

const toDetails = (info: PowerBiErrorInfo) =>
  Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined))

/** Power BI refused on configuration or input grounds (401, 403, 404, other 4xx, bad credentials). */
export class PowerBiUserError extends UserError implements PowerBiFailure {
  readonly info: PowerBiErrorInfo
  constructor(code: ErrorCode, info: PowerBiErrorInfo, options?: { cause?: unknown }) {
    super(code, toDetails(info), options)
    this.info = info
  }
}

/** Throttling, 5xx, network, unexpected shapes: may work later; `retryable` says whether to try again. */
export class PowerBiOperationalError extends OperationalError implements PowerBiFailure {
  readonly info: PowerBiErrorInfo
  constructor(
    code: ErrorCode,
    info: PowerBiErrorInfo,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(code, toDetails(info), options)
    this.info = info
  }
}

export type PowerBiError = PowerBiUserError | PowerBiOperationalError

export function isPowerBiError(err: unknown): err is PowerBiError {
  return err instanceof PowerBiUserError || err instanceof PowerBiOperationalError
}

/** Builds the right class for the code's kind in the catalogue. */
export function powerBiError(
  code: ErrorCode,
  info: PowerBiErrorInfo,
  options: { cause?: unknown; retryable?: boolean } = {},
): PowerBiError {
  return codes[code].kind === 'user'
    ? new PowerBiUserError(code, info, { cause: options.cause })
    : new PowerBiOperationalError(code, info, options)
}

/** Maps a final (not retried any more) HTTP status to a Vigil code (contract §4.2, §5.3). */
export function codeForStatus(status: number, upstreamCode: string | undefined): ErrorCode {
  if (status === 401) return 'ERR_SOURCE_NOT_AUTHORIZED'
  if (status === 403)
    return upstreamCode?.toLowerCase() === 'tokenexpired'
      ? 'ERR_SOURCE_TOKEN_EXPIRED'
      : 'ERR_SOURCE_NOT_AUTHORIZED'
  if (status === 404) return 'ERR_SOURCE_NOT_FOUND'
  if (status === 429) return 'ERR_SOURCE_RATE_LIMITED'
  if (status >= 500) return 'ERR_SOURCE_UNAVAILABLE'
  return 'ERR_SOURCE_REQUEST_REJECTED'
}

/**
 * Removes secrets from a string: the known secret and token values, bearer credentials, JWTs, and
 * `client_secret` / `access_token` / `client_assertion` values in form or JSON text.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[REDACTED]')
  return out
    .replace(/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [REDACTED]')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[REDACTED]')
    .replace(
      /\b(client_secret|access_token|client_assertion|refresh_token)=([^&\s"]+)/gi,
      '$1=[REDACTED]',
    )
    .replace(
      /"(client_secret|access_token|client_assertion|refresh_token)"\s*:\s*"[^"]*"/gi,
      '"$1":"[REDACTED]"',
    )
}
