import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import type { KnowledgeBase } from '../kb/kb.ts'
import { CATEGORIES } from '../kb/taxonomy.ts'
import { UserError } from '../shared/errors.ts'
import type { Diagnoser } from './diagnose.ts'

/** One labelled case (../shared/eval/README.md). */
export const EvalCaseSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  kind: z.string().optional(),
  input: z.string(),
  expected_code: z.string().min(1),
  expected_category: z.enum(CATEGORIES),
  alt_categories: z.array(z.enum(CATEGORIES)).optional(),
  notes: z.string().optional(),
})
export type EvalCase = z.infer<typeof EvalCaseSchema>

/** Reads a JSON Lines file whose every line must satisfy `schema`; errors name the line and field. */
export async function readJsonl<T>(
  file: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
): Promise<T[]> {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n')
    .map((line, i) => [line, i + 1] as const)
    .filter(([line]) => line.trim() !== '')
    .map(([line, n]) => {
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        throw new UserError('ERR_INPUT_INVALID', { file, line: n, reason: 'not valid JSON' })
      }
      const parsed = schema.safeParse(value)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        throw new UserError('ERR_INPUT_INVALID', {
          file,
          line: n,
          field: issue?.path.join('.') ?? '',
          reason: issue?.message ?? '',
        })
      }
      return parsed.data
    })
}

export function readCorpus(file: string): Promise<EvalCase[]> {
  return readJsonl(file, EvalCaseSchema)
}

/** A labelled corpus: its name as the scripts print it (`eval/corpus.jsonl`) and its path. */
export interface CorpusFile {
  readonly name: string
  readonly file: string
  /** A held-out set (`eval/holdout*.jsonl`): nobody tunes on it. */
  readonly heldOut: boolean
}

/** Every labelled corpus of the repository at `root`, sorted, then ../shared/eval/dev.jsonl if present. */
export async function listCorpora(root: string): Promise<CorpusFile[]> {
  const out: CorpusFile[] = (await readdir(path.join(root, 'eval')))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => ({
      name: `eval/${f}`,
      file: path.join(root, 'eval', f),
      heldOut: f.startsWith('holdout'),
    }))
  const shared = path.resolve(root, '../shared/eval/dev.jsonl')
  if (existsSync(shared))
    out.push({ name: '../shared/eval/dev.jsonl', file: shared, heldOut: false })
  return out
}

/**
 * A category given to a case by a person (or a separate model session) who read only its text and
 * the taxonomy, never its source: what the text alone tells (eval/reader/README.md).
 */
export const ReaderLabelSchema = z
  .object({
    corpus: z.string().min(1),
    id: z.string().min(1),
    /** Which independent reading: cases read twice have two labels. */
    reading: z.number().int().min(1),
    category: z.enum(CATEGORIES),
    /** The reader's second choice when the text seemed ambiguous between two. */
    second: z.enum(CATEGORIES).nullable(),
    sure: z.enum(['high', 'medium', 'low']),
  })
  .strict()
export type ReaderLabel = z.infer<typeof ReaderLabelSchema>

export function readReaderLabels(file: string): Promise<ReaderLabel[]> {
  return readJsonl(file, ReaderLabelSchema)
}

export interface ReaderAgreement {
  readonly reading: number
  /** Cases of the corpus this reading labelled. */
  readonly cases: number
  /** Share whose reader category is accepted by the case's labels (as for the engine). */
  readonly top1: number
  /** Share accepted by the reader's first or second choice. */
  readonly top2: number
}

/**
 * How often text-only readers agree with the labels, which were set with the source's answer at
 * hand: the share of a corpus that its text alone decides, against which the engine's category
 * accuracy can be read.
 */
export function readerAgreement(
  corpus: string,
  cases: readonly EvalCase[],
  labels: readonly ReaderLabel[],
): ReaderAgreement[] {
  const byId = new Map(cases.map((c) => [c.id, c]))
  const readings = new Map<number, { cases: number; top1: number; top2: number }>()
  for (const l of labels) {
    const c = l.corpus === corpus ? byId.get(l.id) : undefined
    if (c === undefined) continue
    const accepted = new Set<string>([c.expected_category, ...(c.alt_categories ?? [])])
    const r = readings.get(l.reading) ?? { cases: 0, top1: 0, top2: 0 }
    readings.set(l.reading, r)
    r.cases++
    if (accepted.has(l.category)) r.top1++
    if (accepted.has(l.category) || (l.second !== null && accepted.has(l.second))) r.top2++
  }
  return [...readings]
    .sort(([a], [b]) => a - b)
    .map(([reading, r]) => ({
      reading,
      cases: r.cases,
      top1: r.top1 / r.cases,
      top2: r.top2 / r.cases,
    }))
}

export interface CaseResult {
  readonly case: EvalCase
  readonly slug: string | null
  readonly code: string | null
  readonly category: string
  readonly categoryOk: boolean
  /** null when the expected code does not occur in the input (code accuracy does not count it). */
  readonly codeTop1: boolean | null
  readonly codeTop3: boolean | null
}

export interface Scores {
  readonly cases: number
  readonly categoryAccuracy: number
  readonly codeCases: number
  readonly codeTop1: number
  readonly codeTop3: number
  readonly unknownRate: number
  /** expected category → predicted category → count */
  readonly confusion: Record<string, Record<string, number>>
  readonly results: readonly CaseResult[]
}

export function evaluate(
  kb: KnowledgeBase,
  diagnoser: Diagnoser,
  cases: readonly EvalCase[],
): Scores {
  const results: CaseResult[] = cases.map((c) => {
    const d = diagnoser.diagnose(c.input)
    const accepted = new Set([c.expected_category, ...(c.alt_categories ?? [])])
    const expected = c.expected_code.toLowerCase()
    const claims = (slug: string | null) => {
      const e = slug === null ? undefined : kb.get(slug)
      return (
        e !== undefined && [...e.codes, ...e.match.codes].some((x) => x.toLowerCase() === expected)
      )
    }
    const inInput = c.input.toLowerCase().includes(expected)
    const top1 = d.code?.toLowerCase() === expected || claims(d.slug)
    const top3 = top1 || d.alternatives.slice(0, 2).some((a) => claims(a.slug))
    return {
      case: c,
      slug: d.slug,
      code: d.code,
      category: d.category,
      categoryOk: accepted.has(d.category as never),
      codeTop1: inInput ? top1 : null,
      codeTop3: inInput ? top3 : null,
    }
  })
  const codeResults = results.filter((r) => r.codeTop1 !== null)
  const confusion: Record<string, Record<string, number>> = {}
  for (const r of results) {
    const row = (confusion[r.case.expected_category] ??= {})
    row[r.category] = (row[r.category] ?? 0) + 1
  }
  const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d)
  return {
    cases: results.length,
    categoryAccuracy: ratio(results.filter((r) => r.categoryOk).length, results.length),
    codeCases: codeResults.length,
    codeTop1: ratio(codeResults.filter((r) => r.codeTop1).length, codeResults.length),
    codeTop3: ratio(codeResults.filter((r) => r.codeTop3).length, codeResults.length),
    unknownRate: ratio(results.filter((r) => r.slug === null).length, results.length),
    confusion,
    results,
  }
}
