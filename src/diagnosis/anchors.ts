/**
 * Finds literal words a regular expression cannot match without, so the matcher runs a pattern
 * only when one of its anchors occurs in the text. Conservative: when unsure it returns null and
 * the pattern is always run.
 *
 * Without `cost`, each top-level alternative is anchored on its longest literal run. With it, on
 * its cheapest choice (see anchorChoices): `cost` estimates how often a set of words occurs in
 * error texts, so a common word such as "refresh" gives way to a rarer one.
 */
export function requiredLiterals(
  source: string,
  cost?: (words: readonly string[]) => number,
): string[] | null {
  if (cost === undefined) {
    const alternatives = splitTopLevel(source)
    if (alternatives === null) return null
    const longest = alternatives.map(longestLiteral)
    return longest.every((w): w is string => w !== null && w.length >= 3) ? longest : null
  }
  const choices = anchorChoices(source)
  if (choices === null || choices.some((c) => c.length === 0)) return null
  return choices.flatMap((alternative) => cheapest(alternative, cost))
}

/**
 * For each top-level alternative, the ways to anchor it: a literal run outside groups, or a
 * required group whose every branch has a literal (any of them will do). Null if unreadable.
 */
export function anchorChoices(source: string): string[][][] | null {
  return (
    splitTopLevel(source)?.map((alt) => [
      ...groupChoices(alt),
      ...(literalRuns(alt) ?? []).filter((run) => run.length >= 3).map((run) => [run]),
    ]) ?? null
  )
}

/** The choice of least cost; of equal costs, the one whose shortest word is longest. */
function cheapest(
  choices: readonly string[][],
  cost: (words: readonly string[]) => number,
): string[] {
  const shortest = (c: readonly string[]) => Math.min(...c.map((w) => w.length))
  let pick = choices[0] as string[]
  let pickCost = Number.POSITIVE_INFINITY
  for (const c of choices) {
    const k = cost(c)
    if (k < pickCost || (k === pickCost && shortest(c) > shortest(pick))) {
      pick = c
      pickCost = k
    }
  }
  return pick
}

/**
 * Calls `visit` with each `(`, `)` and `|` of a regular expression from `from` on, skipping
 * escapes and character classes; stops when `visit` returns true.
 */
function walkStructure(
  source: string,
  from: number,
  visit: (c: string, i: number) => boolean | undefined,
): void {
  let inClass = false
  for (let i = from; i < source.length; i++) {
    const c = source[i] as string
    if (c === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') inClass = true
    else if ((c === '(' || c === ')' || c === '|') && visit(c, i) === true) return
  }
}

/**
 * Groups at depth 0 that must match (not optional, not lookaround) and whose every branch has a
 * literal of 3 or more characters: each gives a choice of anchors.
 */
function groupChoices(alt: string): string[][] {
  const out: string[][] = []
  let depth = 0
  walkStructure(alt, 0, (c, open) => {
    if (c === ')') depth--
    if (c !== '(' || depth++ > 0) return false
    const close = matchingParen(alt, open)
    if (close === -1) return true
    let body = alt.slice(open + 1, close)
    const next = alt[close + 1]
    const optional =
      next === '?' || next === '*' || (next === '{' && /^\{0[,}]/.test(alt.slice(close + 1)))
    const lookaround = /^\?(?:[=!]|<[=!])/.test(body)
    if (body.startsWith('?:')) body = body.slice(2)
    else if (/^\?<[A-Za-z_]\w*>/.test(body)) body = body.slice(body.indexOf('>') + 1)
    if (!optional && !lookaround && !body.startsWith('?')) {
      const words = splitTopLevel(body)?.map(longestLiteral)
      if (words?.every((w): w is string => w !== null && w.length >= 3)) out.push(words)
    }
    return false
  })
  return out
}

/** Index of the `)` closing the group opened at `open`, or -1. */
function matchingParen(s: string, open: number): number {
  let depth = 0
  let close = -1
  walkStructure(s, open, (c, i) => {
    if (c === '(') depth++
    else if (c === ')' && --depth === 0) {
      close = i
      return true
    }
    return false
  })
  return close
}

/** Splits on `|` outside groups and classes; null if the source is too irregular to read. */
function splitTopLevel(source: string): string[] | null {
  const parts: string[] = []
  let depth = 0
  let start = 0
  walkStructure(source, 0, (c, i) => {
    if (c === '(') depth++
    else if (c === ')') depth--
    else if (depth === 0) {
      parts.push(source.slice(start, i))
      start = i + 1
    }
    return depth < 0
  })
  if (depth !== 0) return null
  parts.push(source.slice(start))
  return parts
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
