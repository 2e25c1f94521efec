import { UserError } from '../shared/errors.ts'
import type { Entry } from './entry.schema.ts'
import { formatProblems, kbDir, loadKb } from './loader.ts'
import { type SearchHit, SearchIndex } from './search.ts'
import { type Category, type Platform, SEVERITY_RANK, type Severity } from './taxonomy.ts'

export interface EntryFilter {
  readonly category?: Category | undefined
  readonly severity?: Severity | undefined
  readonly platform?: Platform | undefined
  readonly q?: string | undefined
}

/** The loaded, validated error reference with its look-ups. Immutable once built. */
export class KnowledgeBase {
  readonly entries: readonly Entry[]
  private readonly bySlug = new Map<string, Entry>()
  private readonly byCode = new Map<string, Entry>()
  private readonly index: SearchIndex

  constructor(entries: readonly Entry[]) {
    this.entries = [...entries].sort(
      (a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title),
    )
    for (const e of this.entries) {
      this.bySlug.set(e.slug, e)
      for (const code of [...e.codes, ...e.match.codes]) this.byCode.set(code.toLowerCase(), e)
    }
    this.index = new SearchIndex(this.entries)
  }

  get(slug: string): Entry | undefined {
    return this.bySlug.get(slug)
  }

  /** The entry that claims `code` (case-insensitive). */
  byErrorCode(code: string): Entry | undefined {
    return this.byCode.get(code.toLowerCase())
  }

  /** Looks up a slug first, then a code; throws a UserError naming what was asked for. */
  resolve(slugOrCode: string): Entry {
    const entry = this.get(slugOrCode) ?? this.byErrorCode(slugOrCode)
    if (!entry) throw new UserError('ERR_KB_ENTRY_NOT_FOUND', { query: slugOrCode })
    return entry
  }

  /** All code strings known to the reference, lower-cased, for the matcher. */
  codeMap(): ReadonlyMap<string, Entry> {
    return this.byCode
  }

  search(query: string, limit?: number): SearchHit[] {
    return this.index.search(query, limit)
  }

  filter(f: EntryFilter): Entry[] {
    const base = f.q?.trim()
      ? this.search(f.q, this.entries.length).map((h) => h.entry)
      : this.entries
    return base.filter(
      (e) =>
        (!f.category || e.category === f.category) &&
        (!f.severity || e.severity === f.severity) &&
        (!f.platform || e.platform === f.platform),
    )
  }

  /** Explicit related entries first, then others of the same category (same platform first). */
  related(entry: Entry, limit = 8): Entry[] {
    const explicit = entry.related.flatMap((s) => this.get(s) ?? [])
    const sameCategory = this.entries
      .filter(
        (e) => e.category === entry.category && e !== entry && !entry.related.includes(e.slug),
      )
      .sort(
        (a, b) =>
          Number(b.platform === entry.platform) - Number(a.platform === entry.platform) ||
          SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
          a.title.localeCompare(b.title),
      )
    return [...explicit, ...sameCategory].slice(0, Math.max(limit, explicit.length))
  }
}

/** Loads the reference and refuses to start on invalid content, naming every problem. */
export async function openKb(dir: string = kbDir()): Promise<KnowledgeBase> {
  const { entries, problems } = await loadKb(dir)
  if (problems.length > 0)
    throw new UserError('ERR_KB_INVALID', { problems: formatProblems(problems) })
  return new KnowledgeBase(entries)
}
