/**
 * Each detector firing and resolving against the emulator (seed 7: workspaces Finance (shared) and
 * Sales EMEA (Premium) include the service principal, Supply Chain does not). The virtual clock
 * only moves through `advance()`: no real waiting.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type KnowledgeBase, openKb } from '../kb/kb.ts'
import { toJson, toTime } from '../store/codecs.ts'
import { type Fixture, monitorOnEmulator } from './emulator-fixture.ts'
import { allIncidents, type IncidentRow, timeline } from './incident.repository.ts'
import { Monitor } from './monitor.service.ts'

let kb: KnowledgeBase
beforeAll(async () => {
  kb = await openKb()
})

function idOf(
  f: Fixture,
  prefix: string,
  kind: 'dataset' | 'dataflow' | 'gateway' = 'dataset',
): string {
  const sc = f.app.emulator.scenario
  const ids =
    kind === 'dataset'
      ? [...sc.datasets.keys()]
      : kind === 'dataflow'
        ? [...sc.dataflows.keys()]
        : [...sc.gateways.keys()]
  const id = ids.find((x) => x.startsWith(prefix))
  if (!id) throw new Error(`no ${kind} ${prefix}`)
  return id
}

const CLOUD_SHARED = '94ec3ce0'
const GATEWAY = '515ddf'
const ON_GATEWAY = ['ade1b41c', '8800e42d']

async function incidents(f: Fixture, condition: string, subject?: string): Promise<IncidentRow[]> {
  return (await allIncidents(f.store.db)).filter(
    (i) => i.condition === condition && (subject === undefined || i.subject_id === subject),
  )
}

/** Starts an on-demand refresh, lets it finish, and polls. */
async function refreshAndPoll(f: Fixture, datasetId: string, minutes = 120): Promise<void> {
  await f.control('POST', `/_emulator/datasets/${datasetId}/refresh`)
  f.advance(minutes)
  await f.monitor.cycle()
}

describe('detectors against the emulator', () => {
  it('failed refresh, consecutive failures with escalation before the 4th, schedule disabled; all resolve after a success', async () => {
    const f = await monitorOnEmulator({ kb })
    const m = idOf(f, CLOUD_SHARED)
    await f.monitor.cycle()
    await f.control('POST', `/_emulator/datasets/${m}/fail`, {
      code: 'ModelRefresh_ShortMessage_ProcessingError',
      count: 4,
    })

    // The model's own schedule may fire in between and use up a forced failure too: follow the
    // streak as Power BI records it rather than counting our clicks.
    const severityAt = new Map<number, string>()
    for (let i = 0; i < 4 && (await incidents(f, 'schedule_disabled', m)).length === 0; i++) {
      await refreshAndPoll(f, m, 65)
      const [failed] = await incidents(f, 'refresh_failed', m)
      expect(failed).toMatchObject({ state: 'open' })
      expect(failed!.diagnosis_slug).toBeTruthy()
      const [streak] = await incidents(f, 'consecutive_failures', m)
      if (failed!.occurrences === 1) expect(streak).toBeUndefined()
      else severityAt.set(failed!.occurrences, streak!.severity)
    }
    if (severityAt.has(2)) expect(severityAt.get(2)).toBe('high')
    expect(severityAt.get(3)).toBe('critical')
    const [streak] = await incidents(f, 'consecutive_failures', m)
    expect((await timeline(f.store.db, Number(streak!.id))).map((e) => e.kind)).toContain(
      'escalated',
    )
    expect(await incidents(f, 'schedule_disabled', m)).toMatchObject([{ state: 'open' }])
    expect((await incidents(f, 'refresh_failed', m))[0]!.occurrences).toBe(4)

    await f.control('POST', `/_emulator/datasets/${m}/schedule`, { enabled: true })
    await refreshAndPoll(f, m)
    for (const c of ['refresh_failed', 'consecutive_failures', 'schedule_disabled']) {
      expect(
        (await incidents(f, c, m)).map((i) => i.state),
        c,
      ).toEqual(['resolved'])
    }
  })

  it('failing credentials open their own incident, resolved after the fix', async () => {
    const f = await monitorOnEmulator({ kb })
    const m = idOf(f, CLOUD_SHARED)
    await f.monitor.cycle()
    await f.control('POST', `/_emulator/datasets/${m}/credentials`, { state: 'expired' })
    await refreshAndPoll(f, m)
    const [incident] = await incidents(f, 'credentials', m)
    expect(incident).toMatchObject({ state: 'open', diagnosis_category: 'credentials' })
    expect(await incidents(f, 'refresh_failed', m)).toHaveLength(0)
    await f.control('POST', `/_emulator/datasets/${m}/credentials`, { state: 'ok' })
    await refreshAndPoll(f, m)
    expect((await incidents(f, 'credentials', m)).map((i) => i.state)).toEqual(['resolved'])
  })

  it('groups models failing through one gateway into one incident naming them all, and a dataflow failure', async () => {
    const f = await monitorOnEmulator({ kb })
    const gateway = idOf(f, GATEWAY, 'gateway')
    const models = ON_GATEWAY.map((p) => idOf(f, p))
    const dataflow = idOf(f, '643f4164', 'dataflow')
    await f.monitor.cycle()
    await f.control('POST', `/_emulator/gateways/${gateway}/down`)
    for (const m of models) await f.control('POST', `/_emulator/datasets/${m}/refresh`)
    await f.control('POST', `/_emulator/dataflows/${dataflow}/refresh`)
    // Shared-capacity models are re-read every idleRecheckMinutes (60) unless a slot is due.
    f.advance(65)
    await f.monitor.cycle()
    const outage = await incidents(f, 'gateway_outage')
    expect(outage).toHaveLength(1)
    expect(outage[0]).toMatchObject({ subject_id: gateway, state: 'open', severity: 'critical' })
    const named = (
      JSON.parse(outage[0]!.details_json ?? '{}') as { models: { id: string }[] }
    ).models.map((x) => x.id)
    expect(named.sort()).toEqual([...models].sort())
    for (const m of models) expect(await incidents(f, 'refresh_failed', m)).toHaveLength(0)
    expect(await incidents(f, 'dataflow_failed', dataflow)).toMatchObject([{ state: 'open' }])

    await f.control('POST', `/_emulator/gateways/${gateway}/up`)
    for (const m of models) await f.control('POST', `/_emulator/datasets/${m}/refresh`)
    await f.control('POST', `/_emulator/dataflows/${dataflow}/refresh`)
    f.advance(120)
    await f.monitor.cycle()
    expect((await incidents(f, 'gateway_outage')).map((i) => i.state)).toEqual(['resolved'])
    expect((await incidents(f, 'dataflow_failed', dataflow)).map((i) => i.state)).toEqual([
      'resolved',
    ])
  })

  it('stale: no refresh started after a scheduled slot plus grace; resolved once one starts', async () => {
    const f = await monitorOnEmulator({ kb, config: { detectors: { staleGraceMinutes: 60 } } })
    const m = idOf(f, CLOUD_SHARED)
    await f.monitor.cycle()
    // The stored schedule says 12:30 UTC daily; the emulator's own slots for this model are elsewhere.
    const now = f.app.emulator.clock.now()
    await f.store.db
      .updateTable('models')
      .set({
        schedule_json: toJson({
          days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
          times: ['12:30'],
          enabled: true,
          localTimeZoneId: 'UTC',
        }),
        schedule_enabled: 1,
        schedule_read_at: toTime(now),
      })
      .where('id', '=', m)
      .execute()
    f.advance(45)
    await f.monitor.cycle()
    expect(await incidents(f, 'stale', m)).toHaveLength(0)
    f.advance(50)
    await f.monitor.cycle()
    expect(await incidents(f, 'stale', m)).toMatchObject([{ state: 'open' }])
    await refreshAndPoll(f, m, 65)
    expect((await incidents(f, 'stale', m)).map((i) => i.state)).toEqual(['resolved'])
  })

  it('long-running (near the limit) while running, then slow against the baseline once it ends; both resolve', async () => {
    // The Premium model the emulator starts 20 min before "now" runs about 78 minutes.
    const f = await monitorOnEmulator({
      kb,
      config: { detectors: { longRunningLimitShare: 0.15 } },
    })
    const m = idOf(f, '40162541')
    await f.monitor.cycle()
    expect(await incidents(f, 'long_running', m)).toHaveLength(0)
    f.advance(30)
    await f.monitor.cycle()
    const [running] = await incidents(f, 'long_running', m)
    expect(running).toMatchObject({ state: 'open', severity: 'high' })
    f.advance(40)
    await f.monitor.cycle()
    expect((await incidents(f, 'long_running', m)).map((i) => i.state)).toEqual(['resolved'])
    expect(await incidents(f, 'slow', m)).toMatchObject([{ state: 'open' }])
    // The next normal refresh ends the anomaly.
    for (let i = 0; i < 6 && (await incidents(f, 'slow', m))[0]?.state !== 'resolved'; i++)
      await refreshAndPoll(f, m, 60)
    expect((await incidents(f, 'slow', m)).map((i) => i.state)).toEqual(['resolved'])
  })

  it('watches the watcher: sign-in failing, polling stalled, throttled for long; resolved when it recovers', async () => {
    const f = await monitorOnEmulator({ kb, config: { detectors: { throttledMinutes: 20 } } })
    await f.monitor.cycle()
    const tenant = f.env.VIGIL_POWERBI_TENANT_ID ?? ''
    await f.control('POST', `/_emulator/tenants/${tenant}/settings`, { secretExpired: true })
    await f.control('POST', '/_emulator/tokens/expire', {})
    f.advance(5)
    const failing = await f.monitor.cycle()
    expect(failing.errors[0]?.code).toBe('ERR_SOURCE_AUTH_FAILED')
    expect(await incidents(f, 'monitor_signin')).toMatchObject([
      { state: 'open', severity: 'critical' },
    ])
    for (let i = 0; i < 3; i++) {
      f.advance(5)
      await f.monitor.cycle()
    }
    expect(await incidents(f, 'monitor_stalled')).toMatchObject([{ state: 'open' }])
    await f.control('POST', `/_emulator/tenants/${tenant}/settings`, { secretExpired: false })
    f.advance(5)
    const ok = await f.monitor.cycle()
    expect(ok.errors).toEqual([])
    expect((await incidents(f, 'monitor_signin')).map((i) => i.state)).toEqual(['resolved'])
    expect((await incidents(f, 'monitor_stalled')).map((i) => i.state)).toEqual(['resolved'])

    await f.control('POST', '/_emulator/faults', {
      family: '*',
      kind: 'throttle',
      retryAfter: 600,
      count: 0,
    })
    for (let i = 0; i < 6; i++) {
      f.advance(5)
      await f.monitor.cycle()
    }
    expect(await incidents(f, 'monitor_throttled')).toMatchObject([{ state: 'open' }])
    await f.control('DELETE', '/_emulator/faults')
    f.advance(15)
    await f.monitor.cycle()
    expect((await incidents(f, 'monitor_throttled')).map((i) => i.state)).toEqual(['resolved'])
  })

  it('re-diagnoses stored failures and open incidents when an error-reference entry changes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-kb-'))
    cpSync(path.resolve('kb'), dir, { recursive: true })
    const f = await monitorOnEmulator({ kb })
    const m = idOf(f, CLOUD_SHARED)
    await f.monitor.cycle()
    await f.control('POST', `/_emulator/datasets/${m}/credentials`, { state: 'missing' })
    await refreshAndPoll(f, m)
    const [before] = await incidents(f, 'credentials', m)
    expect(before?.diagnosis_slug).toBeTruthy()
    const slug = before!.diagnosis_slug!
    // Edit that entry's title in a copy of the reference, as a KB update would.
    const file = findEntryFile(path.join(dir, 'entries'), slug)
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /^title: .*$/m,
        'title: Revised title for a re-diagnosis test',
      ),
    )
    const revised = await openKb(path.join(dir, 'entries'))
    const again = new Monitor({ ...monitorOptions(f), kb: revised })
    f.advance(5)
    await again.cycle()
    const rows = await f.store.db
      .selectFrom('refreshes')
      .select(['diagnosis_json'])
      .where('item_id', '=', m)
      .where('status', '=', 'Failed')
      .execute()
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => (r.diagnosis_json ?? '').includes('Revised title'))).toBe(true)
    const [after] = await incidents(f, 'credentials', m)
    expect(after!.diagnosis_json).toContain('Revised title')
    expect((await timeline(f.store.db, Number(after!.id))).map((e) => e.kind)).toContain(
      'rediagnosed',
    )
  })
})

function findEntryFile(dir: string, slug: string): string {
  for (const area of readdirSync(dir)) {
    const candidate = path.join(dir, area, `${slug}.md`)
    try {
      readFileSync(candidate)
      return candidate
    } catch {
      // not in this area
    }
  }
  throw new Error(`entry ${slug} not found`)
}

function monitorOptions(f: Fixture): ConstructorParameters<typeof Monitor>[0] {
  return {
    store: f.store,
    kb,
    config: f.monitor.config,
    secretKey: f.key,
    now: () => f.app.emulator.clock.now(),
    fetch: (f.monitor as unknown as { options: { fetch: typeof fetch } }).options.fetch,
    clock: {
      now: () => f.app.emulator.clock.now(),
      sleep: async (ms: number) => void f.app.emulator.clock.advance(ms),
    },
    retryBaseDelayMs: 1,
  }
}
