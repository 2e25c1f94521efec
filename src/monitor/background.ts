/**
 * The poller inside `npm start` (vigil serve): started when at least one tenant is configured,
 * stopped with the server. A failing cycle is reported and the loop goes on; the monitor's own
 * health incidents say when it keeps failing.
 */
import type { Closable } from '../app/lifecycle.ts'
import { openMonitor } from './open-monitor.ts'

/** `opened`: a monitor the caller already opened (and closes itself); else one is opened here. */
export async function startBackgroundMonitor(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  opened?: Awaited<ReturnType<typeof openMonitor>>,
): Promise<Closable | undefined> {
  const { monitor, close: closeStore } = opened ?? (await openMonitor(env))
  const close = opened ? async () => undefined : closeStore
  if ((await monitor.tenants()).length === 0) {
    await close()
    log(
      'Monitoring is off: no tenant configured (VIGIL_POWERBI_*, vigil.config.yaml or vigil tenant add)\n',
    )
    return undefined
  }
  const controller = new AbortController()
  const running = monitor.run(controller.signal, (r) => {
    if (r instanceof Error) log(`poll cycle failed: ${r.message}\n`)
  })
  log(
    `Monitoring ${String((await monitor.tenants()).length)} tenant(s) every ${String(monitor.config.monitor.refreshMinutes)} min\n`,
  )
  return {
    close: async () => {
      controller.abort()
      await running
      await close()
    },
  }
}
