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

export interface CodeHit {
  /** The code as written in the text. */
  readonly code: string
  readonly entry: Entry
}

export interface ScanResult {
  /** Known codes, each once, in the order they first appear (outer before inner). */
  readonly codes: readonly CodeHit[]
  readonly patterns: readonly PatternHit[]
}

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95

/**
 * Finds, in one pass, every known error code (as a whole token) and every pattern anchor; then
 * runs only the patterns whose anchors occurred. Built once per knowledge base.
 */
export class PatternMatcher {
  private readonly patterns: CompiledPattern[] = []
  private readonly alwaysRun: number[] = []
  /** For each automaton word: the patterns it anchors, or the entry whose code it is. */
  private readonly words: (
    | { kind: 'anchor'; patterns: number[] }
    | { kind: 'code'; entry: Entry }
  )[] = []
  private readonly automaton: AhoCorasick

  constructor(kb: KnowledgeBase) {
    const index = new Map<string, number>()
    const texts: string[] = []
    const anchorWord = (text: string) => {
      const key = `a:${text}`
      let w = index.get(key)
      if (w === undefined) {
        w = this.words.length
        index.set(key, w)
        texts.push(text)
        this.words.push({ kind: 'anchor', patterns: [] })
      }
      return this.words[w] as { kind: 'anchor'; patterns: number[] }
    }
    for (const entry of kb.entries) {
      for (const source of entry.match.patterns) {
        const id = this.patterns.length
        this.patterns.push({ entry, re: new RegExp(source, 'i') })
        const anchors = requiredLiterals(source)
        if (anchors === null) this.alwaysRun.push(id)
        else for (const a of anchors) anchorWord(a).patterns.push(id)
      }
    }
    for (const [code, entry] of kb.codeMap()) {
      texts.push(code)
      this.words.push({ kind: 'code', entry })
    }
    this.automaton = new AhoCorasick(texts)
  }

  /** How many patterns have no anchor and so run on every text (kept small by kb authors). */
  get unanchored(): number {
    return this.alwaysRun.length
  }

  scan(text: string): ScanResult {
    const run = new Set<number>(this.alwaysRun)
    const codes: CodeHit[] = []
    const seen = new Set<Entry | string>()
    this.automaton.scan(text, (w, start) => {
      const word = this.words[w]
      if (word === undefined) return
      if (word.kind === 'anchor') {
        for (const id of word.patterns) run.add(id)
        return
      }
      const code = text.slice(start, start + this.automaton.wordLength(w))
      const end = start + code.length
      if (
        (start > 0 && isWordChar(text.charCodeAt(start - 1))) ||
        (end < text.length && isWordChar(text.charCodeAt(end)))
      )
        return
      const key = code.toLowerCase()
      if (seen.has(key)) return
      seen.add(key)
      codes.push({ code, entry: word.entry })
    })
    const patterns: PatternHit[] = []
    for (const id of run) {
      const p = this.patterns[id] as CompiledPattern
      const m = p.re.exec(text)
      if (m) patterns.push({ entry: p.entry, length: m[0].length, index: m.index })
    }
    return { codes, patterns }
  }
}
