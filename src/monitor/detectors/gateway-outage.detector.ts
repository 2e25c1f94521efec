import type { DetectorConfig } from '../../config/config.schema.ts'
import { type Detector, failureStreak, type ModelView, type Snapshot } from './detector.ts'

const GATEWAY_CODES =
  /^DM_GWPipeline_(?:Client_GatewayUnreachable|Gateway_.*Unreachable|Client_.*Offline)/i

function gatewayFailure(m: ModelView, since: number): boolean {
  const last = failureStreak(m.refreshes)[0]
  if (!last || (last.end ?? last.start ?? 0) < since) return false
  return last.diagnosis?.category === 'gateway' || GATEWAY_CODES.test(last.errorCode ?? '')
}

/** Gateway id → models failing through it within the window (only gateways reaching the threshold). */
export function gatewayOutages(
  snapshot: Snapshot,
  config: DetectorConfig,
): Map<string, ModelView[]> {
  const since = snapshot.now - config.gatewayOutageWindowMinutes * 60_000
  const byGateway = new Map<string, ModelView[]>()
  for (const m of snapshot.models) {
    if (!gatewayFailure(m, since)) continue
    for (const g of m.gatewayIds) byGateway.set(g, [...(byGateway.get(g) ?? []), m])
  }
  for (const [g, models] of byGateway) {
    const unreachable = snapshot.gateways.find((x) => x.id === g)?.unhealthySources ?? 0
    if (models.length < config.gatewayOutageModels && !(models.length >= 1 && unreachable > 0))
      byGateway.delete(g)
  }
  return byGateway
}

export function modelsInGatewayOutage(snapshot: Snapshot, config: DetectorConfig): Set<string> {
  return new Set([...gatewayOutages(snapshot, config).values()].flat().map((m) => m.id))
}

/** Several models failing through one gateway within the window: one incident naming them all. */
export const gatewayOutageDetector: Detector = {
  condition: 'gateway_outage',
  needsFreshData: true,
  detect(snapshot, config) {
    return [...gatewayOutages(snapshot, config)].map(([gatewayId, models]) => {
      const gateway = snapshot.gateways.find((g) => g.id === gatewayId)
      const names = models.map((m) => m.name).sort()
      return {
        subjectKind: 'gateway' as const,
        subjectId: gatewayId,
        severity: 'critical' as const,
        title: `Gateway ${gateway?.name ?? gatewayId} looks down: ${String(models.length)} models failing (${names.join(', ')})`,
        key: models
          .map((m) => m.id)
          .sort()
          .join(','),
        occurrences: models.length,
        diagnosis: failureStreak(models[0]?.refreshes ?? [])[0]?.diagnosis ?? null,
        details: {
          gatewayId,
          gatewayName: gateway?.name ?? null,
          models: models.map((m) => ({
            id: m.id,
            name: m.name,
            requestId: failureStreak(m.refreshes)[0]?.requestId ?? null,
          })),
          unhealthySources: gateway?.unhealthySources ?? 0,
        },
      }
    })
  },
}
