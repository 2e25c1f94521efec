import type { Detector, Signal, Snapshot } from './detector.ts'
import { minutesText } from './detector.ts'

const tenantSignal = (
  s: Snapshot,
  title: string,
  key: string,
  details: Record<string, unknown>,
  severity: Signal['severity'] = 'high',
): Signal => ({
  subjectKind: 'tenant',
  subjectId: s.tenantKey,
  severity,
  title,
  key,
  details,
})

/** Watch the watcher (peers.md §5 item 7): no successful poll for several intervals. */
export const monitorStalledDetector: Detector = {
  condition: 'monitor_stalled',
  needsFreshData: false,
  detect(s, config) {
    const limit = config.stalledCycles * s.refreshMinutes * 60_000
    const since = s.health.lastCycleOkAt ?? s.health.lastCycleStartedAt
    if (since === null || s.now - since <= limit || s.fresh) return []
    return [
      tenantSignal(
        s,
        `Vigil has not completed a poll of ${s.tenantKey} for ${minutesText(s.now - since)}`,
        String(since),
        {
          lastCycleOkAt: s.health.lastCycleOkAt,
          lastErrorCode: s.health.lastErrorCode,
        },
      ),
    ]
  },
}

/** Sign-in to Entra ID keeps failing (expired secret, disabled app, wrong tenant). */
export const monitorSigninDetector: Detector = {
  condition: 'monitor_signin',
  needsFreshData: false,
  detect(s) {
    if (s.health.signinFailingSince === null) return []
    return [
      tenantSignal(
        s,
        `Vigil cannot sign in to Power BI for ${s.tenantKey}`,
        String(s.health.signinFailingSince),
        {
          since: s.health.signinFailingSince,
          lastErrorCode: s.health.lastErrorCode,
        },
        'critical',
      ),
    ]
  },
}

/** Power BI has throttled Vigil for a long time: data is late. */
export const monitorThrottledDetector: Detector = {
  condition: 'monitor_throttled',
  needsFreshData: false,
  detect(s, config) {
    const since = s.health.throttledSince
    if (since === null || s.now - since < config.throttledMinutes * 60_000) return []
    return [
      tenantSignal(
        s,
        `Power BI has throttled Vigil for ${minutesText(s.now - since)} on ${s.tenantKey}`,
        String(since),
        { since },
        'medium',
      ),
    ]
  },
}
