/**
 * The small OData subset Power BI's list endpoints take (contract §3.1, §3.2): `$top`, `$skip`,
 * `$expand`, and `$filter` clauses such as `contains(name,'sales') or name eq 'Finance'`,
 * `tolower(name) eq 'finance'`, `state eq 'Active'`, `isOnDedicatedCapacity eq true`.
 */

type Predicate = (item: Readonly<Record<string, unknown>>) => boolean

const CLAUSE =
  /^\s*(?:(contains|startswith|endswith)\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)|(tolower\(\s*(\w+)\s*\)|\w+)\s+(eq|ne)\s+('(?:[^']|'')*'|true|false|\d+))\s*$/i

function field(item: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = Object.keys(item).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : item[key]
}

const unquote = (s: string) => s.slice(1, -1).replace(/''/g, "'")

function clause(text: string): Predicate | undefined {
  const m = CLAUSE.exec(text)
  if (!m) return undefined
  const [, fn, fnField = '', fnValue = '', left = '', lowerField, op, literal = ''] = m
  if (fn) {
    const needle = fnValue.replace(/''/g, "'").toLowerCase()
    const kind = fn.toLowerCase()
    return (item) => {
      const raw = field(item, fnField)
      const value = (typeof raw === 'string' ? raw : '').toLowerCase()
      return kind === 'contains'
        ? value.includes(needle)
        : kind === 'startswith'
          ? value.startsWith(needle)
          : value.endsWith(needle)
    }
  }
  const name = lowerField ?? left
  const lower = lowerField !== undefined
  const expected: unknown = literal.startsWith("'")
    ? unquote(literal)
    : literal === 'true'
      ? true
      : literal === 'false'
        ? false
        : Number(literal)
  return (item) => {
    let value = field(item, name)
    if (lower && typeof value === 'string') value = value.toLowerCase()
    const equal = value === expected
    return op?.toLowerCase() === 'eq' ? equal : !equal
  }
}

/** Splits on a keyword outside quoted strings. */
function splitOutsideQuotes(text: string, keyword: 'and' | 'or'): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  const re = new RegExp(`^\\s+${keyword}\\s+`, 'i')
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')') depth--
    else if (!quoted && depth === 0 && /\s/.test(ch ?? '')) {
      const m = re.exec(text.slice(i))
      if (m) {
        parts.push(text.slice(start, i))
        i += m[0].length - 1
        start = i + 1
      }
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** Compiles a `$filter`; returns an error text for anything outside the supported subset. */
export function compileFilter(text: string | undefined): Predicate | { error: string } {
  if (text === undefined || text.trim() === '') return () => true
  const anyOf: Predicate[][] = []
  for (const orPart of splitOutsideQuotes(text, 'or')) {
    const allOf: Predicate[] = []
    for (const andPart of splitOutsideQuotes(orPart, 'and')) {
      const p = clause(andPart)
      if (!p) return { error: `The $filter clause "${andPart.trim()}" is not supported` }
      allOf.push(p)
    }
    anyOf.push(allOf)
  }
  return (item) => anyOf.some((all) => all.every((p) => p(item)))
}

/** Parses `$top`/`$skip`; `undefined` when absent, an error text when not a whole number in range. */
export function intParam(
  value: unknown,
  name: string,
  min: number,
  max: number,
): number | undefined | { error: string } {
  if (value === undefined) return undefined
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < min || n > max)
    return { error: `${name} must be a whole number from ${String(min)} to ${String(max)}` }
  return n
}

export interface Paging {
  readonly top: number | undefined
  readonly skip: number
  readonly filter: Predicate
}

/** Reads `$top`, `$skip` and `$filter`; `$top` may be required (admin routes, contract §3.2). */
export function readPaging(
  get: (name: string) => string | undefined,
  options: { readonly topRequired: boolean; readonly maxTop: number },
): Paging | { error: string } {
  const rawTop = get('$top')
  if (rawTop === undefined && options.topRequired) return { error: '$top is required' }
  const top = intParam(rawTop, '$top', 1, options.maxTop)
  if (typeof top === 'object') return top
  const skip = intParam(get('$skip'), '$skip', 0, 10_000_000)
  if (typeof skip === 'object') return skip
  const filter = compileFilter(get('$filter'))
  if (typeof filter !== 'function') return filter
  return { top, skip: skip ?? 0, filter }
}

/** Applies `$skip`/`$top` after filtering. */
export const page = <T>(items: readonly T[], p: Paging): T[] =>
  items.slice(p.skip, p.top === undefined ? undefined : p.skip + p.top)
