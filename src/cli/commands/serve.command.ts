import { buildServer } from '../../http/server.ts'
import { UserError } from '../../shared/errors.ts'
import type { CliIo } from '../io.ts'
import { untilSignal } from '../../app/lifecycle.ts'
import { startBackgroundMonitor } from '../../monitor/background.ts'
import { openMonitor } from '../../monitor/open-monitor.ts'

/** Starts the web app on VIGIL_PORT (default 3000) and prints its URL. */
export async function serveCommand(_args: readonly string[], io: CliIo): Promise<number> {
  const portText = process.env.VIGIL_PORT ?? '3000'
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError('ERR_CONFIG_INVALID', {
      field: 'VIGIL_PORT',
      reason: `"${portText}" is not a port number (0-65535)`,
    })
  }
  const host = process.env.VIGIL_HOST ?? '127.0.0.1'
  // One store and monitor for both the incidents/tenants API and the background poller.
  const opened = await openMonitor(process.env)
  const kb = opened.monitor.kb
  try {
    const app = await buildServer({
      kb,
      monitor: opened.monitor,
      logger: { level: process.env.VIGIL_LOG_LEVEL ?? 'warn' },
    })
    const address = await app.listen({ port, host })
    io.stdout(
      `Vigil is running at ${address.replace('127.0.0.1', 'localhost')}/  (error reference: ${kb.entries.length} entries)\n`,
    )
    const monitor = await startBackgroundMonitor(process.env, io.stdout, opened)
    await untilSignal({ close: async () => Promise.all([app.close(), monitor?.close()]) })
  } finally {
    await opened.close()
  }
  return 0
}
