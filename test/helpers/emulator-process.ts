import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { ROOT } from './cli.ts'

export const VIGIL_BIN = path.join(ROOT, 'bin/vigil.js')

/**
 * Starts `vigil emulator --port 0` as a real process and resolves once its banner is printed, with
 * the VIGIL_POWERBI_* settings the banner tells a user to export.
 */
export async function startEmulatorProcess(
  seed: number,
): Promise<{ process: ChildProcess; env: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    [VIGIL_BIN, 'emulator', '--port', '0', '--seed', String(seed), '--quiet'],
    { cwd: ROOT },
  )
  const banner = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      if (out.includes('Press Ctrl+C')) resolve(out)
    })
    child.once('exit', (code) => {
      reject(new Error(`emulator exited with ${String(code)}: ${out}`))
    })
  })
  const env: Record<string, string> = {}
  for (const line of banner.split('\n')) {
    const m = /^\s+(VIGIL_POWERBI_\w+)=(\S+)$/.exec(line)
    if (m?.[1] && m[2]) env[m[1]] = m[2]
  }
  return { process: child, env }
}
