import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import safeRegex from 'safe-regex2'
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml'
import type { ZodIssue } from 'zod'
import { type Entry, EntrySchema } from './entry.schema.ts'

/** One thing wrong with the content, located by file and field. */
export interface KbProblem {
  readonly file: string
  readonly field: string
  readonly message: string
}

export interface LoadResult {
  readonly entries: readonly Entry[]
  readonly problems: readonly KbProblem[]
}

const BUILT_IN_KB_DIR = path.resolve(import.meta.dirname, '../../kb/entries')

/** The content folder: VIGIL_KB_DIR when set (your own or extended reference), else the built-in one. */
export const kbDir = (): string => process.env.VIGIL_KB_DIR ?? BUILT_IN_KB_DIR

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/

async function listMarkdown(dir: string): Promise<string[]> {
  const found: string[] = []
  for (const dirent of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, dirent.name)
    if (dirent.isDirectory()) found.push(...(await listMarkdown(full)))
    else if (dirent.name.endsWith('.md')) found.push(full)
  }
  return found.sort()
}

function issuePath(issue: ZodIssue): string {
  return issue.path.length === 0 ? '(frontmatter)' : issue.path.join('.')
}

/** Parses one content file; returns the entry or the problems that prevent it. */
export function parseEntryFile(
  file: string,
  source: string,
): { entry?: Entry; problems: KbProblem[] } {
  const m = FRONTMATTER.exec(source)
  if (!m) {
    return {
      problems: [
        { file, field: '(file)', message: 'must start with YAML frontmatter between --- lines' },
      ],
    }
  }
  let data: unknown
  try {
    // js-yaml: several times faster than `yaml` on our ~250 files, which start-up and every CLI call read.
    data = loadYaml(m[1] ?? '', { schema: CORE_SCHEMA })
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err)
    return { problems: [{ file, field: '(frontmatter)', message: `is not valid YAML: ${reason}` }] }
  }
  const parsed = EntrySchema.safeParse(data)
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        file,
        field: issuePath(issue),
        message: issue.message,
      })),
    }
  }
  return { entry: { ...parsed.data, body: (m[2] ?? '').trim(), file }, problems: [] }
}

const normalise = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()

/** Rules that need every entry at once: uniqueness, references between entries, patterns. */
export function crossCheck(entries: readonly Entry[]): KbProblem[] {
  const problems: KbProblem[] = []
  const bySlug = new Map<string, Entry>()
  const codeOwner = new Map<string, Entry>()
  const textOwner = new Map<string, { entry: Entry; field: string }>()

  for (const e of entries) {
    const other = bySlug.get(e.slug)
    if (other)
      problems.push({
        file: e.file,
        field: 'slug',
        message: `"${e.slug}" is also the slug of ${other.file}`,
      })
    else bySlug.set(e.slug, e)

    const expectedName = `${e.slug}.md`
    if (path.basename(e.file) !== expectedName) {
      problems.push({ file: e.file, field: 'slug', message: `file must be named ${expectedName}` })
    }
    const folder = path.basename(path.dirname(e.file))
    if (folder !== e.platform) {
      problems.push({
        file: e.file,
        field: 'platform',
        message: `is "${e.platform}" but the file is in folder "${folder}"`,
      })
    }

    for (const code of new Set([...e.codes, ...e.match.codes].map((c) => c.toLowerCase()))) {
      const owner = codeOwner.get(code)
      if (owner && owner !== e) {
        problems.push({
          file: e.file,
          field: 'codes',
          message: `code "${code}" is also claimed by ${owner.file}`,
        })
      } else codeOwner.set(code, e)
    }
    if (e.codes.length > 0 && e.seenIn.length === 0) {
      problems.push({
        file: e.file,
        field: 'seenIn',
        message: 'must say where each code was seen (URL and note)',
      })
    }

    e.match.patterns.forEach((pattern, i) => {
      const field = `match.patterns.${i}`
      let re: RegExp
      try {
        re = new RegExp(pattern, 'i')
      } catch (err) {
        problems.push({
          file: e.file,
          field,
          message: `does not compile: ${(err as Error).message}`,
        })
        return
      }
      if (!safeRegex(re)) {
        problems.push({
          file: e.file,
          field,
          message: 'is not linear-time (nested or overlapping quantifiers)',
        })
      }
    })

    const texts: [string, string][] = [
      ...e.causes.map((c, i): [string, string] => [`causes.${i}`, c]),
      ...e.faq.map((f, i): [string, string] => [`faq.${i}.a`, f.a]),
    ]
    for (const [field, value] of texts) {
      const key = normalise(value)
      const owner = textOwner.get(key)
      if (owner && owner.entry !== e) {
        problems.push({
          file: e.file,
          field,
          message: `repeats ${owner.field} of ${owner.entry.file} word for word; write it for this error`,
        })
      } else textOwner.set(key, { entry: e, field })
    }
  }

  for (const e of entries) {
    e.related.forEach((slug, i) => {
      if (!bySlug.has(slug))
        problems.push({
          file: e.file,
          field: `related.${i}`,
          message: `no entry has slug "${slug}"`,
        })
      if (slug === e.slug)
        problems.push({
          file: e.file,
          field: `related.${i}`,
          message: 'an entry cannot relate to itself',
        })
    })
    const nodeIds = new Set((e.diagnosis ?? []).map((n) => n.id))
    e.diagnosis?.forEach((node, i) => {
      for (const branch of ['yes', 'no'] as const) {
        const [kind, ref = ''] = node[branch].split(':')
        const field = `diagnosis.${i}.${branch}`
        if (kind === 'node' && !nodeIds.has(ref))
          problems.push({ file: e.file, field, message: `no question has id "${ref}"` })
        if (kind === 'fix' && Number(ref) > e.fixes.length) {
          problems.push({
            file: e.file,
            field,
            message: `fix ${ref} does not exist (${e.fixes.length} fixes)`,
          })
        }
        if (kind === 'entry' && !bySlug.has(ref))
          problems.push({ file: e.file, field, message: `no entry has slug "${ref}"` })
      }
    })
  }
  return problems
}

/** Loads and validates every entry under `dir`; never throws for bad content. */
export async function loadKb(dir: string = kbDir()): Promise<LoadResult> {
  const root = path.resolve(dir, '../..')
  const entries: Entry[] = []
  const problems: KbProblem[] = []
  for (const full of await listMarkdown(dir)) {
    const file = path.relative(root, full)
    const result = parseEntryFile(file, await readFile(full, 'utf8'))
    problems.push(...result.problems)
    if (result.entry) entries.push(result.entry)
  }
  problems.push(...crossCheck(entries))
  return { entries, problems }
}

/** The one text every tool prints for content problems; pinned by a snapshot test. */
export function formatProblems(problems: readonly KbProblem[]): string {
  if (problems.length === 0) return 'The error reference is valid.'
  const byFile = new Map<string, KbProblem[]>()
  for (const p of problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p])
  const lines = [
    `The error reference has ${problems.length} problem${problems.length === 1 ? '' : 's'}:`,
  ]
  for (const [file, list] of byFile) {
    lines.push(`  ${file}`)
    for (const p of list) lines.push(`    - ${p.field}: ${p.message}`)
  }
  return lines.join('\n')
}
