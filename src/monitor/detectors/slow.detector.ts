import type { Detector } from './detector.ts'
import { minutesText, percentile } from './detector.ts'

/**
 * Duration anomaly: the latest successful refresh took more than factor × the median of the
 * model's previous successes (and at least a few minutes more). Resolved by a normal success.
 */
export const slowDetector: Detector = {
  condition: 'slow',
  needsFreshData: true,
  detect(snapshot, config) {
    return snapshot.models.flatMap((m) => {
      const successes = m.refreshes.filter((r) => r.status === 'Completed' && r.durationMs !== null)
      const [latest, ...previous] = successes
      if (!latest || previous.length < config.baselineMinSamples) return []
      const median = percentile(
        previous.slice(0, 30).map((r) => r.durationMs ?? 0),
        50,
      )
      const duration = latest.durationMs ?? 0
      if (
        duration <= config.slowFactor * median ||
        duration - median < config.slowMinExtraMinutes * 60_000
      )
        return []
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: 'low' as const,
          title: `${m.name} refreshed in ${minutesText(duration)}, against a usual ${minutesText(median)}`,
          key: latest.requestId,
          details: {
            modelId: m.id,
            requestId: latest.requestId,
            durationMs: duration,
            medianMs: median,
          },
        },
      ]
    })
  },
}
