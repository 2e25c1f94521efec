import { type Detector, failureStreak } from './detector.ts'

/** The dataflow's latest transaction failed. Resolved by the next successful one. */
export const dataflowFailedDetector: Detector = {
  condition: 'dataflow_failed',
  needsFreshData: true,
  detect(snapshot) {
    return snapshot.dataflows.flatMap((f) => {
      const streak = failureStreak(f.transactions)
      const last = streak[0]
      if (!last) return []
      return [
        {
          subjectKind: 'dataflow' as const,
          subjectId: f.id,
          severity: 'medium' as const,
          title: `Dataflow ${f.name} failed`,
          key: last.requestId,
          occurrences: streak.length,
          details: { dataflowId: f.id, workspaceId: f.workspaceId, transactionId: last.requestId },
        },
      ]
    })
  },
}
