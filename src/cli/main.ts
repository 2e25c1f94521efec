import { kbCommand } from './commands/kb.command.ts'
import { type CliIo, type Command, processIo, reportError } from './io.ts'

const USAGE = `Vigil — Power BI refresh monitoring with an error reference.

Usage: vigil <command> [options]

Commands:
  serve                 start the web app (the same as npm start)
  diagnose "<text>"     explain a raw Power BI error (--json, or --jsonl for a batch on stdin)
  kb list|show|search|check|export
                        browse and validate the error reference
  emulator [--port P] [--seed N] [--tenants T] [--workspaces W] [--models M] [--speed X]
                        run a local Power BI + Entra ID emulator (docs/emulator.md)
  powerbi check         sign in with VIGIL_POWERBI_* settings, list what is visible, explain problems
  poll [--once] [--json]
                        monitor refreshes: one cycle with --once, else continuously
  migrate [--status]    apply database migrations (VIGIL_DATABASE_URL)
  tenant list|add|remove
                        manage monitored tenants (secrets stored encrypted)
  incident list|show|ack|snooze   list, inspect, acknowledge or snooze incidents
`

/** Every command, by name. A missing handler fails to compile rather than at run time. */
const commands = {
  kb: kbCommand,
  diagnose: async (args, io) =>
    (await import('./commands/diagnose.command.ts')).diagnoseCommand(args, io),
  serve: async (args, io) => (await import('./commands/serve.command.ts')).serveCommand(args, io),
  emulator: async (args, io) =>
    (await import('./commands/emulator.command.ts')).emulatorCommand(args, io),
  powerbi: async (args, io) =>
    (await import('./commands/powerbi.command.ts')).powerbiCommand(args, io),
  poll: async (args, io) => (await import('./commands/poll.command.ts')).pollCommand(args, io),
  migrate: async (args, io) =>
    (await import('./commands/migrate.command.ts')).migrateCommand(args, io),
  tenant: async (args, io) =>
    (await import('./commands/tenant.command.ts')).tenantCommand(args, io),
  incident: async (args, io) =>
    (await import('./commands/incident.command.ts')).incidentCommand(args, io),
} satisfies Record<string, Command>

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE)
    return name ? 0 : 2
  }
  const command = (commands as Record<string, Command | undefined>)[name]
  if (!command) {
    io.stderr(`error: unknown command "${name}"\n\n${USAGE}`)
    return 2
  }
  try {
    return await command(rest, io)
  } catch (err) {
    return reportError(err, io)
  }
}
