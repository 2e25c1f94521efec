import type { Entry } from './entry.schema.ts'

/** Splits text into lower-case word tokens; codes such as DM_GWPipeline_X also yield their parts. */
export function tokenize(text: string): string[] {
  const out: string[] = []
  for (const raw of text.toLowerCase().match(/[a-z0-9_.]+/g) ?? []) {
    const word = raw.replace(/^[._]+|[._]+$/g, '')
    if (word.length < 2) continue
    out.push(word)
    if (/[_.]/.test(word))
      for (const part of word.split(/[_.]+/)) if (part.length >= 2) out.push(part)
  }
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

/** The entries containing one term, as parallel arrays (the scoring loop reads them in order). */
const K1 = 1.2
const MAX_QUERY_TERMS = 64
const B = 0.75

interface Postings {
  readonly docs: Int32Array
  readonly tfs: Float64Array
}

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
  private readonly postings = new Map<string, Postings>()
  /** BM25's length normalisation per entry, computed once: k1 · (1 − b + b · length / average). */
  private readonly norms: Float64Array

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
    for (const [token, list] of lists) {
      this.postings.set(token, {
        docs: Int32Array.from(list.docs),
        tfs: Float64Array.from(list.tfs),
      })
    }
    const avg = lengths.length === 0 ? 1 : lengths.reduce((a, b) => a + b, 0) / lengths.length
    this.norms = Float64Array.from(lengths, (len) => K1 * (1 - B + (B * len) / avg))
  }

  search(query: string, limit = 20): SearchHit[] {
    const terms = new Set<string>()
    // The first distinct words of a long text carry its message; the rest (stack traces, IDs)
    // would only cost time.
    for (const t of tokenize(query)) {
      if (!STOP.has(t)) terms.add(t)
      if (terms.size >= MAX_QUERY_TERMS) break
    }
    if (terms.size === 0) return []
    const n = this.entries.length
    const scores = new Float64Array(n)
    const touched: number[] = []
    // Words in a third or more of the entries say little (low idf) and cost the most; skip them.
    const common = Math.max(8, n / 3)
    for (const term of terms) {
      const list = this.postings.get(term)
      if (!list || list.docs.length > common) continue
      const idf = Math.log(1 + (n - list.docs.length + 0.5) / (list.docs.length + 0.5))
      const { docs, tfs } = list
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i] as number
        const tf = tfs[i] as number
        if (scores[doc] === 0) touched.push(doc)
        scores[doc] =
          (scores[doc] as number) + (idf * tf * (K1 + 1)) / (tf + (this.norms[doc] as number))
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
    return top.map((doc) => ({ entry: this.entries[doc] as Entry, score: scores[doc] ?? 0 }))
  }
}
