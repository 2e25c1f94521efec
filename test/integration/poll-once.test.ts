import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startEmulatorProcess, VIGIL_BIN } from '../helpers/emulator-process.ts'

const bin = VIGIL_BIN

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr })
    })
  })
}

// The acceptance path of the monitoring issue, as a user runs it from a fresh clone:
// `npx vigil emulator` in one process, `npx vigil poll --once --json` pointed at it in another.
describe('npx vigil poll --once --json against npx vigil emulator (subprocesses)', () => {
  let emulator: ChildProcess | undefined
  afterAll(() => {
    emulator?.kill('SIGTERM')
  })

  it('stores the refresh history once, reports failures and incidents, and dedupes on the next cycle', async () => {
    const started = await startEmulatorProcess(3)
    emulator = started.process
    const work = await mkdtemp(path.join(tmpdir(), 'vigil-poll-'))
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...started.env,
      VIGIL_DATABASE_URL: `sqlite:${path.join(work, 'vigil.db')}`,
    }
    delete env.VIGIL_SECRET_KEY

    const first = await run(['poll', '--once', '--json'], env, work)
    expect(first.stderr).not.toContain('emulator-secret')
    expect(first.code).toBe(0)
    const report = JSON.parse(first.stdout) as Record<string, unknown> & {
      tenants: number
      refreshesStored: number
      apiCalls: number
      failures: { slug: string | null; category: string }[]
      incidents: { condition: string; state: string }[]
    }
    for (const key of [
      'tenants',
      'workspaces',
      'models',
      'dataflows',
      'refreshesStored',
      'apiCalls',
      'failures',
      'incidents',
    ]) {
      expect(report).toHaveProperty(key)
    }
    expect(report.tenants).toBe(1)
    expect(report.refreshesStored).toBeGreaterThan(0)
    expect(report.apiCalls).toBeGreaterThan(0)
    // The emulator's failures carry real codes: each is diagnosed to an entry of the reference.
    for (const f of report.failures) expect(f.slug).not.toBeNull()

    const second = await run(['poll', '--once', '--json'], env, work)
    expect(second.code).toBe(0)
    const again = JSON.parse(second.stdout) as { refreshesStored: number; apiCalls: number }
    expect(again.refreshesStored).toBeLessThan(report.refreshesStored)
    expect(again.apiCalls).toBeLessThan(report.apiCalls)
  }, 60_000)
})
