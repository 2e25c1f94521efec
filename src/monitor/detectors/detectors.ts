/** Every detector, in the order they run. A condition without a detector fails to compile. */
import { consecutiveFailuresDetector } from './consecutive-failures.detector.ts'
import { credentialsDetector } from './credentials.detector.ts'
import { dataflowFailedDetector } from './dataflow-failed.detector.ts'
import type { Condition, Detector } from './detector.ts'
import { gatewayOutageDetector } from './gateway-outage.detector.ts'
import { longRunningDetector } from './long-running.detector.ts'
import {
  monitorSigninDetector,
  monitorStalledDetector,
  monitorThrottledDetector,
} from './monitor-health.detector.ts'
import { refreshFailedDetector } from './refresh-failed.detector.ts'
import { scheduleDisabledDetector } from './schedule-disabled.detector.ts'
import { slowDetector } from './slow.detector.ts'
import { staleDetector } from './stale.detector.ts'

export const detectors = {
  refresh_failed: refreshFailedDetector,
  consecutive_failures: consecutiveFailuresDetector,
  schedule_disabled: scheduleDisabledDetector,
  stale: staleDetector,
  long_running: longRunningDetector,
  slow: slowDetector,
  gateway_outage: gatewayOutageDetector,
  credentials: credentialsDetector,
  dataflow_failed: dataflowFailedDetector,
  monitor_stalled: monitorStalledDetector,
  monitor_signin: monitorSigninDetector,
  monitor_throttled: monitorThrottledDetector,
} satisfies { [C in Condition]: Detector }
