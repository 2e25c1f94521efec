import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openKb } from '../kb/kb.ts'
import { diagnoserFor } from './diagnosis.service.ts'
import type { Category } from '../kb/taxonomy.ts'
import { UserError } from '../shared/errors.ts'
import {
  evaluate,
  type ReaderLabel,
  readCorpus,
  readerAgreement,
  readReaderLabels,
} from './evaluate.ts'

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

describe('readerAgreement', () => {
  const cases = [
    { id: 'a', source: 's', input: 'x', expected_code: 'X', expected_category: 'gateway' as const },
    {
      id: 'b',
      source: 's',
      input: 'y',
      expected_code: 'Y',
      expected_category: 'service' as const,
      alt_categories: ['query' as const],
    },
  ]
  const label = (
    id: string,
    reading: number,
    category: Category,
    second: Category | null,
    corpus = 'c.jsonl',
  ): ReaderLabel => ({ corpus, id, reading, category, second, sure: 'medium' })

  it('scores each reading against the labels and their alternatives, second choices apart', () => {
    const r = readerAgreement('c.jsonl', cases, [
      label('a', 1, 'gateway', null),
      label('b', 1, 'connectivity', 'query'),
      label('a', 2, 'connectivity', null),
      label('b', 2, 'query', null),
      // Another corpus with the same ids must not count.
      label('a', 1, 'schema', null, 'other.jsonl'),
    ])
    expect(r).toEqual([
      { reading: 1, cases: 2, top1: 0.5, top2: 1 },
      { reading: 2, cases: 2, top1: 0.5, top2: 0.5 },
    ])
  })

  it('rejects a label with a category outside the taxonomy, naming the line', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'reader-')), 'labels.jsonl')
    await writeFile(
      file,
      '{"corpus":"c","id":"a","reading":1,"category":"gateway","second":null,"sure":"high"}\n' +
        '{"corpus":"c","id":"b","reading":1,"category":"network","second":null,"sure":"high"}\n',
    )
    const error = await readReaderLabels(file).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).details).toMatchObject({ line: 2, field: 'category' })
  })

  const labelsFile = path.join(root, 'eval/reader/labels.jsonl')
  it.runIf(existsSync(labelsFile))(
    'eval/reader/labels.jsonl names only existing cases',
    async () => {
      const labels = await readReaderLabels(labelsFile)
      const ids = new Map<string, Set<string>>()
      for (const corpus of new Set(labels.map((l) => l.corpus))) {
        ids.set(corpus, new Set((await readCorpus(path.join(root, corpus))).map((c) => c.id)))
      }
      const dangling = labels.filter((l) => !ids.get(l.corpus)?.has(l.id))
      expect(dangling).toEqual([])
      expect(labels.length).toBeGreaterThan(0)
    },
  )
})
