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
} as const satisfies Record<string, CodeSpec>

export type ErrorCode = keyof typeof codes
