/**
 * Finds literal words a regular expression cannot match without, so the matcher runs a pattern
 * only when one of its anchors occurs in the text. Conservative: when unsure it returns null and
 * the pattern is always run.
 */
export function requiredLiterals(source: string): string[] | null {
  const alternatives = splitTopLevel(source)
  if (alternatives === null) return null
  const anchors: string[] = []
  for (const alt of alternatives) {
    const best = longestLiteral(alt)
    if (best === null || best.length < 3) return null
    anchors.push(best)
  }
  return anchors
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
  let run = ''
  let depth = 0
  let inClass = false
  const flush = () => {
    if (run.length > best.length) best = run
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
  return best.length > 0 ? best : null
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
