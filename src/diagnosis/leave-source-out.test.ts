import { beforeAll, describe, expect, it } from 'vitest'
import { type KnowledgeBase, openKb } from '../kb/kb.ts'
import { entriesCiting, leaveSourceOut, normaliseSource } from './leave-source-out.ts'

let kb: KnowledgeBase
beforeAll(async () => {
  kb = await openKb()
})

const SLUG = 'fabric-lakehouse-datamart-feature-switch-disabled'
const SOURCE = 'https://github.com/microsoft/fabric-cicd/issues/253'

describe('leave-source-out', () => {
  it('compares sources without scheme, locale, query, fragment or trailing slash', () => {
    expect(normaliseSource('https://learn.microsoft.com/en-us/power-bi/x/?view=y#z')).toBe(
      'learn.microsoft.com/power-bi/x',
    )
    expect(normaliseSource('HTTP://www.Example.com/a/')).toBe('example.com/a')
  })

  it('finds the entries citing a source, and not those citing a longer issue number', () => {
    expect(entriesCiting(kb.entries, `${SOURCE}/`).map((e) => e.slug)).toContain(SLUG)
    const entry = kb.get(SLUG)
    if (!entry) throw new Error(`missing ${SLUG}`)
    const other = { ...entry, seenIn: [`${SOURCE}0 — another thread`], references: [] }
    expect(entriesCiting([other], SOURCE)).toEqual([])
    expect(entriesCiting(kb.entries, 'https://x.io')).toEqual([])
  })

  it('diagnoses a case without the entries written from its source', () => {
    const entry = kb.get(SLUG)
    if (!entry?.example) throw new Error(`missing ${SLUG}`)
    const base = {
      id: 't1',
      input: entry.example,
      expected_code: 'X',
      expected_category: entry.category,
    }
    const [cited, uncited] = leaveSourceOut(kb, [
      { ...base, source: SOURCE },
      { ...base, id: 't2', source: 'https://example.org/nothing-cites-this-page' },
    ])
    expect(cited?.left).toBeGreaterThan(0)
    expect(cited?.result.slug).not.toBe(SLUG)
    expect(uncited?.left).toBe(0)
    expect(uncited?.result.slug).toBe(SLUG)
  })
})
