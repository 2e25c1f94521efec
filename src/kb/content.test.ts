import { describe, expect, it } from 'vitest'
import { EntrySchema } from './entry.schema.ts'
import { formatProblems, loadKb } from './loader.ts'
import { CATEGORIES } from './taxonomy.ts'
import { validEntry } from '../../test/helpers/kb-fixture.ts'

// These tests read the real content in kb/entries: the reference itself must stay valid and broad.
describe('the error reference content', async () => {
  const { entries, problems } = await loadKb()

  it('has no problems', () => {
    expect(formatProblems(problems)).toBe('The error reference is valid.')
  })

  it('has at least 150 entries and at least 5 in each of the 14 categories', () => {
    expect(entries.length).toBeGreaterThanOrEqual(150)
    const counts = Object.fromEntries(
      CATEGORIES.map((c) => [c, entries.filter((e) => e.category === c).length]),
    )
    for (const c of CATEGORIES) expect(counts[c], `category ${c}`).toBeGreaterThanOrEqual(5)
  })

  it('keeps every fact of the seed entry PowerBINotAuthorizedException', () => {
    const seed = entries.find((e) => e.codes.includes('PowerBINotAuthorizedException'))
    expect(seed?.category).toBe('authentication')
    const text = JSON.stringify(seed).toLowerCase()
    for (const fact of [
      '401',
      'workspace id',
      'viewer',
      'embed token',
      'deleted',
      'admin consent',
      '/reports',
      'tokenexpired',
      '403',
      'back end',
    ]) {
      expect(text, fact).toContain(fact)
    }
  })

  it('cites official documentation over https for every entry', () => {
    for (const e of entries) {
      expect(
        e.references.some(
          (u) =>
            /^https:\/\/learn\.microsoft\.com\//.test(u) ||
            /^https:\/\/[a-z.]*microsoft\.com\//.test(u),
        ),
        e.slug,
      ).toBe(true)
    }
  })
})

describe('taxonomy', () => {
  it.each([
    ['category', 'network'],
    ['category', 'Authentication'],
    ['category', 'data quality'],
    ['severity', 'urgent'],
    ['platform', 'powerbi'],
  ])('rejects %s "%s"', (field, value) => {
    expect(EntrySchema.safeParse(validEntry('x', { [field]: value })).success).toBe(false)
  })

  it('accepts every allowed category', () => {
    for (const c of CATEGORIES)
      expect(EntrySchema.safeParse(validEntry('x', { category: c })).success).toBe(true)
  })
})
