/**
 * Multi-string search in one pass over the text (Aho–Corasick), so checking hundreds of pattern
 * anchors costs O(text length) rather than O(text length × patterns).
 */
export class AhoCorasick {
  private readonly goto: Map<number, number>[] = [new Map()]
  private readonly fail: number[] = [0]
  private readonly out: number[][] = [[]]

  /** `words` must be lower case; `search` reports the indexes of the words it finds. */
  constructor(words: readonly string[]) {
    words.forEach((word, index) => {
      let state = 0
      for (let i = 0; i < word.length; i++) {
        const c = word.charCodeAt(i)
        const edges = this.goto[state] as Map<number, number>
        let next = edges.get(c)
        if (next === undefined) {
          next = this.goto.length
          this.goto.push(new Map())
          this.fail.push(0)
          this.out.push([])
          edges.set(c, next)
        }
        state = next
      }
      ;(this.out[state] as number[]).push(index)
    })
    const queue: number[] = []
    for (const next of (this.goto[0] as Map<number, number>).values()) queue.push(next)
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as number
      for (const [c, next] of this.goto[state] as Map<number, number>) {
        queue.push(next)
        let f = this.fail[state] as number
        while (f !== 0 && !(this.goto[f] as Map<number, number>).has(c)) f = this.fail[f] as number
        const target = (this.goto[f] as Map<number, number>).get(c)
        this.fail[next] = target !== undefined && target !== next ? target : 0
        ;(this.out[next] as number[]).push(...(this.out[this.fail[next] as number] as number[]))
      }
    }
  }

  /** Indexes of every word that occurs in `lowerText` (which must already be lower case). */
  search(lowerText: string): Set<number> {
    const found = new Set<number>()
    let state = 0
    for (let i = 0; i < lowerText.length; i++) {
      const c = lowerText.charCodeAt(i)
      let next = (this.goto[state] as Map<number, number>).get(c)
      while (next === undefined && state !== 0) {
        state = this.fail[state] as number
        next = (this.goto[state] as Map<number, number>).get(c)
      }
      state = next ?? 0
      for (const w of this.out[state] as number[]) found.add(w)
    }
    return found
  }
}
