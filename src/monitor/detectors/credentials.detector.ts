import { CREDENTIAL_CATEGORIES, type Detector, failureStreak } from './detector.ts'

/** The latest refresh failed on credentials (expired password, OAuth token, missing credential). */
export const credentialsDetector: Detector = {
  condition: 'credentials',
  needsFreshData: true,
  detect(snapshot) {
    return snapshot.models.flatMap((m) => {
      const streak = failureStreak(m.refreshes)
      const last = streak[0]
      if (!last?.diagnosis || !CREDENTIAL_CATEGORIES.has(last.diagnosis.category)) return []
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: 'high' as const,
          title: `${m.name} cannot sign in to its data source${last.errorCode ? ` (${last.errorCode})` : ''}`,
          key: last.requestId,
          occurrences: streak.length,
          diagnosis: last.diagnosis,
          details: { modelId: m.id, requestId: last.requestId, errorCode: last.errorCode },
        },
      ]
    })
  },
}
