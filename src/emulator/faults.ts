/**
 * Injected faults, scripted through the control API: throttling with and without `Retry-After`,
 * 5xx bursts, slow responses, malformed JSON, forced 401s. A rule applies to an endpoint family
 * (the same families the client throttles by) for its next `count` requests.
 */
import { z } from 'zod'

/** Endpoint families, as tagged on every emulated route. */
export const FAMILIES = [
  'token',
  'groups',
  'datasets',
  'refreshes',
  'reports',
  'dataflows',
  'gateways',
  'admin-groups',
  'admin',
] as const
export type Family = (typeof FAMILIES)[number]

export const FaultSchema = z
  .object({
    /** Endpoint family, or `*` for every family. */
    family: z.enum([...FAMILIES, '*']),
    kind: z.enum(['throttle', 'server-error', 'slow', 'malformed', 'not-authorized']),
    /** How many matching requests the fault hits; 0 = until cleared. */
    count: z.number().int().min(0).default(1),
    /** 5xx status for `server-error` (default 503). */
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
    /** `Retry-After` seconds for `throttle`/`server-error`; null or absent sends no header. */
    retryAfter: z.number().int().min(0).nullable().optional(),
    /** For `throttle`: put "Retry in N seconds" in the body (N = retryInBody). */
    retryInBody: z.number().int().min(0).optional(),
    /** For `slow`: delay before answering, in real milliseconds. */
    delayMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict()

export type FaultInput = z.input<typeof FaultSchema>
export type Fault = z.output<typeof FaultSchema> & { readonly id: number; hits: number }

export class FaultBook {
  private rules: Fault[] = []
  private nextId = 1

  add(input: z.output<typeof FaultSchema>): Fault {
    const fault: Fault = { ...input, id: this.nextId++, hits: 0 }
    this.rules.push(fault)
    return fault
  }

  /** Takes the first rule matching the family and consumes one of its hits. */
  take(family: Family): Fault | undefined {
    const rule = this.rules.find((r) => r.family === family || r.family === '*')
    if (!rule) return undefined
    rule.hits += 1
    if (rule.count > 0 && rule.hits >= rule.count) this.rules = this.rules.filter((r) => r !== rule)
    return rule
  }

  clear(): void {
    this.rules = []
  }

  list(): readonly Fault[] {
    return this.rules
  }
}

/**
 * Sliding-window request budget per tenant, on the scenario clock: `GET /admin/groups` allows
 * 50 requests an hour or 15 a minute per tenant, other admin GETs 200 an hour (contract §5.1).
 */
export class WindowLimiter {
  private readonly hits = new Map<string, number[]>()
  private readonly windows: readonly { limit: number; ms: number }[]

  constructor(windows: readonly { limit: number; ms: number }[]) {
    this.windows = windows
  }

  /** Records a request, or returns how long (virtual ms) until one is allowed. */
  take(key: string, now: number): { ok: true } | { ok: false; waitMs: number } {
    const longest = Math.max(...this.windows.map((w) => w.ms))
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - longest)
    let waitMs = 0
    for (const w of this.windows) {
      const inWindow = list.filter((t) => t > now - w.ms)
      if (inWindow.length >= w.limit) {
        const oldest = inWindow[inWindow.length - w.limit] ?? now
        waitMs = Math.max(waitMs, oldest + w.ms - now)
      }
    }
    if (waitMs > 0) {
      this.hits.set(key, list)
      return { ok: false, waitMs }
    }
    list.push(now)
    this.hits.set(key, list)
    return { ok: true }
  }
}
