import { describe, expect, it } from 'vitest'
import { validEntry } from '../../test/helpers/kb-fixture.ts'
import type { Entry } from './entry.schema.ts'
import { EntrySchema } from './entry.schema.ts'
import { SearchIndex, tokenize } from './search.ts'

const entry = (slug: string, over: Record<string, unknown>): Entry => ({
  ...EntrySchema.parse(validEntry(slug, over)),
  body: '',
  file: `kb/entries/power-bi/${slug}.md`,
})

/** The definition tokenize follows, as a regular expression: the oracle for its hand-written loop. */
function tokenizeByRegex(text: string): string[] {
  const out: string[] = []
  for (const raw of text.toLowerCase().match(/[a-z0-9_.]+/g) ?? []) {
    const word = raw.replace(/^[._]+|[._]+$/g, '')
    if (word.length < 2) continue
    out.push(word)
    if (/[_.]/.test(word))
      for (const part of word.split(/[_.]+/)) if (part.length >= 2) out.push(part)
  }
  return out
}

describe('tokenize', () => {
  it('agrees with its regular-expression definition on random texts', () => {
    const alphabet = 'aZ9_. -:İé\n'
    for (let round = 0; round < 2000; round++) {
      const text = Array.from(
        { length: Math.floor(Math.random() * 40) },
        () => alphabet[Math.floor(Math.random() * alphabet.length)],
      ).join('')
      expect(tokenize(text), JSON.stringify(text)).toEqual(tokenizeByRegex(text))
    }
  })

  it('splits codes into their parts and keeps the whole code', () => {
    expect(tokenize('DM_GWPipeline_Gateway_X failed.')).toEqual([
      'dm_gwpipeline_gateway_x',
      'dm',
      'gwpipeline',
      'gateway',
      'failed',
    ])
  })
})

describe('SearchIndex', () => {
  const index = new SearchIndex([
    entry('gateway-offline', {
      title: 'The gateway is offline',
      summary: 'The on-premises data gateway cannot be reached by the service at all.',
    }),
    entry('sql-login', {
      title: 'Login failed for user',
      summary: 'SQL Server refused the credentials stored for the data source of this model.',
    }),
    entry('memory', {
      title: 'Not enough memory',
      summary: 'The capacity ran out of memory while the gateway-free cloud refresh was running.',
    }),
  ])

  it('ranks a title match above a summary mention', () => {
    expect(index.search('gateway').map((h) => h.entry.slug)).toEqual(['gateway-offline', 'memory'])
  })

  it('finds entries by code', () => {
    expect(index.search('Code_sql_login')[0]?.entry.slug).toBe('sql-login')
  })

  it('returns nothing for stop words or unknown words', () => {
    expect(index.search('the and of')).toEqual([])
    expect(index.search('zzzz')).toEqual([])
  })
})
