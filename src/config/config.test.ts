import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { AppError } from '../shared/errors.ts'
import { parseConfig } from './load.ts'
import { decryptSecret, encryptSecret, loadSecretKey, Secret } from './secrets.ts'

describe('vigil.config.yaml', () => {
  it('applies defaults to an empty file', () => {
    const c = parseConfig('')
    expect(c.tenants).toEqual([])
    expect(c.monitor.refreshMinutes).toBe(5)
    expect(c.retention.rawDays).toBe(90)
  })

  it('reports every problem at once, with its path', () => {
    const text = `
tenants:
  - key: Contoso
    tenantId: ""
    clientId: app
  - key: fabrikam
    tenantId: t
    clientId: c
    clientSecretEnv: FABRIKAM_SECRET
    colour: blue
monitor:
  refreshMinutes: -1
retnetion: {}
`
    let err: unknown
    try {
      parseConfig(text, 'vigil.config.yaml')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AppError)
    const problems = String((err as AppError).details?.problems)
    expect(problems).toContain('tenants.0.key: lowercase letters, digits and dashes')
    expect(problems).toContain('tenants.0.tenantId')
    expect(problems).toContain(
      'tenants.0: give exactly one of clientSecret, clientSecretEnv, clientSecretFile',
    )
    expect(problems).toContain("tenants.1: Unrecognized key(s) in object: 'colour'")
    expect(problems).toContain('monitor.refreshMinutes')
    expect(problems).toContain("Unrecognized key(s) in object: 'retnetion'")
    expect(problems).toMatch(/has 6 problem/)
  })

  it('refuses duplicate tenant keys', () => {
    const t = '{key: a, tenantId: t, clientId: c, clientSecret: s}'
    expect(() => parseConfig(`tenants: [${t}, ${t}]`)).toThrow(/Invalid configuration/)
  })
})

describe('secrets at rest', () => {
  it('generates a 0600 key file on first start and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-key-'))
    const first = loadSecretKey({}, dir)
    expect(first.origin).toBe('generated')
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600)
    const again = loadSecretKey({}, dir)
    expect(again.origin).toBe('file')
    expect(again.key.equals(first.key)).toBe(true)
  })

  it('refuses a key file others can read, and a key of the wrong size', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-key-'))
    const file = path.join(dir, 'secret.key')
    writeFileSync(file, Buffer.alloc(32).toString('base64'))
    chmodSync(file, 0o644)
    expect(() => loadSecretKey({}, dir)).toThrow(/secret key/)
    expect(() => loadSecretKey({ VIGIL_SECRET_KEY: 'short' }, dir)).toThrow(/secret key/)
  })

  it('encrypts with AES-256-GCM under VIGIL_SECRET_KEY; another key cannot decrypt; tampering is detected', () => {
    const a = loadSecretKey({ VIGIL_SECRET_KEY: 'a'.repeat(64) }, '/nonexistent')
    const b = loadSecretKey({ VIGIL_SECRET_KEY: 'b'.repeat(64) }, '/nonexistent')
    const sealed = encryptSecret(a, 'client-secret-value')
    expect(sealed).not.toContain('client-secret-value')
    expect(encryptSecret(a, 'client-secret-value')).not.toBe(sealed)
    expect(decryptSecret(a, sealed).reveal()).toBe('client-secret-value')
    expect(() => decryptSecret(b, sealed)).toThrow(/secret key/)
    const parts = sealed.split('.')
    parts[3] = Buffer.from('tampered').toString('base64url')
    expect(() => decryptSecret(a, parts.join('.'))).toThrow(/secret key/)
  })

  it('never prints a secret', () => {
    const s = new Secret('hunter2')
    expect(`${String(s)} ${JSON.stringify({ s })} ${inspect({ s })}`).not.toContain('hunter2')
  })
})
