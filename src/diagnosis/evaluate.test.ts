import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openKb } from '../kb/kb.ts'
import { diagnoserFor } from './diagnosis.service.ts'
import { evaluate, readCorpus } from './evaluate.ts'

const root = path.resolve(import.meta.dirname, '../..')
const floors = JSON.parse(readFileSync(path.join(root, 'eval/floors.json'), 'utf8')) as Record<
  string,
  { categoryAccuracy: number; codeTop1: number }
>

// Accuracy may only go up: a change to the engine or the reference that loses cases fails here.
// `npm run eval -- --write-floors` records new floors after an improvement.
describe('accuracy floors', async () => {
  const kb = await openKb()
  const diagnoser = diagnoserFor(kb)
  for (const [name, floor] of Object.entries(floors)) {
    const file = path.resolve(root, name)
    it.runIf(existsSync(file))(`${name} stays at or above its recorded floor`, async () => {
      const s = evaluate(kb, diagnoser, await readCorpus(file))
      expect(s.categoryAccuracy).toBeGreaterThanOrEqual(floor.categoryAccuracy)
      expect(s.codeTop1).toBeGreaterThanOrEqual(floor.codeTop1)
    })
  }

  it('covers every corpus in eval/', () => {
    expect(Object.keys(floors)).toEqual(expect.arrayContaining(['eval/corpus.jsonl']))
  })
})

describe('evaluate', () => {
  it('counts code accuracy only where the code is in the text, and accepts alternative categories', async () => {
    const kb = await openKb()
    const s = evaluate(kb, diagnoserFor(kb), [
      {
        id: '1',
        source: 's',
        input: '{"error":{"code":"TokenExpired"}}',
        expected_code: 'TokenExpired',
        expected_category: 'authentication',
      },
      {
        id: '2',
        source: 's',
        input: 'my cat',
        expected_code: 'UNKNOWN_PET',
        expected_category: 'service',
        alt_categories: ['query'],
      },
    ])
    expect(s.codeCases).toBe(1)
    expect(s.codeTop1).toBe(1)
    expect(s.results[1]?.codeTop1).toBeNull()
    expect(s.unknownRate).toBe(0.5)
    expect(s.confusion.authentication).toEqual({ authentication: 1 })
  })
})
