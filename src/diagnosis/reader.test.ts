import { describe, expect, it } from 'vitest'
import { UserError } from '../shared/errors.ts'
import type { EvalCase } from './evaluate.ts'
import { blindCases, unblindLabels } from './reader.ts'

const kase = (id: string, input: string): EvalCase => ({
  id,
  source: 'https://example.org',
  input,
  expected_code: 'X',
  expected_category: 'gateway',
})
const corpora = [
  { corpus: 'eval/a.jsonl', cases: [kase('a1', 'first'), kase('a2', 'second')] },
  { corpus: 'eval/b.jsonl', cases: [kase('b1', 'third'), kase('b2', 'x'.repeat(5000))] },
]

describe('blindCases', () => {
  it('hides corpus and id, keeps every text once, and maps each neutral id back', () => {
    const { cases, map } = blindCases(corpora, 7)
    expect(cases.map((c) => c.id)).toEqual(['r001', 'r002', 'r003', 'r004'])
    expect(Object.keys(cases[0] ?? {})).toEqual(['id', 'input'])
    const back = cases.map((c) => `${map[c.id]?.corpus}|${map[c.id]?.id}`).sort()
    expect(back).toEqual([
      'eval/a.jsonl|a1',
      'eval/a.jsonl|a2',
      'eval/b.jsonl|b1',
      'eval/b.jsonl|b2',
    ])
    const long = cases.find((c) => map[c.id]?.id === 'b2')
    expect(long?.input.length).toBeLessThan(4100)
    expect(long?.input.endsWith('…[truncated]')).toBe(true)
  })

  it('gives the same order for the same seed and another order for another seed', () => {
    const order = (seed: number) => blindCases(corpora, seed).cases.map((c) => c.input.slice(0, 6))
    expect(order(7)).toEqual(order(7))
    const seeds = [1, 2, 3, 4, 5, 6, 8, 9].map(order).map((o) => o.join())
    expect(new Set(seeds).size).toBeGreaterThan(1)
  })
})

describe('unblindLabels', () => {
  const { map } = blindCases(corpora, 7)
  const answer = (id: string) => ({
    id,
    category: 'gateway' as const,
    second: null,
    sure: 'high' as const,
  })

  it('turns neutral ids back into corpus labels of the given reading', () => {
    const labels = unblindLabels(Object.keys(map).map(answer), map, 3)
    expect(labels).toHaveLength(4)
    expect(labels.every((l) => l.reading === 3)).toBe(true)
    expect(labels.map((l) => l.id).sort()).toEqual(['a1', 'a2', 'b1', 'b2'])
  })

  it('rejects a missing, doubled or unknown id rather than merging a partial reading', () => {
    const ids = Object.keys(map)
    expect(() => unblindLabels(ids.slice(1).map(answer), map, 1)).toThrow(UserError)
    expect(() => unblindLabels([...ids, ids[0] ?? ''].map(answer), map, 1)).toThrow(UserError)
    expect(() => unblindLabels([...ids, 'r999'].map(answer), map, 1)).toThrow(UserError)
  })
})
