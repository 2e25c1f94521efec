import { describe, expect, it } from 'vitest'
import { DetectorConfigSchema } from '../../config/config.schema.ts'
import type { ModelView, RefreshView, Snapshot } from './detector.ts'
import { longRunningDetector } from './long-running.detector.ts'

const MIN = 60_000
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)
const config = DetectorConfigSchema.parse({})

const done = (i: number, minutes: number): RefreshView => ({
  requestId: `done-${String(i)}`,
  status: 'Completed',
  refreshType: 'Scheduled',
  start: NOW - (i + 1) * 24 * 60 * MIN,
  end: NOW - (i + 1) * 24 * 60 * MIN + minutes * MIN,
  durationMs: minutes * MIN,
  errorCode: null,
  diagnosis: null,
})

const running = (minutes: number): RefreshView => ({
  requestId: 'now',
  status: 'Unknown',
  refreshType: 'Scheduled',
  start: NOW - minutes * MIN,
  end: null,
  durationMs: null,
  errorCode: null,
  diagnosis: null,
})

function snapshot(refreshes: RefreshView[], premium = false): Snapshot {
  const model: ModelView = {
    id: 'm1',
    workspaceId: 'w1',
    name: 'Sales',
    premium,
    schedule: null,
    scheduleEnabled: true,
    scheduleSeenEnabled: true,
    gatewayIds: [],
    refreshes,
  }
  return {
    tenantKey: 't',
    now: NOW,
    fresh: true,
    models: [model],
    dataflows: [],
    gateways: [],
    health: {
      lastCycleOkAt: NOW,
      lastCycleStartedAt: NOW,
      lastErrorCode: null,
      signinFailingSince: null,
      throttledSince: null,
    },
    refreshMinutes: 5,
  }
}

// Usual durations 10–12 minutes: p95 ≈ 12 min, so k = 2 puts the line at about 24 minutes.
const history = [10, 11, 12, 10, 11, 12, 10, 11].map((m, i) => done(i, m))

describe('long-running detector: k × p95 of recent successes, or near the 2 h / 5 h limit', () => {
  it('stays quiet within the baseline', () => {
    expect(longRunningDetector.detect(snapshot([running(20), ...history]), config)).toEqual([])
  })

  it('fires past k × p95, with medium severity and the numbers', () => {
    const [signal] = longRunningDetector.detect(snapshot([running(30), ...history]), config)
    expect(signal).toMatchObject({ subjectId: 'm1', severity: 'medium', key: 'now' })
    expect(signal?.details).toMatchObject({ p95Ms: 12 * MIN, elapsedMs: 30 * MIN })
  })

  it('needs enough successes before it trusts a baseline', () => {
    expect(
      longRunningDetector.detect(snapshot([running(30), ...history.slice(0, 3)]), config),
    ).toEqual([])
  })

  it('fires high near the shared-capacity limit even without a baseline, and respects Premium’s 5 h', () => {
    const shared = longRunningDetector.detect(snapshot([running(100)]), config)
    expect(shared[0]?.severity).toBe('high')
    expect(longRunningDetector.detect(snapshot([running(100)], true), config)).toEqual([])
    expect(longRunningDetector.detect(snapshot([running(250)], true), config)[0]?.severity).toBe(
      'high',
    )
  })

  it('says nothing once the refresh has ended', () => {
    expect(longRunningDetector.detect(snapshot(history), config)).toEqual([])
  })
})
