import { type ErrorCode, codes } from './error-codes.ts'

export type ErrorDetails = Readonly<Record<string, unknown>>

/** Base of every error Vigil throws on purpose: a stable code, a fixed message, variables in `details`. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: ErrorDetails | undefined

  constructor(code: ErrorCode, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(codes[code].message, options)
    this.name = new.target.name
    this.code = code
    this.status = codes[code].status
    this.details = details
  }

  toJSON(): { code: ErrorCode; message: string; details?: ErrorDetails } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** Bad input or configuration: the person who sent it can fix it. */
export class UserError extends AppError {}

/** Network, throttling, a busy database: may succeed when retried. */
export class OperationalError extends AppError {
  readonly retryable: boolean
  constructor(
    code: ErrorCode,
    details?: ErrorDetails,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(code, details, options)
    this.retryable = options?.retryable ?? true
  }
}

/** A bug in Vigil. */
export class UnexpectedError extends AppError {}
