import type { Entry } from '../kb/entry.schema.ts'
import type { KnowledgeBase } from '../kb/kb.ts'
import type { Category } from '../kb/taxonomy.ts'
import { AhoCorasick } from './aho-corasick.ts'
import { anchorChoices, requiredLiterals } from './anchors.ts'
import { CATEGORY_HINTS } from './hints.ts'

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
  /** Categories whose hint words occur as whole words. */
  readonly hints: ReadonlySet<Category>
  /** Literal flags (see `flags` in the constructor) that occur anywhere in the text. */
  readonly flags: ReadonlySet<string>
}

type Word =
  | { readonly kind: 'anchor'; readonly patterns: number[] }
  | { readonly kind: 'code'; readonly entry: Entry; readonly numeric: boolean }
  | { readonly kind: 'hint'; readonly category: Category; readonly prefix: boolean }
  | { readonly kind: 'flag'; readonly flag: string }

const ANCHOR_LENGTH = 16

/** Codes made of digits only (SQL Server 18456, MySQL 1045, Snowflake 002003). */
const NUMERIC = /^\d+$/
const NUMBER_BEFORE = /(?:error|code|msg|number|errno|sqlstate|state|exception)\b[^\n]{0,24}$/i
const SQLSTATE_AFTER = /^:? ?\([0-9A-Z]{5}\)/

/**
 * A number is an error code only where a text says so — after "Error", "Msg", "Code", "SQLSTATE"
 * or an exception name, or before a SQLSTATE such as "(28000)" — not as a row count or a port.
 */
function numericCodeInPlace(text: string, start: number, end: number): boolean {
  return (
    NUMBER_BEFORE.test(text.slice(Math.max(0, start - 40), start)) ||
    SQLSTATE_AFTER.test(text.slice(end, end + 10))
  )
}

/**
 * How often a choice of anchor words would fire, estimated on the reference's own example texts:
 * the matcher then anchors each pattern on its rarest required words, so a pattern such as
 * `refresh.{0,60}(exceeded|exceeds)…` runs when "exceed…" occurs, not on every text that says
 * "refresh". Counts come from one automaton pass per example over every candidate word.
 */
function anchorCost(kb: KnowledgeBase): (words: readonly string[]) => number {
  const candidates = new Set<string>()
  for (const entry of kb.entries) {
    for (const source of entry.match.patterns) {
      for (const choice of (anchorChoices(source) ?? []).flat(2))
        candidates.add(choice.slice(0, ANCHOR_LENGTH))
    }
  }
  const words = [...candidates]
  const counts = new Int32Array(words.length)
  const automaton = new AhoCorasick(words)
  for (const entry of kb.entries)
    for (const w of automaton.search(entry.example)) counts[w] = (counts[w] ?? 0) + 1
  const countOf = new Map(words.map((w, i) => [w, counts[i] ?? 0]))
  return (choice) =>
    choice.reduce((sum, w) => sum + 1 + (countOf.get(w.slice(0, ANCHOR_LENGTH)) ?? 0), 0)
}

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95

/** Whether text[start, end) stands as a word (a `prefix` word may run on). */
function wholeWord(text: string, start: number, end: number, prefix: boolean): boolean {
  return (
    !(start > 0 && isWordChar(text.charCodeAt(start - 1))) &&
    (prefix || !(end < text.length && isWordChar(text.charCodeAt(end))))
  )
}

const isUpper = (c: number) => c >= 65 && c <= 90
const isLower = (c: number) => c >= 97 && c <= 122

/**
 * A hint word also stands inside a code's name: between underscores (DM_GWPipeline_Gateway_…) or
 * at a lower-to-upper case change (GatewayNotReachable, PowerBINotLicensed), since codes name their
 * subject in words. .NET assembly names are the exception: "PublicKeyToken=" in every assembly-load
 * error is no sign-in token.
 */
function hintWord(text: string, start: number, end: number, prefix: boolean): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : 32
  const camelStart =
    isLower(before) &&
    isUpper(text.charCodeAt(start)) &&
    text.slice(Math.max(0, start - 9), start) !== 'PublicKey'
  if (isWordChar(before) && before !== 95 && !camelStart) return false
  if (prefix || end >= text.length) return true
  const after = text.charCodeAt(end)
  return !isWordChar(after) || after === 95 || (isUpper(after) && isLower(text.charCodeAt(end - 1)))
}

/**
 * Reads the text once (an Aho–Corasick DFA) and collects everything literal the diagnosis needs:
 * known error codes as whole tokens, the anchors of message patterns, category hint words and the
 * literals that gate context rules. Then runs only the patterns whose anchors occurred.
 */
export class TextScanner {
  private readonly patterns: CompiledPattern[] = []
  private readonly alwaysRun: number[] = []
  private readonly words: Word[] = []
  private readonly automaton: AhoCorasick

  constructor(kb: KnowledgeBase, flags: readonly string[] = []) {
    const texts: string[] = []
    const add = (text: string, word: Word) => {
      texts.push(text)
      this.words.push(word)
    }
    const anchors = new Map<string, number[]>()
    const cost = anchorCost(kb)
    for (const entry of kb.entries) {
      for (const source of entry.match.patterns) {
        const id = this.patterns.length
        this.patterns.push({ entry, re: new RegExp(source, 'i') })
        const literals = requiredLiterals(source, cost)
        if (literals === null) {
          this.alwaysRun.push(id)
          continue
        }
        // A prefix of a required literal is required too; 16 characters stay selective and keep
        // the automaton (and its transition table) a third of the size, so it stays in cache.
        for (const a of literals.map((l) => l.slice(0, ANCHOR_LENGTH))) {
          const list = anchors.get(a)
          if (list) list.push(id)
          else anchors.set(a, [id])
        }
      }
    }
    for (const [text, patterns] of anchors) add(text, { kind: 'anchor', patterns })
    for (const [code, entry] of kb.codeMap())
      add(code, { kind: 'code', entry, numeric: NUMERIC.test(code) })
    for (const [category, list] of CATEGORY_HINTS) {
      for (const w of list)
        add(w.replace(/\*$/, ''), { kind: 'hint', category, prefix: w.endsWith('*') })
    }
    for (const flag of new Set(flags)) add(flag, { kind: 'flag', flag })
    this.automaton = new AhoCorasick(texts)
  }

  scan(text: string): ScanResult {
    const run = new Set<number>(this.alwaysRun)
    const codes: CodeHit[] = []
    const seen = new Set<string>()
    const hints = new Set<Category>()
    const flags = new Set<string>()
    this.automaton.scan(text, (w, start) => {
      const word = this.words[w]
      if (word === undefined) return
      switch (word.kind) {
        case 'anchor':
          for (const id of word.patterns) run.add(id)
          return
        case 'flag':
          flags.add(word.flag)
          return
        case 'hint':
          if (
            !hints.has(word.category) &&
            hintWord(text, start, start + this.automaton.wordLength(w), word.prefix)
          ) {
            hints.add(word.category)
          }
          return
        case 'code': {
          const end = start + this.automaton.wordLength(w)
          if (!wholeWord(text, start, end, false)) return
          if (word.numeric && !numericCodeInPlace(text, start, end)) return
          const code = text.slice(start, end)
          const key = code.toLowerCase()
          if (seen.has(key)) return
          seen.add(key)
          codes.push({ code, entry: word.entry })
        }
      }
    })
    const patterns: PatternHit[] = []
    for (const id of run) {
      const p = this.patterns[id] as CompiledPattern
      const m = p.re.exec(text)
      if (m) patterns.push({ entry: p.entry, length: m[0].length, index: m.index })
    }
    return { codes, patterns, hints, flags }
  }
}
