import { type Detector, finished } from './detector.ts'

/**
 * The schedule is off although it was on when Vigil first looked, or right after a failure (the
 * 4-failures rule). Schedules that were always off are a choice, not an incident.
 */
export const scheduleDisabledDetector: Detector = {
  condition: 'schedule_disabled',
  needsFreshData: true,
  detect(snapshot) {
    return snapshot.models.flatMap((m) => {
      if (m.scheduleEnabled !== false || (m.schedule?.times ?? []).length === 0) return []
      const lastFailed = finished(m.refreshes)[0]?.status === 'Failed'
      if (!m.scheduleSeenEnabled && !lastFailed) return []
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: 'high' as const,
          title: `The refresh schedule of ${m.name} is disabled`,
          key: 'disabled',
          diagnosis: lastFailed ? (finished(m.refreshes)[0]?.diagnosis ?? null) : null,
          details: { modelId: m.id, afterFailure: lastFailed, times: m.schedule?.times ?? [] },
        },
      ]
    })
  },
}
