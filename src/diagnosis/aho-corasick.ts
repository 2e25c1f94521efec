let lowerTable: Uint16Array | undefined

/** Each UTF-16 code unit's one-unit lower-case form (itself when it has none): built once. */
function lowerCaseTable(): Uint16Array {
  if (lowerTable === undefined) {
    lowerTable = new Uint16Array(65536)
    for (let c = 0; c < 65536; c++) {
      const low = String.fromCharCode(c).toLowerCase()
      lowerTable[c] = low.length === 1 ? low.charCodeAt(0) : c
    }
  }
  return lowerTable
}

/** One Aho–Corasick automaton compiled to a DFA over the characters its words use. */
class Dfa {
  /** Character → column of the transition table; 0 is "any character no word contains". */
  private readonly classOf = new Uint16Array(65536)
  private readonly classes: number
  /**
   * Full transition rows for the first `dense` states (the shallow ones and those that branch);
   * 16-bit while the automaton has fewer than 32,768 states.
   */
  private readonly next: Uint16Array | Int32Array
  private readonly dense: number
  /**
   * The other states — deep inside one word, with a single way on — keep only that way: its
   * column, its target, and the failure state to fall back to otherwise. A full row for each of
   * them made a megabyte-sized table whose rows missed the cache on every text.
   */
  private readonly soleClass: Uint16Array
  private readonly soleNext: Uint16Array | Int32Array
  private readonly failTo: Uint16Array | Int32Array
  /** Words ending in each state, by state number (dense states first). */
  private readonly out: number[][]
  private readonly lengths: number[]
  /** The bit set on transitions into states that end a word (above every state number). */
  private readonly flag: number

  /** `words` are matched case-insensitively; `scan` reports their indexes. */
  constructor(words: readonly string[]) {
    const lower = words.map((w) => w.toLowerCase())
    this.lengths = lower.map((w) => w.length)
    let classes = 1
    for (const w of lower) {
      for (let i = 0; i < w.length; i++) {
        const c = w.charCodeAt(i)
        if (this.classOf[c] === 0) this.classOf[c] = classes++
      }
    }
    // Upper-case letters share the class of their lower-case form, beyond ASCII too ("É", "П"), so
    // anchors of localized messages match whatever the case of the text.
    const lowerOf = lowerCaseTable()
    for (let c = 0; c < 65536; c++) {
      const low = lowerOf[c] as number
      if (low !== c && this.classOf[c] === 0) this.classOf[c] = this.classOf[low] ?? 0
    }
    this.classes = classes

    // Trie with per-state transition maps, then the DFA table built breadth-first.
    const trie: Map<number, number>[] = [new Map<number, number>()]
    const out: number[][] = [[]]
    lower.forEach((w, index) => {
      // An empty word stands for a slot whose word lives in another automaton.
      if (w.length === 0) return
      let s = 0
      for (let i = 0; i < w.length; i++) {
        const k = this.classOf[w.charCodeAt(i)] ?? 0
        const edges = trie[s] as Map<number, number>
        let t = edges.get(k)
        if (t === undefined) {
          t = trie.length
          trie.push(new Map<number, number>())
          out.push([])
          edges.set(k, t)
        }
        s = t
      }
      ;(out[s] as number[]).push(index)
    })
    // A full table first, filled breadth-first so a state's failure target is complete before the
    // state itself; the compact one below is cut from it.
    const order: number[] = [0]
    const fail = new Int32Array(trie.length)
    for (let head = 0; head < order.length; head++) {
      for (const t of (trie[order[head] as number] as Map<number, number>).values()) order.push(t)
    }
    const full = new (trie.length < 65536 ? Uint16Array : Int32Array)(trie.length * classes)
    const ends = new Uint8Array(trie.length)
    for (const s of order) {
      const f = fail[s] ?? 0
      if (s !== 0) (out[s] as number[]).push(...(out[f] as number[]))
      if ((out[s] as number[]).length > 0) ends[s] = 1
      const row = s * classes
      const failRow = f * classes
      for (let k = 0; k < classes; k++) {
        const t = (trie[s] as Map<number, number>).get(k)
        if (t === undefined) {
          full[row + k] = s === 0 ? 0 : (full[failRow + k] ?? 0)
        } else {
          fail[t] = s === 0 ? 0 : (full[failRow + k] ?? 0)
          full[row + k] = t
        }
      }
    }
    // Keep full rows only for states near the root or with several ways on; number those first.
    // Each transition carries a flag bit saying whether its target ends a word, so the hot loop
    // reads nothing else on most characters.
    const depth = new Int32Array(trie.length)
    for (const st of order)
      for (const t of (trie[st] as Map<number, number>).values()) depth[t] = (depth[st] ?? 0) + 1
    const denseStates = order.filter(
      (st) => (depth[st] ?? 0) <= DENSE_DEPTH || (trie[st] as Map<number, number>).size > 1,
    )
    const isDense = new Uint8Array(trie.length)
    for (const st of denseStates) isDense[st] = 1
    const renumbered = [...denseStates, ...order.filter((st) => isDense[st] === 0)]
    const dense = denseStates.length
    const id = new Int32Array(trie.length)
    renumbered.forEach((st, i) => {
      id[st] = i
    })
    const big = trie.length >= 32768
    const flag = big ? 0x40000000 : 0x8000
    const withFlag = (st: number) => (id[st] ?? 0) | (ends[st] === 1 ? flag : 0)
    const Table = big ? Int32Array : Uint16Array
    const rows = new Table(dense * classes)
    for (let i = 0; i < dense; i++) {
      const from = (renumbered[i] as number) * classes
      for (let k = 0; k < classes; k++) rows[i * classes + k] = withFlag(full[from + k] ?? 0)
    }
    const sparse = trie.length - dense
    this.soleClass = new Uint16Array(sparse)
    this.soleNext = new Table(sparse)
    this.failTo = new Table(sparse)
    for (let j = 0; j < sparse; j++) {
      const st = renumbered[dense + j] as number
      const edges = trie[st] as Map<number, number>
      // A word's last state has no way on: a column no character maps to.
      this.soleClass[j] = NO_CLASS
      for (const [k, t] of edges) {
        this.soleClass[j] = k
        this.soleNext[j] = withFlag(t)
      }
      this.failTo[j] = id[fail[st] ?? 0] ?? 0
    }
    this.next = rows
    this.dense = dense
    this.flag = flag
    this.out = renumbered.map((st) => out[st] as number[])
  }

  /**
   * (end state, end index) of each occurrence, collected by the loop below and reused between
   * calls: scans are synchronous, and no `found` callback scans with the same automaton again.
   * Grows when a text has more occurrences than it holds.
   */
  private ends = new Int32Array(256)

  /** Calls `found(wordIndex, start)` for every occurrence, in text order. */
  scan(text: string, found: (word: number, start: number) => void): void {
    const count = this.endStates(text)
    const { ends, out, lengths } = this
    for (let e = 0; e < count; e += 2) {
      const words = out[ends[e] as number] as number[]
      const end = (ends[e + 1] as number) + 1
      for (let j = 0; j < words.length; j++) {
        const w = words[j] as number
        found(w, end - (lengths[w] as number))
      }
    }
    // A huge input may have grown the buffer to megabytes; do not keep that for small texts.
    if (ends.length > KEPT_ENDS) this.ends = new Int32Array(256)
  }

  /**
   * The DFA walk, with no call inside: the callback that used to sit in this loop sees several
   * functions (the scanner's, the reference statistics', the wide automaton's), and that alone
   * made V8 compile the whole loop about 2.5× slower. Returns the number of slots used in `ends`.
   */
  private endStates(text: string): number {
    const { next, classOf, classes, flag, dense, soleClass, soleNext, failTo } = this
    const mask = flag - 1
    let ends = this.ends
    let count = 0
    let s = 0
    for (let i = 0; i < text.length; i++) {
      // Typed-array reads inside bounds: the casts only drop the `undefined` of noUncheckedIndexedAccess.
      const k = classOf[text.charCodeAt(i)] as number
      // A sparse state either goes on along its word or falls back towards the root, where every
      // state has a full row; class 0 (no word has it) always falls back.
      while (s >= dense && soleClass[s - dense] !== k) s = failTo[s - dense] as number
      s = (s < dense ? next[s * classes + k] : soleNext[s - dense]) as number
      if (s < flag) continue
      s &= mask
      if (count === ends.length) {
        const grown = new Int32Array(ends.length * 2)
        grown.set(ends)
        ends = grown
        this.ends = grown
      }
      ends[count] = s
      ends[count + 1] = i
      count += 2
    }
    return count
  }
}

/** Slots of `ends` kept between scans (256 KB); a larger buffer is dropped after its scan. */
const KEPT_ENDS = 65536

/** States this close to the root keep a full row: nearly every character of a text visits them. */
const DENSE_DEPTH = 2
const NO_CLASS = 0xffff

const NON_ASCII = /[^\u0000-\u007f]/

/**
 * Multi-string search in one pass over the text (Aho–Corasick compiled to a DFA), so checking
 * hundreds of pattern anchors and error codes costs O(text length), not O(length × words).
 * Matching is case-insensitive (simple one-to-one case mappings); other characters must match exactly.
 *
 * Words with non-ASCII letters (localized messages) live in a second, small automaton: in one
 * table their hundred-odd distinct characters would triple its width and push it out of the CPU
 * cache, and most texts are plain ASCII, where that automaton cannot match and is skipped.
 */
export class AhoCorasick {
  private readonly ascii: Dfa
  private readonly wide: Dfa | null
  /** Index in `words` of each word of the wide automaton. */
  private readonly wideIndex: number[] = []
  private readonly lengths: number[]

  /** `words` are matched case-insensitively; `search` reports their indexes. */
  constructor(words: readonly string[]) {
    this.lengths = words.map((w) => w.length)
    const wideWords: string[] = []
    words.forEach((w, i) => {
      if (!NON_ASCII.test(w)) return
      wideWords.push(w)
      this.wideIndex.push(i)
    })
    // Empty slots keep the ASCII automaton's word indexes equal to the caller's.
    this.ascii = new Dfa(words.map((w) => (NON_ASCII.test(w) ? '' : w)))
    this.wide = wideWords.length > 0 ? new Dfa(wideWords) : null
  }

  /**
   * Calls `found(wordIndex, start)` for every occurrence: ASCII words in text order, then words
   * with non-ASCII letters in text order.
   */
  scan(text: string, found: (word: number, start: number) => void): void {
    this.ascii.scan(text, found)
    if (this.wide === null || !NON_ASCII.test(text)) return
    const index = this.wideIndex
    this.wide.scan(text, (w, start) => {
      found(index[w] as number, start)
    })
  }

  wordLength(word: number): number {
    return this.lengths[word] ?? 0
  }

  /** Indexes of every word that occurs in `text`. */
  search(text: string): Set<number> {
    const found = new Set<number>()
    this.scan(text, (w) => found.add(w))
    return found
  }
}
