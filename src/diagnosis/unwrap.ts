/**
 * Unwraps the shapes failure texts arrive in: JSON bodies, JSON inside JSON strings (escaped once or
 * several times), JSON quoted CSV-style (`""`), JSON embedded in .NET exception text. Everything is
 * linear in the input: one bracket scan per text variant, bounded depth and node counts.
 */

const MAX_DEPTH = 32
const MAX_NODES = 20_000
const MAX_SEGMENTS = 64
/** JSON whose quotes were doubled for CSV (refresh history exported to a spreadsheet). */
const CSV_QUOTED = /[{[,:]\s{0,3}""[^"]/

/** A string found in the input, with the JSON key it was under (null for free text). */
export interface Leaf {
  readonly key: string | null
  readonly value: string
  /** `pbi.error` detail name (e.g. DM_ErrorDetailNameCode_UnderlyingErrorMessage, Server). */
  readonly detail: string | undefined
}

export interface Unwrapped {
  /** Strings in document order, outer before inner. */
  readonly leaves: readonly Leaf[]
  /** Numbers under `error_codes` (Entra) and `status`/`statusCode` keys. */
  readonly numbers: readonly { key: string; value: number }[]
  /** Whether any JSON was found. */
  readonly json: boolean
  /** Whether the whole input is one JSON document (its strings then say everything it says). */
  readonly whole: boolean
}

const STRUCTURAL = /[{}[\]"\\]/g

/**
 * Top-level `{…}`/`[…]` spans of `text`, in one pass that jumps from one structural character to
 * the next (the regex engine skips plain text far faster than a loop). Strings are tracked only
 * inside spans, so quotes in free text do not confuse it.
 */
export function jsonSpans(text: string): [number, number][] {
  const spans: [number, number][] = []
  if (text.indexOf('{') === -1 && text.indexOf('[') === -1) return spans
  let depth = 0
  let start = -1
  let inString = false
  const re = new RegExp(STRUCTURAL)
  for (let m = re.exec(text); m !== null && spans.length < MAX_SEGMENTS; m = re.exec(text)) {
    const c = m[0]
    const i = m.index
    if (inString) {
      if (c === '\\') re.lastIndex = i + 2
      else if (c === '"') inString = false
      continue
    }
    if (c === '{' || c === '[') {
      if (depth === 0) start = i
      depth++
    } else if (c === '}' || c === ']') {
      if (depth > 0) {
        depth--
        if (depth === 0) spans.push([start, i + 1])
      }
    } else if (c === '"' && depth > 0) {
      inString = true
    }
  }
  return spans
}

function tryParse(text: string): unknown {
  // Bracketed log text that is not JSON makes JSON.parse throw; without a stack trace to capture,
  // the throw costs a fraction as much, and nothing reads it.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Includes RangeError from pathological nesting: such text is treated as free text.
    return undefined
  } finally {
    Error.stackTraceLimit = limit
  }
}

/**
 * Whether the span at `from` can start a JSON document: `{"`, `{}`, `[` then a value. Skips the
 * `{0}` placeholders and `[error]` tags of log text, whose failed parses would cost more than the rest.
 */
function plausibleJson(text: string, from: number): boolean {
  let i = from + 1
  while (
    i < text.length &&
    (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')
  )
    i++
  const c = text[i]
  if (text[from] === '{') return c === '"' || c === '}'
  return c !== undefined && '{["-0123456789tfn]'.includes(c)
}

const looksLikeJson = (s: string) => {
  const t = s.trimStart()
  return t.startsWith('{') || t.startsWith('[')
}

export function unwrap(input: string): Unwrapped {
  // Most error texts hold no JSON at all; without a bracket there is nothing to unwrap.
  if (input.indexOf('{') === -1 && input.indexOf('[') === -1) {
    return { leaves: [], numbers: [], json: false, whole: false }
  }
  const u = new Unwrapper()
  const whole = u.scanText(input, 0)
  // JSON that was escaped into free text (`{\"error\":…}`) or quoted for CSV (`{""error"":…}`).
  // Only when the text held no JSON as it stands: a JSON body's own escaped strings were already
  // unwrapped by the walk, and scanning a variant would read the whole text again.
  if (!whole && u.leaves.length === 0) {
    let variant = input
    for (let level = 1; level <= 3 && variant.includes('\\"'); level++) {
      variant = variant.replace(/\\(["\\])/g, '$1')
      u.scanText(variant, level)
    }
    if (CSV_QUOTED.test(input)) u.scanText(input.replace(/""/g, '"'), 1)
  }
  return { leaves: u.leaves, numbers: u.numbers, json: u.json, whole }
}

/** The state of one unwrap: methods rather than per-call closures, as this runs on every diagnosis. */
class Unwrapper {
  readonly leaves: Leaf[] = []
  readonly numbers: { key: string; value: number }[] = []
  json = false
  private nodes = 0
  private readonly seen = new Set<string>()

  walk(value: unknown, key: string | null, depth: number, detail?: string): void {
    if (++this.nodes > MAX_NODES || depth > MAX_DEPTH) return
    if (typeof value === 'string') {
      if (looksLikeJson(value) && this.scanText(value, depth + 1)) return
      // One object shape for every leaf keeps the property reads downstream monomorphic.
      this.leaves.push({ key, value, detail })
    } else if (typeof value === 'number') {
      if (key !== null) this.numbers.push({ key, value })
    } else if (Array.isArray(value)) {
      for (const item of value) this.walk(item, key, depth + 1, detail)
    } else if (value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>
      // pbi.error details: [{ code: "Server", detail: { type: 1, value: "x" } }]
      if (typeof obj.code === 'string' && obj.detail !== null && typeof obj.detail === 'object') {
        const inner = (obj.detail as Record<string, unknown>).value
        this.walk(inner, 'detail', depth + 1, obj.code)
        return
      }
      for (const k in obj) this.walk(obj[k], k, depth + 1, detail)
    }
  }

  /** Finds JSON in `text`, walks it; returns true when the whole text was one JSON document. */
  scanText(text: string, depth: number): boolean {
    if (depth > MAX_DEPTH || this.seen.has(text)) return false
    this.seen.add(text)
    const whole = looksLikeJson(text) ? tryParse(text.trim()) : undefined
    if (whole !== undefined && typeof whole === 'object') {
      this.json = true
      this.walk(whole, null, depth)
      return true
    }
    for (const [from, to] of jsonSpans(text)) {
      if (!plausibleJson(text, from)) continue
      const parsed = tryParse(text.slice(from, to))
      if (parsed !== undefined && typeof parsed === 'object') {
        this.json = true
        this.walk(parsed, null, depth)
      }
    }
    return false
  }
}
