import { readFile } from 'node:fs/promises'
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

export async function readCorpus(file: string): Promise<EvalCase[]> {
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
      const parsed = EvalCaseSchema.safeParse(value)
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
