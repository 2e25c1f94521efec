import { type Detector, failureStreak } from './detector.ts'

/** Power BI switches a schedule off after 4 failures in a row (contract §3.7); warn before that. */
export const POWER_BI_DISABLES_AFTER = 4

/**
 * N failures in a row (default 2): high, then critical at 3 — the last chance before Power BI
 * disables the schedule. Resolved by the next success.
 */
export const consecutiveFailuresDetector: Detector = {
  condition: 'consecutive_failures',
  needsFreshData: true,
  detect(snapshot, config) {
    return snapshot.models.flatMap((m) => {
      const streak = failureStreak(m.refreshes)
      if (streak.length < config.consecutiveFailures) return []
      const left = POWER_BI_DISABLES_AFTER - streak.length
      const title =
        left > 0
          ? `${m.name} failed ${String(streak.length)} times in a row; Power BI disables its schedule after ${String(left)} more`
          : `${m.name} failed ${String(streak.length)} times in a row; Power BI has disabled or will disable its schedule`
      return [
        {
          subjectKind: 'model' as const,
          subjectId: m.id,
          severity: streak.length >= POWER_BI_DISABLES_AFTER - 1 ? 'critical' : 'high',
          title,
          key: String(streak.length),
          occurrences: streak.length,
          diagnosis: streak[0]?.diagnosis ?? null,
          details: {
            modelId: m.id,
            failures: streak.length,
            requestIds: streak.map((r) => r.requestId),
            failuresBeforeDisable: Math.max(0, left),
          },
        },
      ]
    })
  },
}
