import { type Detector, isRunning, minutesText, percentile } from './detector.ts'

/** Power BI stops a refresh after 2 h on shared capacity and 5 h on Premium (contract §3.7). */
export const LIMIT_MS = { shared: 2 * 3_600_000, premium: 5 * 3_600_000 } as const

/**
 * A running refresh longer than k × p95 of the model's recent successes, or past a share of the
 * 2 h / 5 h limit. Resolved when it ends.
 */
export const longRunningDetector: Detector = {
  condition: 'long_running',
  needsFreshData: true,
  detect(snapshot, config) {
    return snapshot.models.flatMap((m) => {
      const running = m.refreshes.find(isRunning)
      if (!running || running.start === null) return []
      const elapsed = snapshot.now - running.start
      const limit = m.premium ? LIMIT_MS.premium : LIMIT_MS.shared
      const durations = m.refreshes
        .filter((r) => r.status === 'Completed' && r.durationMs !== null)
        .slice(0, 30)
        .map((r) => r.durationMs ?? 0)
      const p95 =
        durations.length >= config.baselineMinSamples ? percentile(durations, 95) : undefined
      const overBaseline = p95 !== undefined && elapsed > config.longRunningFactor * p95
      const nearLimit = elapsed > config.longRunningLimitShare * limit
      if (!overBaseline && !nearLimit) return []
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: nearLimit ? ('high' as const) : ('medium' as const),
          title: nearLimit
            ? `${m.name} has been refreshing for ${minutesText(elapsed)}, near the ${minutesText(limit)} limit`
            : `${m.name} has been refreshing for ${minutesText(elapsed)}, longer than usual`,
          key: running.requestId,
          details: {
            modelId: m.id,
            requestId: running.requestId,
            elapsedMs: elapsed,
            p95Ms: p95 ?? null,
            limitMs: limit,
          },
        },
      ]
    })
  },
}
