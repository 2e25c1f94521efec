import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { odataList, parseServiceException, RefreshSchema } from '../sources/powerbi/schemas.ts'
import { DAY, HOUR, MINUTE, VirtualClock } from './clock.ts'
import {
  HISTORY_AGE,
  HISTORY_MAX,
  HISTORY_MIN,
  MAX_DURATION,
  nextSlotAfter,
  Scenario,
  SHARED_DAILY_LIMIT,
} from './scenario.ts'
import * as shape from './shapes.ts'
import { generateWorld } from './tenants.ts'

const START = Date.parse('2025-03-10T12:00:00Z')

function scenario(
  seed: number,
  size: { tenants?: number; workspaces?: number; models?: number } = {},
) {
  const clock = new VirtualClock({ start: START, speed: 0 })
  const world = generateWorld({
    seed,
    tenants: size.tenants ?? 1,
    workspaces: size.workspaces ?? 3,
    models: size.models ?? 3,
    start: START,
  })
  return { clock, sc: new Scenario(world, clock) }
}

/** Every history as the API would serve it now, validated by the client's own schema. */
function servedHistories(sc: Scenario) {
  const now = sc.sync()
  return [...sc.datasets.values()].map((st) => ({
    st,
    entries: odataList(RefreshSchema).parse(
      shape.odataList(
        'refreshes',
        st.history.map((r) => shape.refresh(r, now)),
      ),
    ).value,
  }))
}

describe('scenario histories (property over seeds)', () => {
  it('are consistent for any seed and any time after the start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 36 * 60 }),
        (seed, minutes) => {
          const { clock, sc } = scenario(seed, { workspaces: 2, models: 3 })
          clock.advance(minutes * MINUTE)
          const now = sc.sync()
          for (const { st, entries } of servedHistories(sc)) {
            expect(entries.length).toBeLessThanOrEqual(HISTORY_MAX)
            let previousStart = Number.POSITIVE_INFINITY
            for (const e of entries) {
              const start = Date.parse(e.startTime ?? '')
              expect(start).toBeLessThanOrEqual(now)
              // Newest first (contract §3.4).
              expect(start).toBeLessThanOrEqual(previousStart)
              previousStart = start
              if (e.status === 'Unknown') {
                expect(e.endTime).toBeUndefined()
              } else {
                const end = Date.parse(e.endTime ?? '')
                expect(end).toBeGreaterThanOrEqual(start)
                expect(end - start).toBeLessThanOrEqual(
                  st.dataset.premium ? MAX_DURATION.premium : MAX_DURATION.shared,
                )
              }
              if (e.status === 'Failed') {
                const ex = parseServiceException(e.serviceExceptionJson ?? '')
                expect(ex.shape).not.toBe('raw')
                expect(ex.code).toMatch(/^[A-Za-z][\w]+$/)
              } else {
                expect(e.serviceExceptionJson).toBeUndefined()
              }
              if (e.status === 'Cancelled') expect(e.extendedStatus).toBe('Cancelled')
              if (e.extendedStatus !== undefined) expect(e.refreshType).toBe('ViaEnhancedApi')
              for (const a of e.refreshAttempts ?? []) {
                const aStart = Date.parse(a.startTime ?? '')
                expect(aStart).toBeGreaterThanOrEqual(start)
                if (a.endTime) expect(Date.parse(a.endTime)).toBeGreaterThanOrEqual(aStart)
                if (a.serviceExceptionJson)
                  expect(parseServiceException(a.serviceExceptionJson).shape).toBe('flat')
              }
            }
            // Older than 3 days only survives while 20 or fewer entries remain.
            if (entries.length > HISTORY_MIN) {
              const oldest = Date.parse(entries[entries.length - 1]?.startTime ?? '')
              expect(oldest).toBeGreaterThanOrEqual(now - HISTORY_AGE)
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const snapshot = (seed: number) => {
      const { clock, sc } = scenario(seed)
      clock.advance(5 * HOUR)
      return JSON.stringify(servedHistories(sc).map((h) => [h.st.dataset.id, h.entries]))
    }
    expect(snapshot(42)).toBe(snapshot(42))
    expect(snapshot(42)).not.toBe(snapshot(43))
  })

  it('shows running (Unknown, no endTime) and cancelled refreshes from the start', () => {
    const { sc } = scenario(1, { tenants: 2, workspaces: 4, models: 5 })
    const all = servedHistories(sc).flatMap((h) => h.entries)
    expect(
      all.filter((e) => e.status === 'Unknown' && e.endTime === undefined).length,
    ).toBeGreaterThanOrEqual(2)
    expect(all.some((e) => e.status === 'Cancelled' && e.endTime !== undefined)).toBe(true)
    expect(all.some((e) => e.status === 'Failed')).toBe(true)
    expect(new Set(all.map((e) => e.refreshType))).toEqual(
      new Set(['Scheduled', 'OnDemand', 'ViaEnhancedApi']),
    )
  })
})

describe('scenario behaviour', () => {
  it('fires schedule slots in the model time zone', () => {
    const schedule = {
      days: ['Monday' as const],
      times: ['05:30', '01:00'],
      enabled: true,
      localTimeZoneId: 'India Standard Time',
      notifyOption: 'NoNotification' as const,
    }
    // 2025-03-10 is a Monday; 01:00 IST = 19:30 UTC the day before (a Sunday, so skipped).
    expect(new Date(nextSlotAfter(schedule, START) ?? 0).toISOString()).toBe(
      '2025-03-16T19:30:00.000Z',
    )
    expect(
      new Date(nextSlotAfter(schedule, Date.parse('2025-03-09T00:00:00Z')) ?? 0).toISOString(),
    ).toBe('2025-03-09T19:30:00.000Z')
  })

  it('fails every refresh of models on a gateway while it is down, and recovers when it is up', () => {
    const { clock, sc } = scenario(3, { workspaces: 4, models: 4 })
    const gateway = [...sc.gateways.values()][0]!
    const bound = [...sc.datasets.values()].filter(
      (st) =>
        st.dataset.importMode &&
        st.dataset.sourceIds.some((id) => sc.sources.get(id)?.gatewayId === gateway.id),
    )
    expect(bound.length).toBeGreaterThan(0)
    const downAt = sc.sync()
    sc.setGatewayDown(gateway, true)
    clock.advance(DAY)
    const upAt = sc.sync()
    sc.setGatewayDown(gateway, false)
    const during = bound.flatMap((st) =>
      st.history.filter((r) => r.start >= downAt && r.start < upAt),
    )
    expect(during.length).toBeGreaterThan(0)
    for (const run of during) {
      expect(run.status).toBe('Failed')
      expect(run.outcome.kind === 'failed' && run.outcome.spec.code).toBe(
        'DM_GWPipeline_Client_GatewayUnreachable',
      )
    }
    clock.advance(DAY)
    sc.sync()
    const after = bound.flatMap((st) =>
      st.history.filter((r) => r.start >= upAt && r.status !== 'Unknown'),
    )
    expect(
      after.some(
        (r) =>
          r.outcome.kind !== 'failed' ||
          r.outcome.spec.code !== 'DM_GWPipeline_Client_GatewayUnreachable',
      ),
    ).toBe(true)
    expect(
      after.every(
        (r) =>
          r.outcome.kind !== 'failed' ||
          r.outcome.spec.code !== 'DM_GWPipeline_Client_GatewayUnreachable',
      ),
    ).toBe(true)
  })

  it('fails on expired credentials until fixed, and disables the schedule after 4 failures in a row', () => {
    const { clock, sc } = scenario(5, { workspaces: 4, models: 4 })
    const st = [...sc.datasets.values()].find(
      (s) =>
        s.dataset.importMode &&
        s.dataset.schedule.times.length >= 4 &&
        s.dataset.sourceIds.every((id) => sc.sources.get(id)?.via === 'cloud'),
    )!
    expect(st).toBeDefined()
    const source = sc.sources.get(st.dataset.sourceIds[0]!)!
    sc.setScheduleEnabled(st, true)
    const brokenAt = sc.sync()
    sc.setCredentials(source, 'expired')
    clock.advance(2 * DAY)
    sc.sync()
    const failed = st.history.filter((r) => r.start >= brokenAt && r.status !== 'Unknown')
    expect(failed.length).toBeGreaterThanOrEqual(4)
    const credentialCodes = [
      'DMTS_OAuthTokenRefreshFailedError',
      'ModelRefreshFailed_CredentialsNotSpecified',
    ]
    for (const run of failed)
      expect(run.outcome.kind === 'failed' && credentialCodes.includes(run.outcome.spec.code)).toBe(
        true,
      )
    expect(st.dataset.schedule.enabled).toBe(false)
    // Scheduled runs stop once the schedule is off.
    expect(failed.filter((r) => r.refreshType === 'Scheduled').length).toBe(4)

    sc.setCredentials(source, 'ok')
    sc.setScheduleEnabled(st, true)
    const fixedAt = sc.sync()
    clock.advance(DAY)
    sc.sync()
    const later = st.history.filter((r) => r.start >= fixedAt && r.status !== 'Unknown')
    expect(later.length).toBeGreaterThan(0)
    for (const run of later)
      expect(run.outcome.kind === 'failed' && credentialCodes.includes(run.outcome.spec.code)).toBe(
        false,
      )
  })

  it('holds shared capacity to 8 scheduled + API refreshes a day and refuses concurrent ones', () => {
    const { clock, sc } = scenario(9, { workspaces: 2, models: 3 })
    const st = [...sc.datasets.values()].find((s) => !s.dataset.premium && s.dataset.importMode)!
    sc.setScheduleEnabled(st, false)
    clock.advance(DAY)
    sc.sync()
    let accepted = 0
    let refusal = ''
    for (let i = 0; i < 12 && !refusal; i++) {
      const first = sc.triggerRefresh(st, { enhanced: undefined })
      if ('message' in first) {
        refusal = first.message
        break
      }
      accepted++
      const second = sc.triggerRefresh(st, { enhanced: undefined })
      expect('message' in second && second.message).toMatch(/already executing/)
      clock.advance(first.plannedEnd - sc.sync() + 1)
      sc.sync()
    }
    const today = sc.dailyCount(st, sc.sync())
    expect(today).toBe(SHARED_DAILY_LIMIT)
    expect(accepted).toBeLessThanOrEqual(SHARED_DAILY_LIMIT)
    expect(refusal).toBe(
      'Invalid dataset refresh request. Number of refresh requests in last 24 hours exceeded limit',
    )
  })

  it('cancels only running enhanced refreshes, and rejects enhanced parameters on shared capacity', () => {
    const { sc } = scenario(11, { workspaces: 2, models: 3 })
    const premium = [...sc.datasets.values()].find(
      (s) => s.dataset.premium && s.dataset.importMode && !s.running,
    )!
    const shared = [...sc.datasets.values()].find(
      (s) => !s.dataset.premium && s.dataset.importMode && !s.running,
    )!
    expect(sc.triggerRefresh(shared, { enhanced: { type: 'Full' } })).toMatchObject({ status: 400 })
    const run = sc.triggerRefresh(premium, {
      enhanced: { type: 'Full', commitMode: 'Transactional' },
    })
    if ('message' in run) throw new Error(run.message)
    expect(run.refreshType).toBe('ViaEnhancedApi')
    expect(sc.cancelRefresh(premium, run.requestId.toUpperCase())).toBe('cancelled')
    expect(run.status).toBe('Cancelled')
    expect(run.end).toBe(sc.sync())
    expect(sc.cancelRefresh(premium, run.requestId)).toBe('not-cancellable')
    expect(sc.cancelRefresh(premium, '00000000-0000-4000-8000-000000000000')).toBe('not-found')
  })

  it('gives dataflows transactions with the documented id format', () => {
    const { clock, sc } = scenario(2, { workspaces: 4, models: 2 })
    clock.advance(DAY)
    sc.sync()
    const txs = [...sc.dataflows.values()].flatMap((f) => f.transactions)
    expect(txs.length).toBeGreaterThan(0)
    for (const tx of txs) {
      expect(tx.id).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z@[0-9a-f-]{36}\$\d+$/)
      expect(tx.status === 'InProgress').toBe(tx.end === undefined)
    }
  })
})
