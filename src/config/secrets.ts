/**
 * Client secrets at rest: AES-256-GCM under a 32-byte key from VIGIL_SECRET_KEY (base64 or hex),
 * VIGIL_SECRET_KEY_FILE, or a key file generated on first start (`<data dir>/secret.key`, mode
 * 0600). Ciphertext format: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. A secret is wrapped in
 * `Secret`, which prints as `[redacted]` in logs, JSON and `util.inspect`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../shared/errors.ts'

const REDACTED = '[redacted]'

/** A value that never shows itself by accident; `reveal()` is the only way out. */
export class Secret {
  readonly #value: string
  constructor(value: string) {
    this.#value = value
  }
  reveal(): string {
    return this.#value
  }
  toString(): string {
    return REDACTED
  }
  toJSON(): string {
    return REDACTED
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED
  }
}

export interface SecretKey {
  readonly key: Buffer
  /** env | file | generated */
  readonly origin: string
}

function decodeKey(text: string, where: string): Buffer {
  const value = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64')
  if (key.length !== 32) {
    throw new UserError('ERR_SECRET_KEY_INVALID', {
      where,
      reason: 'the key must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)',
    })
  }
  return key
}

/**
 * Finds the key: VIGIL_SECRET_KEY, then VIGIL_SECRET_KEY_FILE, then `<dataDir>/secret.key`, which is
 * created (mode 0600) when absent. A key file readable by others is refused.
 */
export function loadSecretKey(env: NodeJS.ProcessEnv, dataDir: string): SecretKey {
  const inline = env.VIGIL_SECRET_KEY?.trim()
  if (inline) return { key: decodeKey(inline, 'VIGIL_SECRET_KEY'), origin: 'env' }
  const file = env.VIGIL_SECRET_KEY_FILE?.trim() || path.join(dataDir, 'secret.key')
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new UserError('ERR_SECRET_KEY_INVALID', {
        where: file,
        reason: `the key file is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`,
      })
    }
    return { key: decodeKey(readFileSync(file, 'utf8'), file), origin: 'file' }
  }
  mkdirSync(path.dirname(file), { recursive: true })
  const key = randomBytes(32)
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return { key, origin: 'generated' }
}

export function encryptSecret(key: SecretKey, plain: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key.key, iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return ['v1', iv, tag, body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.')
}

export function decryptSecret(key: SecretKey, sealed: string): Secret {
  const [version, iv, tag, body] = sealed.split('.')
  if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
    throw new UserError('ERR_SECRET_KEY_INVALID', {
      reason: 'the stored secret is not in v1 format',
    })
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()])
    return new Secret(plain.toString('utf8'))
  } catch (err) {
    throw new UserError(
      'ERR_SECRET_KEY_INVALID',
      { reason: 'the stored secret was encrypted under another key (VIGIL_SECRET_KEY changed?)' },
      { cause: err },
    )
  }
}
