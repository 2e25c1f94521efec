/**
 * The catalogue of Vigil's own error codes. Messages never change; variables go in `details`
 * so logs and API clients can group errors by code.
 */
export interface CodeSpec {
  readonly kind: 'user' | 'operational' | 'unexpected'
  readonly status: number
  readonly message: string
}

export const codes = {
  ERR_INTERNAL: { kind: 'unexpected', status: 500, message: 'Internal error' },
  ERR_KB_INVALID: {
    kind: 'user',
    status: 500,
    message: 'The error reference has invalid entries; run `npx vigil kb check` to list them',
  },
  ERR_KB_ENTRY_NOT_FOUND: {
    kind: 'user',
    status: 404,
    message: 'No error-reference entry has that slug or code',
  },
  ERR_CLI_USAGE: { kind: 'user', status: 400, message: 'Invalid command line' },
  ERR_INPUT_INVALID: { kind: 'user', status: 400, message: 'Invalid input' },
  ERR_CONFIG_INVALID: { kind: 'user', status: 400, message: 'Invalid configuration' },
  ERR_SOURCE_AUTH_FAILED: {
    kind: 'user',
    status: 424,
    message: 'Microsoft Entra ID refused the Power BI credentials',
  },
  ERR_SOURCE_AUTH_UNAVAILABLE: {
    kind: 'operational',
    status: 503,
    message: 'Microsoft Entra ID could not issue a token right now',
  },
  ERR_SOURCE_NOT_AUTHORIZED: {
    kind: 'user',
    status: 424,
    message: 'Power BI refused the request for this service principal',
  },
  ERR_SOURCE_TOKEN_EXPIRED: {
    kind: 'operational',
    status: 502,
    message: 'Power BI still rejected the access token as expired after a renewal',
  },
  ERR_SOURCE_NOT_FOUND: {
    kind: 'user',
    status: 404,
    message: 'Power BI does not know that item or hides it from this service principal',
  },
  ERR_SOURCE_REQUEST_REJECTED: {
    kind: 'user',
    status: 424,
    message: 'Power BI rejected the request',
  },
  ERR_SOURCE_RATE_LIMITED: {
    kind: 'operational',
    status: 503,
    message: 'Power BI throttled the request',
  },
  ERR_SOURCE_UNAVAILABLE: {
    kind: 'operational',
    status: 502,
    message: 'Power BI answered with a server error',
  },
  ERR_SOURCE_NETWORK: {
    kind: 'operational',
    status: 502,
    message: 'Power BI could not be reached',
  },
  ERR_SOURCE_UNEXPECTED_RESPONSE: {
    kind: 'operational',
    status: 502,
    message: 'Power BI sent a response Vigil does not recognise',
  },
  ERR_EMULATOR_NOT_FOUND: {
    kind: 'user',
    status: 404,
    message: 'The emulator has no item with that id',
  },
  ERR_EMULATOR_INVALID_REQUEST: {
    kind: 'user',
    status: 400,
    message: 'Invalid emulator control request',
  },
  ERR_STORE_MIGRATION_FAILED: {
    kind: 'operational',
    status: 500,
    message: 'A database migration failed',
  },
  ERR_SECRET_KEY_INVALID: {
    kind: 'user',
    status: 500,
    message: 'The secret key is invalid or cannot decrypt a stored secret',
  },
  ERR_TENANT_NOT_FOUND: { kind: 'user', status: 404, message: 'No tenant has that key' },
  ERR_INCIDENT_NOT_FOUND: { kind: 'user', status: 404, message: 'No incident has that id' },
} as const satisfies Record<string, CodeSpec>

export type ErrorCode = keyof typeof codes
