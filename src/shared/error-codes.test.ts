import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { codes } from './error-codes.ts'

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8')
const documented = new Map(
  [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map(
    (m) => [m[1], Number(m[2])] as const,
  ),
)

describe('error code catalogue', () => {
  it('documents every code with its HTTP status in docs/errors.md', () => {
    for (const [code, spec] of Object.entries(codes)) {
      expect(documented.get(code), code).toBe(spec.status)
    }
  })

  it('documents no code that no longer exists', () => {
    expect([...documented.keys()].filter((c) => c === undefined || !(c in codes))).toEqual([])
  })

  it('keeps variables out of messages', () => {
    for (const [code, spec] of Object.entries(codes))
      expect(spec.message, code).not.toMatch(/%s|\$\{|\{\w+\}/)
  })
})
