import { CREDENTIAL_CATEGORIES, type Detector, failureStreak } from './detector.ts'
import { modelsInGatewayOutage } from './gateway-outage.detector.ts'

/**
 * The model's latest refresh failed. Credential failures have their own detector, and models named
 * in a gateway outage are left to that one incident. Resolved by the next success.
 */
export const refreshFailedDetector: Detector = {
  condition: 'refresh_failed',
  needsFreshData: true,
  detect(snapshot, config) {
    const grouped = modelsInGatewayOutage(snapshot, config)
    return snapshot.models.flatMap((m) => {
      const streak = failureStreak(m.refreshes)
      const last = streak[0]
      if (!last || grouped.has(m.id)) return []
      if (last.diagnosis && CREDENTIAL_CATEGORIES.has(last.diagnosis.category)) return []
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: last.diagnosis?.severity === 'critical' ? 'high' : 'medium',
          title: `Refresh of ${m.name} failed${last.errorCode ? ` (${last.errorCode})` : ''}`,
          key: last.requestId,
          occurrences: streak.length,
          diagnosis: last.diagnosis,
          details: {
            modelId: m.id,
            workspaceId: m.workspaceId,
            requestId: last.requestId,
            errorCode: last.errorCode,
            end: last.end,
          },
        },
      ]
    })
  },
}
