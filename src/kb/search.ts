import type { Entry } from './entry.schema.ts'

const isTokenChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46
const isSeparator = (c: number) => c === 95 || c === 46

/**
 * Calls `visit` with each lower-case word token of `text` in order (runs of a–z, 0–9, `_` and `.`
 * with `_`/`.` trimmed, 2 characters or more); a code such as DM_GWPipeline_X is followed by its
 * parts. Stops when `visit` returns true. A hand-written loop: the regular-expression version cost
 * about as much as the scoring on every unknown error.
 */
export function eachToken(text: string, visit: (token: string) => boolean | undefined): void {
  const lower = text.toLowerCase()
  const n = lower.length
  let i = 0
  while (i < n) {
    while (i < n && !isTokenChar(lower.charCodeAt(i))) i++
    let start = i
    while (i < n && isTokenChar(lower.charCodeAt(i))) i++
    let end = i
    while (start < end && isSeparator(lower.charCodeAt(start))) start++
    while (end > start && isSeparator(lower.charCodeAt(end - 1))) end--
    if (end - start < 2) continue
    if (visit(lower.slice(start, end)) === true) return
    let part = start
    for (let k = start; k < end; k++) {
      if (!isSeparator(lower.charCodeAt(k))) continue
      if (k - part >= 2 && visit(lower.slice(part, k)) === true) return
      part = k + 1
    }
    // The last part, when the word was split at all.
    if (part > start && end - part >= 2 && visit(lower.slice(part, end)) === true) return
  }
}

/** Splits text into lower-case word tokens; codes such as DM_GWPipeline_X also yield their parts. */
export function tokenize(text: string): string[] {
  const out: string[] = []
  eachToken(text, (t) => {
    out.push(t)
    return false
  })
  return out
}

const STOP = new Set(
  'the a an and or of to in on for is are was be by with as at it this that from not no your you can cannot its into when which than then'.split(
    ' ',
  ),
)

/** Field weights: a word in the title or the codes says more than one in a cause. */
const FIELDS: readonly [keyof Pick<Entry, 'title' | 'codes' | 'summary' | 'causes'>, number][] = [
  ['title', 3],
  ['codes', 4],
  ['summary', 1.5],
  ['causes', 1],
]

const K1 = 1.2
const MAX_QUERY_TERMS = 64
const B = 0.75

export interface SearchHit {
  readonly entry: Entry
  readonly score: number
}

/**
 * BM25 ranking over title, codes, summary and causes, with an inverted index so a query only
 * touches the entries that contain its words (the diagnosis fallback runs it on every unknown error).
 */
export class SearchIndex {
  private readonly entries: Entry[] = []
  /**
   * Every term's entries, one run per term in two parallel pooled arrays (one block of memory
   * rather than thousands of small ones, so a query's runs share the cache): `docs` names the
   * entries, `weights` holds each one's whole BM25 term score, idf · tf · (k1 + 1) / (tf + norm),
   * computed once since nothing in it depends on the query.
   */
  private readonly termIndex = new Map<string, number>()
  /** Term t's run is runStart[t] up to runStart[t + 1]. */
  private readonly runStart: Int32Array
  private readonly docs: Int32Array
  private readonly weights: Float64Array
  /**
   * One query's scores, kept between calls and zeroed again where touched: a fresh typed array
   * per query cost a third as much as the scoring. Search is synchronous, so never shared.
   */
  private readonly scores: Float64Array

  constructor(entries: readonly Entry[]) {
    const lists = new Map<string, { docs: number[]; tfs: number[] }>()
    const lengths: number[] = []
    entries.forEach((entry, doc) => {
      const tf = new Map<string, number>()
      let length = 0
      for (const [field, weight] of FIELDS) {
        const value = entry[field]
        const text = Array.isArray(value) ? value.join(' ') : value
        for (const token of tokenize(text)) {
          if (STOP.has(token)) continue
          tf.set(token, (tf.get(token) ?? 0) + weight)
          length += weight
        }
      }
      for (const [token, f] of tf) {
        let list = lists.get(token)
        if (!list) {
          list = { docs: [], tfs: [] }
          lists.set(token, list)
        }
        list.docs.push(doc)
        list.tfs.push(f)
      }
      this.entries.push(entry)
      lengths.push(length)
    })
    const n = entries.length
    const avg = lengths.length === 0 ? 1 : lengths.reduce((a, b) => a + b, 0) / lengths.length
    const norms = Float64Array.from(lengths, (len) => K1 * (1 - B + (B * len) / avg))
    let total = 0
    for (const list of lists.values()) total += list.docs.length
    this.runStart = new Int32Array(lists.size + 1)
    this.docs = new Int32Array(total)
    this.weights = new Float64Array(total)
    let at = 0
    for (const [token, list] of lists) {
      const idf = Math.log(1 + (n - list.docs.length + 0.5) / (list.docs.length + 0.5))
      const t = this.termIndex.size
      this.termIndex.set(token, t)
      this.runStart[t] = at
      list.docs.forEach((doc, i) => {
        const tf = list.tfs[i] ?? 0
        this.docs[at] = doc
        this.weights[at] = (idf * tf * (K1 + 1)) / (tf + (norms[doc] ?? 0))
        at++
      })
    }
    this.runStart[lists.size] = at
    this.scores = new Float64Array(entries.length)
  }

  search(query: string, limit = 20): SearchHit[] {
    const terms = new Set<string>()
    // The first distinct words of a long text carry its message; the rest (stack traces, IDs)
    // would only cost time.
    eachToken(query, (t) => {
      if (!STOP.has(t)) terms.add(t)
      return terms.size >= MAX_QUERY_TERMS
    })
    if (terms.size === 0) return []
    const n = this.entries.length
    const { scores, docs, weights, runStart } = this
    const touched: number[] = []
    // Words in a third or more of the entries say little (low idf) and cost the most; skip them.
    const common = Math.max(8, n / 3)
    for (const term of terms) {
      const t = this.termIndex.get(term)
      if (t === undefined) continue
      const from = runStart[t] as number
      const to = runStart[t + 1] as number
      if (to - from > common) continue
      for (let i = from; i < to; i++) {
        const doc = docs[i] as number
        const before = scores[doc] as number
        if (before === 0) touched.push(doc)
        scores[doc] = before + (weights[i] as number)
      }
    }
    // Keep only the best `limit` by insertion: the diagnosis fallback asks for 5 of ~150 touched,
    // where a full sort costs more than the scoring. Ties keep entry order (the KB sorts entries).
    const top: number[] = []
    for (const doc of touched) {
      const score = scores[doc] ?? 0
      if (top.length === limit && score <= (scores[top[limit - 1] ?? 0] ?? 0)) continue
      let i = top.length
      while (
        i > 0 &&
        (score > (scores[top[i - 1] ?? 0] ?? 0) ||
          (score === scores[top[i - 1] ?? 0] && doc < (top[i - 1] ?? 0)))
      )
        i--
      top.splice(i, 0, doc)
      if (top.length > limit) top.pop()
    }
    const hits = top.map((doc) => ({ entry: this.entries[doc] as Entry, score: scores[doc] ?? 0 }))
    for (const doc of touched) scores[doc] = 0
    return hits
  }
}
