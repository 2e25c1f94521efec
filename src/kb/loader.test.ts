import { describe, expect, it } from 'vitest'
import { validEntry, writeKb } from '../../test/helpers/kb-fixture.ts'
import { formatProblems, loadKb } from './loader.ts'

describe('loadKb', () => {
  it('loads valid entries with their body and file', async () => {
    const dir = await writeKb({
      'power-bi/alpha.md': validEntry('alpha'),
      'power-bi/beta.md': validEntry('beta'),
    })
    const { entries, problems } = await loadKb(dir)
    expect(problems).toEqual([])
    expect(entries.map((e) => e.slug)).toEqual(['alpha', 'beta'])
    expect(entries[0]?.body).toBe('Body of power-bi/alpha.md.')
    expect(entries[0]?.file).toBe('kb/entries/power-bi/alpha.md')
    expect(entries[0]?.match).toEqual({ codes: [], httpStatus: [], patterns: [], wrapper: false })
  })

  it('lists every problem of a broken reference at once, with file and field', async () => {
    const dir = await writeKb({
      'power-bi/alpha.md': validEntry('alpha', {
        category: 'network',
        severity: 'urgent',
        causes: ['only one cause here'],
        faq: [{ q: 'A question with enough words?', a: 'too short' }],
        references: ['http://insecure.example.com/'],
        unknownField: true,
      }),
      'power-bi/beta.md': validEntry('beta', {
        codes: ['Code_gamma'],
        match: { patterns: ['(a+)+$', 'unclosed ('] },
        related: ['does-not-exist'],
        diagnosis: [
          {
            id: 'start',
            question: 'Is the gateway online right now?',
            yes: 'fix:9',
            no: 'node:missing',
          },
        ],
      }),
      'gateway/gamma.md': validEntry('gamma', {
        causes: ['first cause of beta', 'x second cause here', 'x third cause here'],
      }),
      'power-bi/wrong-name.md': validEntry('delta'),
      'power-bi/broken.md': 'no frontmatter at all',
      'power-bi/bad-yaml.md': '---\nslug: [unclosed\n---\n',
    })
    const { problems } = await loadKb(dir)
    expect(formatProblems(problems)).toMatchInlineSnapshot(`
      "The error reference has 18 problems:
        kb/entries/power-bi/alpha.md
          - category: Invalid enum value. Expected 'authentication' | 'credentials' | 'permissions' | 'gateway' | 'connectivity' | 'timeout' | 'capacity' | 'throttling' | 'query' | 'data_format' | 'schema' | 'configuration' | 'licensing' | 'service', received 'network'
          - severity: Invalid enum value. Expected 'critical' | 'high' | 'medium' | 'low', received 'urgent'
          - causes: Array must contain at least 3 element(s)
          - faq: Array must contain at least 2 element(s)
          - faq.0.a: String must contain at least 20 character(s)
          - references.0: must be an https URL
          - (frontmatter): Unrecognized key(s) in object: 'unknownField'
        kb/entries/power-bi/bad-yaml.md
          - (frontmatter): is not valid YAML: unexpected end of the stream within a flow collection (2:1)
        kb/entries/power-bi/broken.md
          - (file): must start with YAML frontmatter between --- lines
        kb/entries/gateway/gamma.md
          - platform: is "power-bi" but the file is in folder "gateway"
        kb/entries/power-bi/beta.md
          - codes: code "code_gamma" is also claimed by kb/entries/gateway/gamma.md
          - match.patterns.0: is not linear-time (nested or overlapping quantifiers)
          - match.patterns.1: does not compile: Invalid regular expression: /unclosed (/i: Unterminated group
          - causes.0: repeats causes.0 of kb/entries/gateway/gamma.md word for word; write it for this error
          - related.0: no entry has slug "does-not-exist"
          - diagnosis.0.yes: fix 9 does not exist (3 fixes)
          - diagnosis.0.no: no question has id "missing"
        kb/entries/power-bi/wrong-name.md
          - slug: file must be named delta.md"
    `)
  })

  it('reports a valid reference in one line', () => {
    expect(formatProblems([])).toBe('The error reference is valid.')
  })
})
