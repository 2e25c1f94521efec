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

interface Doc {
  readonly entry: Entry
  readonly tf: Map<string, number>
  readonly length: number
}

export interface SearchHit {
  readonly entry: Entry
  readonly score: number
}

/** BM25 ranking over title, codes, summary and causes, built once per knowledge base. */
export class SearchIndex {
  private readonly docs: Doc[] = []
  private readonly df = new Map<string, number>()
  private readonly avgLength: number

  constructor(entries: readonly Entry[]) {
    let total = 0
    for (const entry of entries) {
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
      for (const token of tf.keys()) this.df.set(token, (this.df.get(token) ?? 0) + 1)
      this.docs.push({ entry, tf, length })
      total += length
    }
    this.avgLength = this.docs.length === 0 ? 1 : total / this.docs.length
  }

  search(query: string, limit = 20): SearchHit[] {
    const terms = [...new Set(tokenize(query).filter((t) => !STOP.has(t)))]
    if (terms.length === 0) return []
    const n = this.docs.length
    const k1 = 1.2
    const b = 0.75
    const hits: SearchHit[] = []
    for (const doc of this.docs) {
      let score = 0
      for (const term of terms) {
        const f = doc.tf.get(term)
        if (f === undefined) continue
        const df = this.df.get(term) ?? 0
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5))
        score += (idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * doc.length) / this.avgLength))
      }
      if (score > 0) hits.push({ entry: doc.entry, score })
    }
    return hits
      .sort((x, y) => y.score - x.score || x.entry.slug.localeCompare(y.entry.slug))
      .slice(0, limit)
  }
}
