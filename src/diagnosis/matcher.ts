import type { Entry } from '../kb/entry.schema.ts'
import type { KnowledgeBase } from '../kb/kb.ts'
import { AhoCorasick } from './aho-corasick.ts'
import { requiredLiterals } from './anchors.ts'

interface CompiledPattern {
  readonly entry: Entry
  readonly re: RegExp
}

export interface PatternHit {
  readonly entry: Entry
  /** Length of the matched text: a longer literal match is a more specific one. */
  readonly length: number
  readonly index: number
}

/**
 * All entries' message patterns, compiled once. A pattern runs only when one of its required
 * literals occurs in the text (found for all patterns in one Aho–Corasick pass).
 */
export class PatternMatcher {
  private readonly patterns: CompiledPattern[] = []
  private readonly anchorOwners: number[][] = []
  private readonly alwaysRun: number[] = []
  private readonly automaton: AhoCorasick

  constructor(kb: KnowledgeBase) {
    const anchorIndex = new Map<string, number>()
    for (const entry of kb.entries) {
      for (const source of entry.match.patterns) {
        const id = this.patterns.length
        this.patterns.push({ entry, re: new RegExp(source, 'i') })
        const anchors = requiredLiterals(source)
        if (anchors === null) {
          this.alwaysRun.push(id)
          continue
        }
        for (const anchor of anchors) {
          let a = anchorIndex.get(anchor)
          if (a === undefined) {
            a = this.anchorOwners.length
            anchorIndex.set(anchor, a)
            this.anchorOwners.push([])
          }
          ;(this.anchorOwners[a] as number[]).push(id)
        }
      }
    }
    this.automaton = new AhoCorasick([...anchorIndex.keys()])
  }

  /** How many patterns have no anchor and so run on every text (kept small by kb authors). */
  get unanchored(): number {
    return this.alwaysRun.length
  }

  match(text: string, lowerText: string): PatternHit[] {
    const run = new Set<number>(this.alwaysRun)
    for (const a of this.automaton.search(lowerText)) for (const id of this.anchorOwners[a] ?? []) run.add(id)
    const hits: PatternHit[] = []
    for (const id of run) {
      const p = this.patterns[id] as CompiledPattern
      const m = p.re.exec(text)
      if (m) hits.push({ entry: p.entry, length: m[0].length, index: m.index })
    }
    return hits
  }
}
