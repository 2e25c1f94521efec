/**
 * Rate limiting per principal and endpoint family (style-anchors §4.3.1, contract §5).
 *
 * Power BI throttles per identity and per API family, and a 429 on one URL means the whole family
 * is over budget: the next call to a sibling URL would be refused too and may extend the penalty.
 * So a 429 blocks the family for every request of that principal until `Retry-After` has passed,
 * and proactive budgets keep admin families under their documented hourly limits. State lives in
 * a `Throttle` instance keyed by `tenantId/clientId`, never at module level, so two principals
 * never slow each other down (the lesson of octokit/plugin-throttling.js#21).
 */
import type { Clock } from './clock.ts'

export type EndpointFamily =
  | 'groups'
  | 'datasets'
  | 'refreshes'
  | 'reports'
  | 'dataflows'
  | 'gateways'
  | 'admin-groups'
  | 'admin'
  | 'other'

/** Classifies a path relative to the API base (`/groups/{G}/datasets/...`). */
export function endpointFamily(path: string): EndpointFamily {
  const p = (path.split('?')[0] ?? '').toLowerCase().replace(/\/+$/, '')
  if (p === '/admin/groups') return 'admin-groups'
  if (p.startsWith('/admin/')) return 'admin'
  if (/^\/groups\/[^/]+\/datasets\/[^/]+\/refreshes(\/|$)/.test(p)) return 'refreshes'
  if (/^\/groups\/[^/]+\/datasets(\/|$)/.test(p)) return 'datasets'
  if (/^\/groups\/[^/]+\/reports(\/|$)/.test(p)) return 'reports'
  if (/^\/groups\/[^/]+\/dataflows(\/|$)/.test(p)) return 'dataflows'
  if (/^\/groups(\/|$)/.test(p)) return 'groups'
  if (/^\/gateways(\/|$)/.test(p)) return 'gateways'
  return 'other'
}

export interface Budget {
  readonly limit: number
  readonly windowMs: number
}

/**
 * Budgets kept below the documented quotas (contract §5.1, §5.3 item 1): `GET /admin/groups` allows
 * 50/hour or 15/minute per tenant, other admin GETs 200/hour. Non-admin limits are unpublished;
 * for those only `Retry-After` drives waiting.
 */
export const DEFAULT_BUDGETS: Readonly<Partial<Record<EndpointFamily, readonly Budget[]>>> = {
  'admin-groups': [
    { limit: 12, windowMs: 60_000 },
    { limit: 45, windowMs: 3_600_000 },
  ],
  admin: [{ limit: 180, windowMs: 3_600_000 }],
}

interface FamilyState {
  blockedUntil: number
  hits: number[]
}

/** Why a request has to wait: blocked by a 429 in its family, or its own budget is spent. */
export type WaitReason = 'blocked' | 'budget'

export class Throttle {
  private readonly clock: Clock
  private readonly budgets: Readonly<Partial<Record<EndpointFamily, readonly Budget[]>>>
  private readonly state = new Map<string, FamilyState>()

  constructor(options: {
    clock: Clock
    budgets?: Readonly<Partial<Record<EndpointFamily, readonly Budget[]>>>
  }) {
    this.clock = options.clock
    this.budgets = options.budgets ?? DEFAULT_BUDGETS
  }

  private entry(principal: string, family: EndpointFamily): FamilyState {
    const key = `${principal}|${family}`
    let s = this.state.get(key)
    if (!s) {
      s = { blockedUntil: 0, hits: [] }
      this.state.set(key, s)
    }
    return s
  }

  /**
   * Takes a slot for one request now, or says how long to wait first. A request that may go is
   * counted against the family's budgets at once, so concurrent callers cannot overshoot.
   */
  reserve(
    principal: string,
    family: EndpointFamily,
  ): { wait: 0 } | { wait: number; reason: WaitReason } {
    const now = this.clock.now()
    const s = this.entry(principal, family)
    if (s.blockedUntil > now) return { wait: s.blockedUntil - now, reason: 'blocked' }
    const budgets = this.budgets[family] ?? []
    const longest = Math.max(0, ...budgets.map((b) => b.windowMs))
    s.hits = s.hits.filter((t) => t > now - longest)
    let wait = 0
    for (const b of budgets) {
      const inWindow = s.hits.filter((t) => t > now - b.windowMs)
      if (inWindow.length >= b.limit) {
        const oldest = inWindow[inWindow.length - b.limit] ?? now
        wait = Math.max(wait, oldest + b.windowMs - now)
      }
    }
    if (wait > 0) return { wait, reason: 'budget' }
    s.hits.push(now)
    return { wait: 0 }
  }

  /** After a 429: nobody in this family (for this principal) sends before `until`. */
  block(principal: string, family: EndpointFamily, until: number): void {
    const s = this.entry(principal, family)
    s.blockedUntil = Math.max(s.blockedUntil, until)
  }

  blockedUntil(principal: string, family: EndpointFamily): number {
    return this.state.get(`${principal}|${family}`)?.blockedUntil ?? 0
  }
}

/** What the caller's rate-limit policy is told before a wait (style-anchors §4.3.1, plugin-throttling `onRateLimit`). */
export interface RateLimitInfo {
  readonly principal: string
  readonly family: EndpointFamily
  readonly waitMs: number
  readonly reason: WaitReason | 'throttled'
  /** How many times this request has already waited. */
  readonly attempt: number
  readonly retryAfterSec?: number | undefined
}

/** Returns true to wait and try again, false to fail with ERR_SOURCE_RATE_LIMITED. */
export type RateLimitPolicy = (info: RateLimitInfo) => boolean

/** Default: wait up to 15 minutes at a time, at most 5 times per request (contract §5.3 item 2). */
export const defaultRateLimitPolicy: RateLimitPolicy = (info) =>
  info.waitMs <= 15 * 60_000 && info.attempt < 5
