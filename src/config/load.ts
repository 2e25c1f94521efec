/**
 * Loads `vigil.config.yaml` (or VIGIL_CONFIG): YAML → zod. Every problem is reported at once, as
 * `path: message` lines, and the result is frozen.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { load as parseYaml } from 'js-yaml'
import type { ZodIssue } from 'zod'
import { UserError } from '../shared/errors.ts'
import { ConfigSchema, type VigilConfig } from './config.schema.ts'

export const DEFAULT_CONFIG_FILE = 'vigil.config.yaml'

export function formatIssues(issues: readonly ZodIssue[]): string {
  return issues
    .map((i) => `  - ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n')
}

/** Parses config text; throws ERR_CONFIG_INVALID listing every problem. */
export function parseConfig(text: string, file = DEFAULT_CONFIG_FILE): VigilConfig {
  let raw: unknown
  try {
    raw = parseYaml(text) ?? {}
  } catch (err) {
    throw new UserError(
      'ERR_CONFIG_INVALID',
      { file, problems: `  - ${(err as Error).message.split('\n')[0] ?? 'YAML error'}` },
      { cause: err },
    )
  }
  const parsed = ConfigSchema.safeParse(raw)
  if (!parsed.success) {
    throw new UserError('ERR_CONFIG_INVALID', {
      file,
      problems: `${file} has ${String(parsed.error.issues.length)} problem(s):\n${formatIssues(parsed.error.issues)}`,
    })
  }
  return Object.freeze(parsed.data)
}

/** Reads VIGIL_CONFIG or ./vigil.config.yaml; no file means the defaults. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<VigilConfig> {
  const file = env.VIGIL_CONFIG?.trim() || DEFAULT_CONFIG_FILE
  if (!existsSync(file)) {
    if (env.VIGIL_CONFIG?.trim())
      throw new UserError('ERR_CONFIG_INVALID', { file, reason: 'file not found' })
    return parseConfig('{}', file)
  }
  return parseConfig(await readFile(file, 'utf8'), file)
}
