import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.ts'
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, throttleBackoff } from './retry.ts'
import { endpointFamily, Throttle } from './throttle.ts'

describe('endpoint families', () => {
  it.each([
    ['/groups', 'groups'],
    ['/groups/G?$top=5', 'groups'],
    ['/groups/G/datasets', 'datasets'],
    ['/groups/G/datasets/D/refreshSchedule', 'datasets'],
    ['/groups/G/datasets/D/datasources', 'datasets'],
    ['/groups/G/datasets/D/refreshes', 'refreshes'],
    ['/groups/G/datasets/D/refreshes/R', 'refreshes'],
    ['/groups/G/reports', 'reports'],
    ['/groups/G/dataflows/F/transactions', 'dataflows'],
    ['/gateways/GW/datasources/DS/status', 'gateways'],
    ['/admin/groups', 'admin-groups'],
    ['/admin/groups/G/datasets', 'admin'],
    ['/admin/capacities/refreshables', 'admin'],
    ['/capacities', 'other'],
  ])('%s → %s', (path, family) => {
    expect(endpointFamily(path)).toBe(family)
  })
})

describe('Throttle', () => {
  it('blocks a family per principal, not other families or principals', () => {
    const clock = new ManualClock()
    const t = new Throttle({ clock })
    t.block('a/1', 'datasets', clock.now() + 30_000)
    expect(t.reserve('a/1', 'datasets')).toEqual({ wait: 30_000, reason: 'blocked' })
    expect(t.reserve('a/1', 'gateways')).toEqual({ wait: 0 })
    expect(t.reserve('b/1', 'datasets')).toEqual({ wait: 0 })
  })

  it('keeps admin groups within 12 a minute and 45 an hour', async () => {
    const clock = new ManualClock({ mode: 'manual' })
    const t = new Throttle({ clock })
    for (let i = 0; i < 12; i++) expect(t.reserve('p', 'admin-groups')).toEqual({ wait: 0 })
    expect(t.reserve('p', 'admin-groups')).toEqual({ wait: 60_000, reason: 'budget' })
    let sent = 12
    for (let minute = 1; minute <= 5; minute++) {
      await clock.advance(60_000)
      while (t.reserve('p', 'admin-groups').wait === 0) sent++
    }
    expect(sent).toBe(45)
    const next = t.reserve('p', 'admin-groups')
    // The oldest of the 45 was sent at minute 0; the clock is at minute 5.
    expect(next.wait).toBe(3_600_000 - 5 * 60_000)
  })
})

describe('backoff', () => {
  it('grows exponentially with equal jitter, capped, and honours Retry-After', () => {
    const policy = { ...DEFAULT_RETRY, maxDelayMs: 5_000 }
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0))).toEqual([
      1000, 2000, 2500, 2500,
    ])
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([
      2000, 4000, 5000, 5000,
    ])
    expect(backoffDelay(1, policy, () => 1, 10)).toBe(11_000)
    expect(throttleBackoff(1, () => 1)).toBe(10_000)
    expect(throttleBackoff(20, () => 1)).toBe(900_000)
    expect(throttleBackoff(1, () => 0)).toBe(1_000)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-03-10T12:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120)
    expect(parseRetryAfter('Mon, 10 Mar 2025 12:01:30 GMT', now)).toBe(90)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})
