import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { main } from '../../src/cli/main.ts'

export const ROOT = path.resolve(import.meta.dirname, '../..')

/** Runs a CLI command in process and captures what it prints. */
export async function runCli(
  args: string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await main(args, {
    stdout: (t) => {
      stdout += t
    },
    stderr: (t) => {
      stderr += t
    },
    readStdin: () => Promise.resolve(stdin),
  })
  return { code, stdout, stderr }
}

/** Runs `bin/vigil.js` as a real subprocess, as `npx vigil` would. */
export async function runBin(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const child = promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/vigil.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  })
  if (input !== undefined) {
    child.child.stdin?.end(input)
  }
  try {
    const { stdout, stderr } = await child
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
