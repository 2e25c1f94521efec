import { AppError } from '../shared/errors.ts'

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Reads all of standard input (resolves to '' when it is a terminal). */
  readonly readStdin: () => Promise<string>
}

export type Command = (args: readonly string[], io: CliIo) => Promise<number>

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    if (process.stdin.isTTY) return ''
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}

/** Prints an error the way every command does: code, message, then the details that say how to fix it. */
export function reportError(err: unknown, io: CliIo): number {
  if (err instanceof AppError) {
    io.stderr(`error ${err.code}: ${err.message}\n`)
    for (const [key, value] of Object.entries(err.details ?? {})) {
      io.stderr(
        typeof value === 'string' && value.includes('\n')
          ? `${value}\n`
          : `  ${key}: ${String(value)}\n`,
      )
    }
    return err.status >= 500 ? 1 : 2
  }
  io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return 1
}
