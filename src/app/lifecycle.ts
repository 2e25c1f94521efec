/** Something that can be stopped, such as a Fastify instance. */
export interface Closable {
  close(): Promise<unknown>
}

/**
 * Resolves once SIGINT or SIGTERM arrives and `server` has closed, so a command that serves
 * until stopped can return its exit code normally.
 */
export function untilSignal(server: Closable): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      void server.close().then(() => {
        resolve()
      })
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
