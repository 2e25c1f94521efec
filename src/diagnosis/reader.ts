import { z } from 'zod'
import { CATEGORIES } from '../kb/taxonomy.ts'
import { UserError } from '../shared/errors.ts'
import { type EvalCase, type ReaderLabel, ReaderLabelSchema } from './evaluate.ts'

/** A case as a text-only reader sees it: a neutral id and the text, nothing else. */
export interface BlindCase {
  readonly id: string
  readonly input: string
}

/** Where each neutral id came from, kept away from the readers. */
export type BlindMap = Record<string, { readonly corpus: string; readonly id: string }>

/** Readers get at most this much of a text: enough for any error message, not a whole log. */
const MAX_READ = 4000

/**
 * Shuffles the cases of several corpora together (a seeded LCG, so a run can be repeated) and
 * renames them r001, r002, …: a reader cannot tell which corpus, held out or not, a case is from.
 */
export function blindCases(
  corpora: readonly { readonly corpus: string; readonly cases: readonly EvalCase[] }[],
  seed: number,
): { cases: BlindCase[]; map: BlindMap } {
  const all = corpora.flatMap(({ corpus, cases }) => cases.map((c) => ({ corpus, c })))
  let s = seed >>> 0
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s / 2 ** 32
  }
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    const a = all[i]
    const b = all[j]
    if (a === undefined || b === undefined) continue
    all[i] = b
    all[j] = a
  }
  const width = Math.max(3, String(all.length).length)
  const map: BlindMap = {}
  const cases = all.map(({ corpus, c }, i) => {
    const id = `r${String(i + 1).padStart(width, '0')}`
    map[id] = { corpus, id: c.id }
    const input = c.input.length > MAX_READ ? `${c.input.slice(0, MAX_READ)} …[truncated]` : c.input
    return { id, input }
  })
  return { cases, map }
}

/** A reader's answer for one neutral id (the format eval/reader/BRIEF.md asks for). */
export const BlindLabelSchema = ReaderLabelSchema.pick({ category: true, sure: true })
  .extend({
    id: z.string().min(1),
    second: z.enum(CATEGORIES).nullable().default(null),
  })
  .strip()
export type BlindLabel = z.infer<typeof BlindLabelSchema>

/**
 * Turns a reader's answers back into labels of the corpora. Every neutral id must be answered
 * exactly once, and only those: a reader who skipped or invented cases is reported, not merged.
 */
export function unblindLabels(
  labels: readonly BlindLabel[],
  map: BlindMap,
  reading: number,
): ReaderLabel[] {
  const seen = new Set<string>()
  const out: ReaderLabel[] = []
  for (const l of labels) {
    const from = map[l.id]
    if (from === undefined)
      throw new UserError('ERR_INPUT_INVALID', {
        field: 'id',
        reason: `no case has the id ${l.id}`,
      })
    if (seen.has(l.id))
      throw new UserError('ERR_INPUT_INVALID', { field: 'id', reason: `two labels for ${l.id}` })
    seen.add(l.id)
    out.push({
      corpus: from.corpus,
      id: from.id,
      reading,
      category: l.category,
      second: l.second,
      sure: l.sure,
    })
  }
  const missing = Object.keys(map).filter((id) => !seen.has(id))
  if (missing.length > 0)
    throw new UserError('ERR_INPUT_INVALID', {
      field: 'id',
      reason: `no label for ${String(missing.length)} case(s), e.g. ${missing[0] ?? ''}`,
    })
  return out
}
