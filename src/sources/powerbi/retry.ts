/**
 * Retry policy for transient failures (contract §5.3 items 2–3): 500/502/503/504 and network
 * errors are retried with jittered exponential backoff, honouring `Retry-After` when present.
 * 400, 401, 403 and 404 never are — they describe our configuration, and repeating them only
 * burns quota. 429 is not handled here but by the throttle, which blocks the whole family.
 */

export interface RetryPolicy {
  /** Retries after the first try (default 3). */
  readonly maxRetries: number
  /** First backoff in ms (default 2000); tests set 1. */
  readonly baseDelayMs: number
  /** Cap for one backoff (default 60 s). */
  readonly maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 }

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504])

export const isRetryableStatus = (status: number): boolean => RETRYABLE_STATUSES.has(status)

/**
 * Delay before retry number `retry` (1-based): `Retry-After` plus up to 10 % when the service
 * gave one, otherwise `base · 2^(retry-1)` with "equal jitter" (half fixed, half random), so
 * clients that failed together do not come back together.
 */
export function backoffDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterSec?: number,
): number {
  if (retryAfterSec !== undefined) return Math.round(retryAfterSec * 1000 * (1 + 0.1 * random()))
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  return Math.round(exp / 2 + (exp / 2) * random())
}

/**
 * Backoff for a 429 without any hint of how long to wait: `min(2^n · 5 s, 15 min)` with full
 * jitter (contract §5.3 item 2), and never less than a second.
 */
export function throttleBackoff(attempt: number, random: () => number): number {
  return Math.max(1_000, Math.round(Math.min(2 ** attempt * 5_000, 15 * 60_000) * random()))
}

/** `Retry-After` as seconds: an integer, or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}
