import type { Entry } from '../kb/entry.schema.ts'
import type { KnowledgeBase } from '../kb/kb.ts'
import type { Category, Severity } from '../kb/taxonomy.ts'
import { CONTEXT_FLAGS, type DiagnosisContext, extractContext } from './context.ts'
import { CATEGORY_HINTS, SCHEMA_MISSING, STATUS_CATEGORIES } from './hints.ts'
import { type CodeHit, type PatternHit, type ScanResult, TextScanner } from './matcher.ts'
import { unwrap } from './unwrap.ts'

/** How the entry was recognised, strongest first. */
export type MatchedBy = 'code+http_status' | 'code' | 'pattern' | 'fulltext' | 'none'

export interface Alternative {
  readonly slug: string
  readonly title: string
  readonly category: Category
  readonly confidence: number
  readonly matchedBy: MatchedBy
}

/** The result for one raw error text. `slug` and `code` are null when no entry fits. */
export interface Diagnosis {
  readonly slug: string | null
  readonly code: string | null
  readonly title: string | null
  readonly category: Category | 'unknown'
  readonly severity: Severity | null
  readonly confidence: number
  readonly matchedBy: MatchedBy
  /** One sentence on why this entry was chosen (or why none was). */
  readonly why: string
  readonly context: DiagnosisContext
  readonly alternatives: readonly Alternative[]
  /** The entry's fix steps with placeholders filled from the context. */
  readonly fixes: readonly string[]
}

interface Candidate {
  readonly entry: Entry
  readonly matchedBy: MatchedBy
  readonly confidence: number
  readonly why: string
}

/**
 * Tokens that look like error codes, known to the reference or not, for the context: the service's
 * own prefixes, M error families, CamelCase names ending in Error/Exception/Failure
 * (LivyHttpRequestFailure) and Spark's bracketed error classes ([TABLE_OR_VIEW_NOT_FOUND]).
 */
const CODE_LIKE =
  /\b(?:DM_GWPipeline_\w{3,80}|DMTS_\w{3,80}|ModelRefresh\w{0,80}|AADSTS\d{4,7}|0x[0-9A-Fa-f]{8}|PowerBI\w{3,60}Exception|PowerBI(?!ErrorCode\b)\w{3,60}|[A-Z][A-Za-z]{2,30}\.(?:Error|Firewall)|[A-Z][a-z]+[A-Z]\w{3,60}(?:Error|Exception|Failure))\b/g
/** Spark's error classes: a regex of their own, which starts with a literal and so skips text fast. */
const BRACKETED_CLASS = /\[([A-Z][A-Z0-9]{1,30}(?:_[A-Z0-9]{1,30}){1,8})\]/g

/** Words that point to a category when nothing in the reference matches (last resort). */
const CODE_KEYS = new Set(['code', 'errorCode', 'error', 'cdsErrorCode'])
const CODE_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.]{1,79}[A-Za-z0-9_]$/
const STATED_CODE =
  /\b(?:(?:PowerBI)?Error ?Code|error_code|resultCode)["':= ]{1,4}([A-Za-z0-9][A-Za-z0-9_.]{1,79}[A-Za-z0-9_])/gi
/** Literals STATED_CODE cannot match without: the scanner looks for them in its one pass. */
const STATED_FLAGS = ['error code', 'errorcode', 'error_code', 'resultcode']

/**
 * Pushes group `group` of every match of the global `re` onto `out`. An exec loop rather than
 * `matchAll`, which copies the regex and builds an iterator on each of the many calls.
 */
function allMatches(re: RegExp, text: string, group: number, out: string[]): void {
  re.lastIndex = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const value = m[group]
    if (value) out.push(value)
    if (m[0].length === 0) re.lastIndex++
  }
  re.lastIndex = 0
}

const TYPOGRAPHIC = /[\u2018\u2019\u201c\u201d\u00a0\u202f]/g
const PLAIN: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u00a0': ' ',
  '\u202f': ' ',
}
const plain = (c: string) => PLAIN[c] ?? c

/** `Expression.Error`-style names are families of errors, not one error's code. */
const FAMILY = /\.(?:Error|Firewall)$/

/** The first code of the context that names one error, not a family. */
const firstErrorCode = (ctx: DiagnosisContext) => ctx.codes.find((c) => !FAMILY.test(c))

const PLACEHOLDER_FALLBACK: Record<string, string> = {
  server: 'the server',
  database: 'the database',
  url: 'the URL',
  path: 'the file',
  gateway: 'the gateway',
  table: 'the table',
  column: 'the column',
  query: 'the query',
  tenantId: 'your tenant',
  appId: 'the app registration',
  user: 'the account',
  dataSourceKind: 'the data source',
}

/**
 * Whether a placeholder sits inside a command or expression ("Test-NetConnection {server} -Port",
 * 'Sql.Database("{server}"', "DESCRIBE {table}"), where a phrase like "the server" would read as
 * part of the command: there a missing value stays a visible <server> to fill in.
 */
const CODE_BEFORE =
  /(?:["'(/[\\=:@]|(?:^|\s)(?:[A-Z][a-z]+-[A-Z][A-Za-z]+|[A-Z]{2,}|-{1,2}[A-Za-z]+|nslookup|ping|tnsping|telnet|curl) )$/
const CODE_AFTER = /^(?:["')\]/\\*@]|[:.]\w| -[A-Za-z])/
const inCode = (before: string, after: string) => CODE_BEFORE.test(before) || CODE_AFTER.test(after)

/**
 * Network tools take a host name: "Test-NetConnection sql01\\finance" or "nslookup tcp:sql01,1433"
 * fail, so before them a SQL-style server value loses its protocol, instance and port.
 */
const NETWORK_TOOL = /(?:Test-NetConnection|nslookup|ping|tnsping|telnet|Resolve-DnsName) $/
const hostOf = (server: string) => server.replace(/^tcp:/i, '').split(/[\\,]/)[0] ?? server

/**
 * Each entry's fix steps split once at their placeholders (literal, key, literal, …, literal),
 * keyed by the steps array itself: a replace with a callback, or even a scan of every step for
 * "{", on each diagnosis cost as much as the context extraction.
 */
const templates = new WeakMap<readonly string[], readonly (readonly string[])[]>()

/** Fills `{server}`-style placeholders in fix steps from the context, or a neutral phrase. */
export function personalise(steps: readonly string[], ctx: DiagnosisContext): string[] {
  let split = templates.get(steps)
  if (split === undefined) {
    split = steps.map((s) => s.split(/\{(\w{2,20})\}/))
    templates.set(steps, split)
  }
  const values = ctx as unknown as Record<string, unknown>
  return split.map((parts, n) => {
    if (parts.length === 1) return steps[n] ?? ''
    let out = parts[0] ?? ''
    for (let i = 1; i < parts.length; i += 2) {
      const key = parts[i] ?? ''
      const value = values[key]
      out +=
        typeof value === 'string' && value.length > 0
          ? key === 'server' && NETWORK_TOOL.test(parts[i - 1] ?? '')
            ? hostOf(value)
            : value
          : PLACEHOLDER_FALLBACK[key] === undefined
            ? `{${key}}`
            : inCode(parts[i - 1] ?? '', parts[i + 1] ?? '')
              ? `<${key}>`
              : PLACEHOLDER_FALLBACK[key]
      out += parts[i + 1] ?? ''
    }
    return out
  })
}

const round = (n: number) => Math.round(n * 100) / 100

/** Adds a candidate unless its entry is already ranked (an earlier, stronger reason wins). */
function addCandidate(out: Candidate[], c: Candidate): void {
  for (const o of out) if (o.entry === c.entry) return
  out.push(c)
}

/** Recognises raw Power BI failure texts against the error reference. Build once, call often. */
export class Diagnoser {
  private readonly scanner: TextScanner
  /** Each entry's codes in lower case, built once rather than on every diagnosis. */
  private readonly entryCodes = new Map<Entry, ReadonlySet<string>>()

  constructor(private readonly kb: KnowledgeBase) {
    this.scanner = new TextScanner(kb, [...CONTEXT_FLAGS, ...STATED_FLAGS])
    for (const entry of kb.entries) {
      this.entryCodes.set(
        entry,
        new Set([...entry.codes, ...entry.match.codes].map((c) => c.toLowerCase())),
      )
    }
  }

  private codesOf(entry: Entry): ReadonlySet<string> {
    return this.entryCodes.get(entry) ?? new Set()
  }

  diagnose(input: unknown): Diagnosis {
    const text = typeof input === 'string' ? input : ''
    const unwrapped = unwrap(text)
    // The raw text, then every string decoded from its JSON. When the whole input is one JSON
    // document its decoded strings alone say everything (keys and punctuation add nothing).
    const decoded = unwrapped.leaves.map((l) => l.value).join('\n')
    const joined = unwrapped.whole
      ? decoded
      : unwrapped.leaves.length > 0
        ? `${text}\n${decoded}`
        : text
    // Word processors and web pages make quotes typographic ("didn’t", “Details”) and spaces
    // non-breaking (French "Détails :" above all); the reference's wordings use plain ones.
    const haystack = joined.replace(TYPOGRAPHIC, plain)
    const scan = this.scanner.scan(haystack)
    const known = scan.codes
    const allCodes = known.map((k) => k.code)
    const allKeys = new Set(allCodes.map((c) => c.toLowerCase()))
    // Codes the service states as such: JSON `code`/`errorCode` values and "Error Code: X" text,
    // then anything shaped like a code, for the context (known codes came first, outer to inner).
    const stated: string[] = []
    for (const leaf of unwrapped.leaves) {
      if (leaf.key !== null && CODE_KEYS.has(leaf.key) && CODE_VALUE.test(leaf.value))
        stated.push(leaf.value)
    }
    if (STATED_FLAGS.some((f) => scan.flags.has(f))) allMatches(STATED_CODE, haystack, 1, stated)
    allMatches(CODE_LIKE, haystack, 0, stated)
    allMatches(BRACKETED_CLASS, haystack, 1, stated)
    for (const c of stated) {
      if (allCodes.length >= 50) break
      const key = c.toLowerCase()
      if (!allKeys.has(key)) {
        allKeys.add(key)
        allCodes.push(c)
      }
    }
    const ctx = extractContext(haystack, unwrapped, allCodes, scan.flags)
    // A source kind such as PowerBIRESTAPI looks like a code but names the connector.
    const kind = ctx.dataSourceKind?.toLowerCase()
    const kindAt = kind === undefined ? -1 : allCodes.findIndex((c) => c.toLowerCase() === kind)
    if (kindAt >= 0) allCodes.splice(kindAt, 1)
    const hits = scan.patterns

    const candidates = this.rank(known, hits, ctx)
    const best = candidates[0]
    const alternatives = candidates.slice(1)
    if (!best) return this.fallback(haystack, ctx, scan)

    const entryCodes = this.codesOf(best.entry)
    const own = known.find((k) => entryCodes.has(k.code.toLowerCase()))
    const wrapper = known.findLast((k) => k.entry.match.wrapper && k.entry !== best.entry)
    if (wrapper && !own) ctx.wrapper = wrapper.code
    return {
      slug: best.entry.slug,
      // A code the reference does not list is still the error's code (AADSTS70001 matched by wording).
      code: own?.code ?? wrapper?.code ?? known[0]?.code ?? firstErrorCode(ctx) ?? null,
      title: best.entry.title,
      category: best.entry.category,
      severity: best.entry.severity,
      confidence: best.confidence,
      matchedBy: best.matchedBy,
      why: best.why,
      context: ctx,
      alternatives: alternatives.slice(0, 3).map((c) => ({
        slug: c.entry.slug,
        title: c.entry.title,
        category: c.entry.category,
        confidence: c.confidence,
        matchedBy: c.matchedBy,
      })),
      fixes: personalise(best.entry.fixes, ctx),
    }
  }

  /**
   * Orders candidate entries: an exact code (with its HTTP status, stronger) beats a message
   * pattern. Generic wrapper codes yield to any specific match. A bare HTTP status names no
   * entry (a 403 has many causes); the fallback uses it only to guess the category.
   */
  private rank(
    known: readonly CodeHit[],
    hits: readonly PatternHit[],
    ctx: DiagnosisContext,
  ): Candidate[] {
    const out: Candidate[] = []
    const status = ctx.httpStatus
    // Of several specific codes the innermost (last written) wins, as for wrappers: an HTTP
    // reason like "TooManyRequests" comes before the body's own code.
    const specificCodes = known.filter((k) => !k.entry.match.wrapper).reverse()
    const specificHits = [...hits]
      .filter((h) => !h.entry.match.wrapper)
      .sort((a, b) => b.length - a.length || a.index - b.index)

    for (const k of specificCodes) {
      const withStatus = status !== undefined && k.entry.match.httpStatus.includes(status)
      addCandidate(out, {
        entry: k.entry,
        matchedBy: withStatus ? 'code+http_status' : 'code',
        confidence: withStatus ? 0.99 : 0.97,
        why: `The text carries the code ${k.code}${withStatus ? ` with HTTP ${status}` : ''}.`,
      })
    }
    const distinctHitEntries = new Set(specificHits.map((h) => h.entry)).size
    for (const h of specificHits) {
      const wrapped = known.find((k) => k.entry.match.wrapper)
      addCandidate(out, {
        entry: h.entry,
        matchedBy: 'pattern',
        confidence: round(
          Math.min(0.93, 0.78 + h.length / 400) - (distinctHitEntries > 1 ? 0.05 : 0),
        ),
        why: wrapped
          ? `The message inside the wrapper ${wrapped.code} matches this entry's known wording.`
          : "The message matches this entry's known wording.",
      })
    }
    // Of several wrapper codes the innermost (last written) is the closest to the cause.
    for (const k of known.filter((x) => x.entry.match.wrapper).reverse()) {
      addCandidate(out, {
        entry: k.entry,
        matchedBy: 'code',
        confidence: 0.8,
        why: `The text carries the generic code ${k.code} and no more specific inner message was recognised.`,
      })
    }
    // Wrapper wordings, innermost (latest in the text) first, as for wrapper codes.
    const wrapperHits = hits
      .filter((x) => x.entry.match.wrapper)
      .sort((a, b) => b.index - a.index || b.length - a.length)
    for (const h of wrapperHits) {
      addCandidate(out, {
        entry: h.entry,
        matchedBy: 'pattern',
        confidence: 0.65,
        why: "The message matches this wrapper entry's wording.",
      })
    }
    return out
  }

  /** Nothing specific matched: rank by full-text similarity, and admit it when that is weak. */
  private fallback(haystack: string, ctx: DiagnosisContext, scan: ScanResult): Diagnosis {
    const sample = haystack.slice(0, 2000).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, ' ')
    const hits = this.kb.search(sample, 5)
    const top = hits[0]
    const second = hits[1]
    const margin = top && second ? top.score / second.score : 2
    const alternatives = hits.map((h) => ({
      slug: h.entry.slug,
      title: h.entry.title,
      category: h.entry.category,
      confidence: round(Math.min(0.45, h.score / 60)),
      matchedBy: 'fulltext' as const,
    }))
    if (top && top.score >= FULLTEXT_MIN_SCORE && margin >= FULLTEXT_MIN_MARGIN) {
      return {
        slug: top.entry.slug,
        // The entry is a guess, but a code the text states is still the error's code.
        code: firstErrorCode(ctx) ?? null,
        title: top.entry.title,
        category: top.entry.category,
        severity: top.entry.severity,
        confidence: round(Math.min(0.5, 0.2 + top.score / 100)),
        matchedBy: 'fulltext',
        why: 'No code or known wording was found; this entry shares the most distinctive words with the text.',
        context: ctx,
        alternatives: alternatives.slice(1, 4),
        fixes: personalise(top.entry.fixes, ctx),
      }
    }
    const hint =
      CATEGORY_HINTS.find(
        ([category]) =>
          scan.hints.has(category) && (category !== 'schema' || SCHEMA_MISSING.test(sample)),
      )?.[0] ?? (ctx.httpStatus === undefined ? undefined : STATUS_CATEGORIES[ctx.httpStatus])
    return {
      slug: null,
      code: null,
      title: null,
      category: hint ?? top?.entry.category ?? 'unknown',
      severity: null,
      confidence: top || hint ? 0.15 : 0.05,
      matchedBy: 'none',
      why: 'No entry of the error reference matches this text; the category is a best guess from its words.',
      context: ctx,
      alternatives: alternatives.slice(0, 3),
      fixes: [],
    }
  }
}

/** Full-text answers below these are reported as unknown rather than guessed (tuned on the corpus). */
const FULLTEXT_MIN_SCORE = 30
const FULLTEXT_MIN_MARGIN = 1.5
