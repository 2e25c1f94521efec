import type { Entry } from '../kb/entry.schema.ts'
import { KnowledgeBase } from '../kb/kb.ts'
import { Diagnoser } from './diagnose.ts'
import { type CaseResult, type EvalCase, evaluate } from './evaluate.ts'

/**
 * A source URL in a comparable form: no scheme, `www.`, locale segment, fragment, trailing slash or
 * query string (Learn adds `?view=` and tracking parameters), lower case.
 */
export function normaliseSource(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[?#].*$/, '')
    .replace(/\/[a-z]{2}-[a-z]{2}\//, '/')
    .replace(/\/+$/, '')
}

/** Shorter than this, a normalised source (a bare host) would match far too many citations. */
const MIN_SOURCE_LENGTH = 12

/** The entries whose `seenIn` or `references` cite `source`: the ones written from it. */
export function entriesCiting(entries: readonly Entry[], source: string): Entry[] {
  const wanted = normaliseSource(source)
  if (wanted.length < MIN_SOURCE_LENGTH) return []
  return entries.filter((e) =>
    [...e.seenIn, ...e.references].some((cite) =>
      // A seenIn line is "<URL> — <note>": compare each URL it holds.
      (cite.match(/https?:\/\/[^\s"'<>)\]]+/g) ?? []).some((u) => {
        const have = normaliseSource(u.replace(/[.,;]+$/, ''))
        return have === wanted || have.startsWith(`${wanted}/`)
      }),
    ),
  )
}

export interface LeaveSourceOutResult {
  readonly result: CaseResult
  /** How many entries cite the case's source and were left out for it (0: diagnosed as usual). */
  readonly left: number
}

/**
 * Diagnoses every case with the entries that cite its source left out, so a tuning case behaves
 * like an error whose family the reference has never seen. Cases whose source no entry cites are
 * diagnosed with the whole reference. One diagnoser per distinct set of left-out entries (building
 * one compiles every pattern, so cases sharing a source share it).
 */
export function leaveSourceOut(
  kb: KnowledgeBase,
  cases: readonly EvalCase[],
): LeaveSourceOutResult[] {
  // Cases grouped by the set of entries they leave out; "" is the whole reference.
  const groups = new Map<string, { left: Entry[]; indexes: number[] }>()
  cases.forEach((c, i) => {
    const left = entriesCiting(kb.entries, c.source)
    const key = left
      .map((e) => e.slug)
      .sort()
      .join(',')
    const group = groups.get(key) ?? { left, indexes: [] }
    group.indexes.push(i)
    groups.set(key, group)
  })
  const out: LeaveSourceOutResult[] = []
  for (const { left, indexes } of groups.values()) {
    const reference =
      left.length === 0 ? kb : new KnowledgeBase(kb.entries.filter((e) => !left.includes(e)))
    const scores = evaluate(
      reference,
      new Diagnoser(reference),
      indexes.map((i) => cases[i] as EvalCase),
    )
    scores.results.forEach((result, n) => {
      out[indexes[n] as number] = { result, left: left.length }
    })
  }
  return out
}
