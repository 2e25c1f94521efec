/** `vigil incident` in process, against a temp SQLite store holding an incident the monitor opened. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../../test/helpers/cli.ts'
import { openKb } from '../../kb/kb.ts'
import {
  type Fixture,
  monitorWithFailedRefresh,
  tempDbPath,
} from '../../monitor/emulator-fixture.ts'
import { incidentById } from '../../monitor/incident.repository.ts'

let f: Fixture
let id: number

beforeAll(async () => {
  const dbPath = tempDbPath()
  ;({ fixture: f, incidentId: id } = await monitorWithFailedRefresh({ kb: await openKb(), dbPath }))
  vi.stubEnv('VIGIL_DATABASE_URL', `sqlite:${dbPath}`)
})
afterAll(async () => {
  vi.unstubAllEnvs()
  await f.store.close()
})

describe('vigil incident', () => {
  it('lists incidents newest first, as text or JSON, filtered by state', async () => {
    const json = await runCli(['incident', 'list', '--json'])
    expect(json.code).toBe(0)
    const rows = JSON.parse(json.stdout) as { id: number; state: string; condition: string }[]
    expect(rows.find((r) => r.id === id)).toMatchObject({
      state: 'open',
      condition: 'refresh_failed',
    })
    expect(rows.map((r) => r.id)).toEqual(rows.map((r) => r.id).sort((a, b) => b - a))

    const text = await runCli(['incident', 'list', '--state', 'open'])
    expect(text.stdout).toMatch(new RegExp(`^${String(id)}\\topen\\t`, 'm'))
    const resolved = await runCli(['incident', 'list', '--state', 'resolved', '--json'])
    expect((JSON.parse(resolved.stdout) as { id: number }[]).map((r) => r.id)).not.toContain(id)

    const bad = await runCli(['incident', 'list', '--state', 'closed'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--state')
  })

  it('shows one incident with its timeline; a missing one is ERR_INCIDENT_NOT_FOUND', async () => {
    const json = await runCli(['incident', 'show', String(id), '--json'])
    expect(json.code).toBe(0)
    const body = JSON.parse(json.stdout) as { incident: { id: number }; events: { kind: string }[] }
    expect(body.incident.id).toBe(id)
    expect(body.events.map((e) => e.kind)).toContain('opened')
    const text = await runCli(['incident', 'show', String(id)])
    expect(text.stdout).toContain(`#${String(id)} `)
    expect(text.stdout).toContain('opened:')

    const missing = await runCli(['incident', 'show', '999999'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('ERR_INCIDENT_NOT_FOUND')
    expect((await runCli(['incident', 'show', 'abc'])).code).toBe(2)
  })

  it('acknowledges and snoozes, writing to the store', async () => {
    const ack = await runCli(['incident', 'ack', String(id)])
    expect(ack).toMatchObject({ code: 0, stdout: `incident ${String(id)} is acknowledged\n` })
    expect((await incidentById(f.store.db, id))?.state).toBe('acknowledged')

    expect((await runCli(['incident', 'snooze', String(id)])).code).toBe(2)
    const tooLong = await runCli(['incident', 'snooze', String(id), '--minutes', '10081'])
    expect(tooLong.code).toBe(2)
    expect(tooLong.stderr).toContain('--minutes')

    const before = Date.now()
    const snoozed = await runCli(['incident', 'snooze', String(id), '--minutes', '60'])
    expect(snoozed.code).toBe(0)
    expect(snoozed.stdout).toContain('is snoozed until')
    const row = await incidentById(f.store.db, id)
    expect(row?.state).toBe('snoozed')
    const until = Number(row?.snoozed_until)
    expect(until).toBeGreaterThanOrEqual(before + 60 * 60_000)
    expect(until).toBeLessThanOrEqual(Date.now() + 60 * 60_000)

    const missing = await runCli(['incident', 'ack', '999999'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('ERR_INCIDENT_NOT_FOUND')
  })

  it('prints usage without an action and rejects an unknown one', async () => {
    const none = await runCli(['incident'])
    expect(none.code).toBe(2)
    expect(none.stdout).toContain('vigil incident snooze')
    expect((await runCli(['incident', 'close', '1'])).code).toBe(2)
    expect((await runCli(['--help'])).stdout).toContain('incident list|show|ack|snooze')
  })
})
