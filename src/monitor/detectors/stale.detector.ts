import { lastSlotAtOrBefore } from '../schedule.ts'
import type { Detector } from './detector.ts'

/**
 * Stale data: the schedule says a refresh should have started at slot S, S + grace has passed, and
 * no refresh has started since S (any status: a failure is the failure detectors' business).
 * Disabled schedules are reported by their own detector.
 */
export const staleDetector: Detector = {
  condition: 'stale',
  needsFreshData: true,
  detect(snapshot, config) {
    const grace = config.staleGraceMinutes * 60_000
    return snapshot.models.flatMap((m) => {
      if (!m.schedule || m.scheduleEnabled !== true) return []
      const slot = lastSlotAtOrBefore(m.schedule, snapshot.now - grace)
      if (slot === undefined) return []
      // A few minutes of leeway: Power BI may start a little before the slot it reports.
      const startedSince = m.refreshes.some((r) => r.start !== null && r.start >= slot - 5 * 60_000)
      if (startedSince) return []
      const lastSuccess = m.refreshes.find((r) => r.status === 'Completed')
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: 'medium' as const,
          title: `${m.name} did not refresh at its scheduled time`,
          key: String(slot),
          details: {
            modelId: m.id,
            expectedAt: new Date(slot).toISOString(),
            lastSuccessAt: lastSuccess?.end ? new Date(lastSuccess.end).toISOString() : null,
          },
        },
      ]
    })
  },
}
