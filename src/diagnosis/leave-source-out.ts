import type { Entry } from '../kb/entry.schema.ts'
import { KnowledgeBase } from '../kb/kb.ts'
import { Diagnoser } from './diagnose.ts'
import { diagnoserFor } from './diagnosis.service.ts'
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

/**
 * Finds the entries that cite a source. Each cited URL is indexed once under itself and every
 * shorter path prefix, so a source matches the citations of its own page or below it (an issue,
 * not issue 1 for issue 12) with one map look-up.
 */
export function citationIndex(entries: readonly Entry[]): (source: string) => Entry[] {
  const bySource = new Map<string, Set<Entry>>()
  for (const e of entries) {
    for (const cite of [...e.seenIn, ...e.references]) {
      // A seenIn line is "<URL> — <note>": index each URL it holds.
      for (const u of cite.match(/https?:\/\/[^\s"'<>)\]]+/g) ?? []) {
        const parts = normaliseSource(u.replace(/[.,;]+$/, '')).split('/')
        for (let n = 1; n <= parts.length; n++) {
          const key = parts.slice(0, n).join('/')
          const set = bySource.get(key) ?? new Set<Entry>()
          set.add(e)
          bySource.set(key, set)
        }
      }
    }
  }
  return (source) => {
    const wanted = normaliseSource(source)
    if (wanted.length < MIN_SOURCE_LENGTH) return []
    return [...(bySource.get(wanted) ?? [])]
  }
}

/** The entries whose `seenIn` or `references` cite `source`: the ones written from it. */
export function entriesCiting(entries: readonly Entry[], source: string): Entry[] {
  return citationIndex(entries)(source)
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
  const citing = citationIndex(kb.entries)
  const groups = new Map<string, { left: Entry[]; indexes: number[] }>()
  cases.forEach((c, i) => {
    const left = citing(c.source)
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
    // The whole reference's diagnoser is the cached one callers use too; reduced ones are built.
    const diagnoser = left.length === 0 ? diagnoserFor(kb) : new Diagnoser(reference)
    const scores = evaluate(
      reference,
      diagnoser,
      indexes.map((i) => cases[i] as EvalCase),
    )
    scores.results.forEach((result, n) => {
      out[indexes[n] as number] = { result, left: left.length }
    })
  }
  return out
}
