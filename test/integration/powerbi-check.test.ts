import { type ChildProcess, spawn } from 'node:child_process'
import { startEmulatorProcess } from '../helpers/emulator-process.ts'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  checkExitCode,
  formatCheckReport,
  type PowerBiSettings,
  runPowerBiCheck,
  settingsFromEnv,
} from '../../src/cli/commands/powerbi.command.ts'
import { injectFetch } from '../../src/emulator/inject-fetch.ts'
import { buildEmulator, type Emulator } from '../../src/emulator/server.ts'
import { KnowledgeBase } from '../../src/kb/kb.ts'
import { loadKb } from '../../src/kb/loader.ts'
import { AppError } from '../../src/shared/errors.ts'
import { ManualClock } from '../../src/sources/powerbi/clock.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
let kb: KnowledgeBase
let app: Emulator

beforeAll(async () => {
  kb = new KnowledgeBase((await loadKb()).entries)
})
beforeEach(() => {
  app = buildEmulator({
    seed: 1,
    tenants: 1,
    workspaces: 4,
    models: 3,
    speed: 0,
    start: Date.parse('2025-03-10T12:00:00Z'),
  })
})
afterEach(async () => {
  await app.close()
})

const settings = (extra: Partial<PowerBiSettings> = {}): PowerBiSettings => ({
  tenantId: app.emulator.scenario.world.tenants[0]!.id,
  clientId: 'vigil-emulator',
  clientSecret: 'emulator-secret',
  authorityHost: 'http://127.0.0.1:8400',
  apiUrl: 'http://127.0.0.1:8400/v1.0/myorg',
  ...extra,
})
const check = (extra: Partial<PowerBiSettings> = {}) =>
  runPowerBiCheck(settings(extra), {
    fetch: injectFetch(app),
    clock: new ManualClock({ start: Date.now() }),
    kb,
  })

describe('powerbi check (in process)', () => {
  it('lists what the service principal sees and explains failures with the error reference', async () => {
    const gw = app.emulator.scenario.world.tenants[0]!.gateways[0]!
    await app.inject({ method: 'POST', url: `/_emulator/gateways/${gw.id}/down` })
    const report = await check()
    expect(report.signedIn).toBe(true)
    expect(report.workspaces).toHaveLength(3)
    expect(report.admin).toEqual({ ok: true, workspaces: 4, notMember: 1 })
    expect(checkExitCode(report)).toBe(0)
    const gatewayProblems = report.problems.filter(
      (p) => p.code === 'DM_GWPipeline_Client_GatewayUnreachable' && p.where.includes(gw.name),
    )
    expect(gatewayProblems.length).toBeGreaterThan(0)
    expect(gatewayProblems[0]?.reference?.slug).toBe(
      kb.byErrorCode('DM_GWPipeline_Client_GatewayUnreachable')?.slug,
    )
    const text = formatCheckReport(report)
    expect(text).toMatch(/^ok {4}signed in$/m)
    expect(text).toMatch(
      /^ok {4}admin APIs: 4 workspaces in the tenant, 1 without this service principal as member/m,
    )
    expect(text).toContain(
      `Error reference: ${kb.byErrorCode('DM_GWPipeline_Client_GatewayUnreachable')?.title ?? '?'}`,
    )
  })

  it('explains a disabled admin API with the tenant setting to enable', async () => {
    await app.inject({
      method: 'POST',
      url: `/_emulator/tenants/${settings().tenantId}/settings`,
      payload: { adminApisEnabled: false },
    })
    const report = await check()
    const admin = report.problems.find((p) => p.where === 'GET /admin/groups')!
    expect(admin).toMatchObject({
      kind: 'access',
      code: 'PowerBINotAuthorizedException',
      httpStatus: 401,
    })
    expect(admin.hint).toContain('Service principals can access read-only admin APIs')
    expect(admin.reference?.slug).toBe(kb.byErrorCode('PowerBINotAuthorizedException')?.slug)
    // Monitoring still works without admin APIs.
    expect(checkExitCode(report)).toBe(0)
  })

  it('fails when the service principal may not use the APIs at all', async () => {
    await app.inject({
      method: 'POST',
      url: `/_emulator/tenants/${settings().tenantId}/settings`,
      payload: { servicePrincipalsEnabled: false },
    })
    const report = await check()
    expect(report.problems[0]).toMatchObject({
      where: 'GET /groups',
      code: 'PowerBINotAuthorizedException',
    })
    expect(report.problems[0]?.hint).toContain('Service principals can use Fabric APIs')
    expect(checkExitCode(report)).toBe(1)
  })

  it('explains a wrong secret from its AADSTS code, without printing the secret', async () => {
    const report = await check({ clientSecret: 'not-the-secret' })
    expect(report.signedIn).toBe(false)
    expect(report.problems[0]).toMatchObject({
      where: 'sign-in',
      code: 'AADSTS7000215',
      httpStatus: 401,
    })
    expect(report.problems[0]?.reference?.slug).toBe(kb.byErrorCode('AADSTS7000215')?.slug)
    expect(JSON.stringify(report) + formatCheckReport(report)).not.toContain('not-the-secret')
    expect(checkExitCode(report)).toBe(1)
  })

  it('names every missing setting at once', async () => {
    await expect(settingsFromEnv({ VIGIL_POWERBI_CLIENT_ID: 'x' })).rejects.toThrow(AppError)
    await expect(settingsFromEnv({ VIGIL_POWERBI_CLIENT_ID: 'x' })).rejects.toMatchObject({
      details: {
        missing:
          'VIGIL_POWERBI_TENANT_ID, VIGIL_POWERBI_CLIENT_SECRET (or VIGIL_POWERBI_CLIENT_SECRET_FILE)',
      },
    })
  })
})

describe('npx vigil emulator + npx vigil powerbi check (subprocesses)', () => {
  let emulator: ChildProcess | undefined
  afterAll(() => {
    emulator?.kill('SIGTERM')
  })

  it('start, print how to sign in, and check cleanly against each other', async () => {
    const started = await startEmulatorProcess(1)
    emulator = started.process
    const env: NodeJS.ProcessEnv = { ...process.env, ...started.env }
    expect(
      Object.keys(env)
        .filter((k) => k.startsWith('VIGIL_POWERBI_'))
        .sort(),
    ).toEqual([
      'VIGIL_POWERBI_API_URL',
      'VIGIL_POWERBI_AUTHORITY_HOST',
      'VIGIL_POWERBI_CLIENT_ID',
      'VIGIL_POWERBI_CLIENT_SECRET',
      'VIGIL_POWERBI_TENANT_ID',
    ])
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/vigil.js'), 'powerbi', 'check'], {
        cwd: ROOT,
        env,
      })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
      child.once('exit', (code) => {
        resolve({ code, stdout })
      })
    })
    expect(result.stdout).toMatch(/^ok {4}signed in$/m)
    expect(result.stdout).toMatch(
      /^ok {4}3 workspaces, 15 models visible to the service principal$/m,
    )
    expect(result.code).toBe(0)
  }, 30_000)
})
