import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../../emulator/tenants.ts'
import { UserError } from '../../shared/errors.ts'
import { parse } from '../args.ts'
import type { CliIo } from '../io.ts'
import { untilSignal } from '../../app/lifecycle.ts'

const USAGE = `Usage:
  vigil emulator [--port P] [--seed N] [--tenants T] [--workspaces W] [--models M]
                 [--speed X] [--start ISO-DATE] [--token-ttl SECONDS] [--quiet]

Runs a local Power BI + Entra ID emulator on 127.0.0.1 (default port 8400, seed 1).
--speed 60 plays an hour of refreshes per real minute; 0 freezes the clock.
See docs/emulator.md for the control API under /_emulator/.`

function intFlag(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserError('ERR_CLI_USAGE', {
      reason: `--${name} must be a whole number from ${String(min)} to ${String(max)}`,
      usage: USAGE,
    })
  }
  return n
}

/** `vigil emulator`: starts the emulator, prints how to sign in to it, runs until interrupted. */
export async function emulatorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      port: { type: 'string' },
      seed: { type: 'string' },
      tenants: { type: 'string' },
      workspaces: { type: 'string' },
      models: { type: 'string' },
      speed: { type: 'string' },
      start: { type: 'string' },
      'token-ttl': { type: 'string' },
      quiet: { type: 'boolean' },
    },
    USAGE,
  )
  const port = intFlag('port', values.port, 8400, 0, 65535)
  const seed = intFlag('seed', values.seed, 1, 0, 2 ** 31 - 1)
  const tenants = intFlag('tenants', values.tenants, 2, 1, 50)
  const workspaces = intFlag('workspaces', values.workspaces, 4, 1, 200)
  const models = intFlag('models', values.models, 5, 1, 100)
  const speed = values.speed === undefined ? 1 : Number(values.speed)
  if (!Number.isFinite(speed) || speed < 0 || speed > 10_000) {
    throw new UserError('ERR_CLI_USAGE', {
      reason: '--speed must be a number from 0 to 10000',
      usage: USAGE,
    })
  }
  const start = values.start === undefined ? undefined : Date.parse(values.start)
  if (start !== undefined && Number.isNaN(start)) {
    throw new UserError('ERR_CLI_USAGE', {
      reason: '--start must be an ISO date, e.g. 2025-03-10T12:00:00Z',
      usage: USAGE,
    })
  }
  const tokenTtl =
    values['token-ttl'] === undefined
      ? undefined
      : intFlag('token-ttl', values['token-ttl'], 3600, 1, 86_400)

  const { buildEmulator } = await import('../../emulator/server.ts')
  const app = buildEmulator({
    seed,
    tenants,
    workspaces,
    models,
    speed,
    ...(start !== undefined ? { start } : {}),
    ...(tokenTtl !== undefined ? { tokenTtlSeconds: tokenTtl } : {}),
    // Logs go to stderr so stdout keeps the sign-in details a script can read.
    logger: { level: values.quiet ? 'warn' : 'info', stream: process.stderr },
  })
  // Loopback only: the emulator accepts a well-known secret and must never face a network.
  const address = await app.listen({ port, host: '127.0.0.1' })
  const world = app.emulator.scenario.world
  const first = world.tenants[0]
  const lines = [
    `Vigil Power BI emulator running at ${address}  (seed ${String(seed)}, speed ${String(speed)}x)`,
    '',
    'Point Vigil at it with:',
    `  VIGIL_POWERBI_AUTHORITY_HOST=${address}`,
    `  VIGIL_POWERBI_API_URL=${address}/v1.0/myorg`,
    `  VIGIL_POWERBI_TENANT_ID=${first?.id ?? ''}`,
    `  VIGIL_POWERBI_CLIENT_ID=${EMULATOR_CLIENT_ID}`,
    `  VIGIL_POWERBI_CLIENT_SECRET=${EMULATOR_CLIENT_SECRET}`,
    '',
    'Tenants (every one accepts that client id and secret):',
    ...world.tenants.map((t) => {
      const modelCount = t.workspaces.reduce((n, w) => n + w.datasets.length, 0)
      return `  ${t.id}  ${t.domain}  (${String(t.workspaces.length)} workspaces, ${String(modelCount)} models, ${String(t.gateways.length)} gateways)`
    }),
    '',
    `Control API: ${address}/_emulator/  (inventory, faults, clock, stats — see docs/emulator.md)`,
    'Press Ctrl+C to stop.',
    '',
  ]
  io.stdout(lines.join('\n'))
  await untilSignal(app)
  return 0
}
