import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UserError } from '../shared/errors.ts'

type Options = NonNullable<ParseArgsConfig['options']>

/** parseArgs with Vigil's error: an unknown flag names itself and the command's usage. */
export function parse<O extends Options>(args: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UserError('ERR_CLI_USAGE', { reason: (err as Error).message, usage })
  }
}

/** Checks a flag value against an allowed list, naming the flag and the allowed values. */
export function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UserError('ERR_CLI_USAGE', {
    reason: `--${flag} "${value}" is not one of: ${allowed.join(', ')}`,
  })
}
