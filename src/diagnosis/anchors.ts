/**
 * Finds literal words a regular expression cannot match without, so the matcher runs a pattern
 * only when one of its anchors occurs in the text. Conservative: when unsure it returns null and
 * the pattern is always run.
 *
 * Each top-level alternative gives one required choice: a literal run outside groups, or a
 * required group whose every branch has a literal (any of them will do). Without `cost`, the
 * longest run is taken; with it, the cheapest choice — `cost` estimates how often a set of words
 * occurs in error texts, so a common word such as "refresh" gives way to a rarer one.
 */
export function requiredLiterals(
  source: string,
  cost?: (words: readonly string[]) => number,
): string[] | null {
  const alternatives = splitTopLevel(source)
  if (alternatives === null) return null
  const anchors: string[] = []
  for (const alt of alternatives) {
    const choices = cost === undefined ? [] : groupChoices(alt)
    const best = longestLiteral(alt)
    if (best !== null && best.length >= 3) choices.push([best])
    for (const run of cost === undefined ? [] : (literalRuns(alt) ?? []))
      if (run.length >= 3 && run !== best) choices.push([run])
    if (choices.length === 0) return null
    let pick = choices[0] as string[]
    if (cost !== undefined) {
      const shortest = (c: readonly string[]) => Math.min(...c.map((w) => w.length))
      let pickCost = Number.POSITIVE_INFINITY
      for (const c of choices) {
        const k = cost(c)
        if (k < pickCost || (k === pickCost && shortest(c) > shortest(pick))) {
          pick = c
          pickCost = k
        }
      }
    }
    anchors.push(...pick)
  }
  return anchors
}

/**
 * Groups at depth 0 that must match (not optional, not lookaround) and whose every branch has a
 * literal of 3 or more characters: each gives a choice of anchors.
 */
function groupChoices(alt: string): string[][] {
  const out: string[][] = []
  let inClass = false
  for (let i = 0; i < alt.length; i++) {
    const c = alt[i]
    if (c === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') {
      inClass = true
      continue
    }
    if (c !== '(') continue
    const close = matchingParen(alt, i)
    if (close === -1) return out
    let body = alt.slice(i + 1, close)
    const next = alt[close + 1]
    const optional =
      next === '?' || next === '*' || (next === '{' && /^\{0[,}]/.test(alt.slice(close + 1)))
    const lookaround = /^\?(?:[=!]|<[=!])/.test(body)
    if (body.startsWith('?:')) body = body.slice(2)
    else if (/^\?<[A-Za-z_]\w*>/.test(body)) body = body.slice(body.indexOf('>') + 1)
    if (!optional && !lookaround && !body.startsWith('?')) {
      const branches = splitTopLevel(body)
      const words = branches?.map((b) => longestLiteral(b))
      if (words && words.every((w): w is string => w !== null && w.length >= 3)) out.push(words)
    }
    i = close
  }
  return out
}

/** Index of the `)` closing the group opened at `open`, or -1. */
function matchingParen(s: string, open: number): number {
  let depth = 0
  let inClass = false
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

/** Splits on `|` outside groups and classes; null if the source is too irregular to read. */
function splitTopLevel(source: string): string[] | null {
  const parts: string[] = []
  let depth = 0
  let inClass = false
  let start = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) {
      parts.push(source.slice(start, i))
      start = i + 1
    }
    if (depth < 0) return null
  }
  parts.push(source.slice(start))
  return depth === 0 ? parts : null
}

const isQuantifier = (c: string | undefined) => c === '?' || c === '*' || c === '+' || c === '{'

/**
 * The longest run of plain characters at group depth 0 of one alternative (escaped punctuation
 * counts as literal), lower-cased. A character followed by `?`, `*` or `{0` is optional and ends
 * the run without being part of it.
 */
function longestLiteral(alt: string): string | null {
  let best = ''
  for (const run of literalRuns(alt) ?? []) if (run.length > best.length) best = run
  return best.length > 0 ? best : null
}

/** Every run of plain characters at group depth 0 (see longestLiteral); null if unreadable. */
function literalRuns(alt: string): string[] | null {
  const runs: string[] = []
  let run = ''
  let depth = 0
  let inClass = false
  const flush = () => {
    if (run.length > 0) runs.push(run)
    run = ''
  }
  for (let i = 0; i < alt.length; i++) {
    const c = alt[i] as string
    if (inClass) {
      if (c === '\\') i++
      else if (c === ']') inClass = false
      continue
    }
    if (c === '[') {
      flush()
      inClass = true
      continue
    }
    if (c === '(') {
      flush()
      depth++
      continue
    }
    if (c === ')') {
      depth--
      // A quantified group may repeat zero times; it adds nothing and breaks the run.
      flush()
      continue
    }
    if (depth > 0) {
      if (c === '\\') i++
      continue
    }
    if (c === '{') {
      // A counted quantifier: its digits are not text.
      flush()
      const close = alt.indexOf('}', i)
      if (close === -1) return null
      i = close
      continue
    }
    let literal: string | null = null
    if (c === '\\') {
      const n = alt[i + 1]
      i++
      if (n !== undefined && /[^A-Za-z0-9]/.test(n)) literal = n
      else {
        i = skipEscapeBody(alt, i)
        flush()
        continue
      }
    } else if (!'.^$?*+}|'.includes(c)) {
      literal = c
    }
    const next = alt[i + 1]
    if (literal === null) {
      flush()
      continue
    }
    if (isQuantifier(next)) {
      // `x+` still needs one x; `x?`, `x*` and `x{0,…}` do not.
      if (next === '+') run += literal.toLowerCase()
      flush()
      continue
    }
    run += literal.toLowerCase()
  }
  flush()
  return runs
}

/** Skips what follows an escape letter (`\\x41`, `\\u00e9`, `\\u{1F600}`, `\\p{L}`, `\\k<name>`, `\\cA`). */
function skipEscapeBody(alt: string, at: number): number {
  const letter = alt[at]
  const rest = alt.slice(at + 1)
  if (letter === 'x') return at + (/^[0-9a-fA-F]{2}/.test(rest) ? 2 : 0)
  if (letter === 'u') {
    const braced = /^\{[0-9a-fA-F]{1,6}\}/.exec(rest)
    if (braced) return at + braced[0].length
    return at + (/^[0-9a-fA-F]{4}/.test(rest) ? 4 : 0)
  }
  if (letter === 'p' || letter === 'P') {
    const m = /^\{[^}]{1,40}\}/.exec(rest)
    return at + (m ? m[0].length : 0)
  }
  if (letter === 'k') {
    const m = /^<[^>]{1,40}>/.exec(rest)
    return at + (m ? m[0].length : 0)
  }
  if (letter === 'c') return at + 1
  if (letter !== undefined && /[0-9]/.test(letter)) {
    const m = /^[0-9]*/.exec(rest)
    return at + (m ? m[0].length : 0)
  }
  return at
}
