/**
 * Counts every response the emulator serves, per endpoint (method + route pattern) and status,
 * so tests assert how many calls a client really made (retries, renewals, blocked families) and
 * a demo shows its traffic at `GET /_emulator/stats`.
 */
export interface EndpointStats {
  count: number
  byStatus: Record<string, number>
}

export class Stats {
  private endpoints = new Map<string, EndpointStats>()
  private total = 0

  record(endpoint: string, status: number): number {
    const entry = this.endpoints.get(endpoint) ?? { count: 0, byStatus: {} }
    entry.count += 1
    entry.byStatus[String(status)] = (entry.byStatus[String(status)] ?? 0) + 1
    this.endpoints.set(endpoint, entry)
    this.total += 1
    return entry.count
  }

  /** Count for one endpoint, e.g. `GET /v1.0/myorg/groups`; optionally for one status. */
  count(endpoint: string, status?: number): number {
    const entry = this.endpoints.get(endpoint)
    if (!entry) return 0
    return status === undefined ? entry.count : (entry.byStatus[String(status)] ?? 0)
  }

  snapshot(): { total: number; endpoints: Record<string, EndpointStats> } {
    return {
      total: this.total,
      endpoints: Object.fromEntries(
        [...this.endpoints.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, { count: v.count, byStatus: { ...v.byStatus } }]),
      ),
    }
  }

  reset(): void {
    this.endpoints = new Map()
    this.total = 0
  }
}
