import { describe, expect, it } from 'vitest'
import { loadKb } from '../kb/loader.ts'
import { readCorpus } from './evaluate.ts'
import { AhoCorasick } from './aho-corasick.ts'
import { requiredLiterals } from './anchors.ts'
import { existsSync } from 'node:fs'
import path from 'node:path'

describe('requiredLiterals', () => {
  it.each([
    ['The gateway is offline', ['the gateway is offline']],
    ['foo bar|baz qux', ['foo bar', 'baz qux']],
    ['abc(def)?ghij', ['ghij']],
    ['colou?r name', ['r name']],
    ['Web\\.Contents failed', ['web.contents failed']],
    ['\\d{3} errors', [' errors']],
    ['\\x41BCD', ['bcd']],
    ['timed? out.{0,40}refresh', ['refresh']],
    ['x+yzw', ['yzw']],
  ])('%s → %j', (source, expected) => {
    expect(requiredLiterals(source)).toEqual(expected)
  })

  it('with a cost, anchors on the cheapest required choice, groups included', () => {
    const common = new Set(['refresh'])
    const cost = (words: readonly string[]) =>
      words.reduce((sum, w) => sum + (common.has(w) ? 100 : 1), 0)
    expect(requiredLiterals('refresh.{0,60}(exceeded|exceeds).{0,9}ti', cost)).toEqual([
      'exceeded',
      'exceeds',
    ])
    expect(requiredLiterals('refresh (timed out)?', cost)).toEqual(['refresh '])
    expect(requiredLiterals('refresh(?=abc)', cost)).toEqual(['refresh'])
  })

  it.each(['ab|cd', '(?:foo|bar)', '.*', '[a-z]+', 'a?b?c?'])(
    'gives up on %s (too short or no literal)',
    (source) => {
      expect(requiredLiterals(source)).toBeNull()
    },
  )

  // The property the matcher relies on: whenever a pattern matches a real text, one of its
  // anchors occurs in that text. Checked over every pattern of the reference and every real
  // error text we have (entry examples, the labelled corpora).
  it('never drops a pattern that matches a real error text', async () => {
    const { entries } = await loadKb()
    const texts = entries.map((e) => e.example)
    for (const file of [
      path.resolve(import.meta.dirname, '../../eval/corpus.jsonl'),
      path.resolve(import.meta.dirname, '../../../shared/eval/dev.jsonl'),
    ]) {
      if (existsSync(file)) texts.push(...(await readCorpus(file)).map((c) => c.input))
    }
    let checked = 0
    // Every choice must be required, whichever the matcher prefers: check the default (longest)
    // and choices made by arbitrary costs.
    const costs = [
      undefined,
      ...[1, 2, 3].map(
        (seed) => (words: readonly string[]) =>
          words.reduce((h, w) => (h * 31 + w.length * seed + (w.charCodeAt(0) || 0)) % 97, seed),
      ),
    ]
    for (const e of entries) {
      for (const source of e.match.patterns) {
        const re = new RegExp(source, 'i')
        const matching = texts.filter((t) => re.test(t))
        for (const cost of costs) {
          const anchors = requiredLiterals(source, cost)
          if (anchors === null) continue
          for (const t of matching) {
            checked++
            const lower = t.toLowerCase()
            expect(
              anchors.some((a) => lower.includes(a)),
              `${e.slug}: /${source}/ ${JSON.stringify(anchors)} on ${t.slice(0, 60)}`,
            ).toBe(true)
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50)
  })
})

describe('AhoCorasick', () => {
  it('finds every word, overlapping ones included', () => {
    const ac = new AhoCorasick(['he', 'she', 'his', 'hers', 'gateway'])
    expect([...ac.search('ushers')].sort()).toEqual([0, 1, 3])
    expect([...ac.search('the gateway is down')].sort()).toEqual([0, 4])
    expect(ac.search('nothing here').size).toBe(1)
  })

  it('agrees with String.includes on long words that share prefixes', () => {
    const alphabet = 'abcAB'
    const rand = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join(
        '',
      )
    for (let round = 0; round < 300; round++) {
      const stem = rand(3)
      const words = Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0
          ? stem + rand(1 + Math.floor(Math.random() * 6))
          : rand(2 + Math.floor(Math.random() * 7)),
      )
      const text = stem + rand(30) + stem + rand(30) + (words[round % 12] ?? '')
      const lower = text.toLowerCase()
      const found = new AhoCorasick(words).search(text)
      words.forEach((w, i) => {
        expect(found.has(i), `${w} in ${text}`).toBe(lower.includes(w.toLowerCase()))
      })
    }
  })

  it('ignores case beyond ASCII, for localized messages', () => {
    const ac = new AhoCorasick(['échec de la connexion', 'подключение'])
    expect([...ac.search('ÉCHEC DE LA CONNEXION au serveur')]).toEqual([0])
    expect([...ac.search('Подключение не установлено')]).toEqual([1])
  })

  it('agrees with String.includes on random words and texts', () => {
    const alphabet = 'abc'
    const rand = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * 3)]).join('')
    for (let round = 0; round < 200; round++) {
      const words = Array.from({ length: 8 }, () => rand(1 + Math.floor(Math.random() * 4)))
      const text = rand(40)
      const expected = words.map((w, i) => (text.includes(w) ? i : -1)).filter((i) => i >= 0)
      const found = new AhoCorasick(words).search(text)
      expect(
        expected.every((i) => found.has(i)),
        `${words.join(',')} in ${text}`,
      ).toBe(true)
      expect(
        [...found].every((i) => text.includes(words[i] ?? '')),
        `${words.join(',')} in ${text}`,
      ).toBe(true)
    }
  })

  it('reports every occurrence with its start, in text order, past its buffer and after it', () => {
    const ac = new AhoCorasick(['ab', 'b', 'abc'])
    // 36,000 occurrences (72,000 slots) outgrow the reused buffer and the size it keeps.
    const text = 'xabc'.repeat(12_000)
    const seen: [number, number][] = []
    ac.scan(text, (w, start) => seen.push([w, start]))
    expect(seen).toHaveLength(36_000)
    expect(seen.slice(0, 3)).toEqual([
      [0, 1],
      [1, 2],
      [2, 1],
    ])
    expect(seen.at(-1)).toEqual([2, 47_997])
    // The next, small text is scanned with a fresh buffer and nothing of the old one.
    const after: [number, number][] = []
    ac.scan('abc', (w, start) => after.push([w, start]))
    expect(after).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
    ])
  })

  it('stays exact past 32,768 states, where the table widens to 32 bits', () => {
    // 2,500 words of 16 random letters give ~40,000 trie states.
    const letters = 'abcdefghijklmnopqrstuvwxyz'
    let seed = 7
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed
    }
    const word = () => Array.from({ length: 16 }, () => letters[next() % 26]).join('')
    const words = Array.from({ length: 2500 }, word)
    const ac = new AhoCorasick(words)
    const picked = [3, 777, 2499]
    const text = `${word()} ${picked.map((i) => (words[i] ?? '').toUpperCase()).join(' x ')} ${word()}`
    const lower = text.toLowerCase()
    const expected = words.flatMap((w, i) => (lower.includes(w) ? [i] : []))
    expect(expected).toEqual(expect.arrayContaining(picked))
    expect([...ac.search(text)].sort((a, b) => a - b)).toEqual(expected)
  })
})
