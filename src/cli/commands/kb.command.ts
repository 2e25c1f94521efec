import type { Entry } from '../../kb/entry.schema.ts'
import { type KnowledgeBase, openKb } from '../../kb/kb.ts'
import { formatProblems, loadKb } from '../../kb/loader.ts'
import { CATEGORIES, PLATFORMS, SEVERITIES } from '../../kb/taxonomy.ts'
import { UserError } from '../../shared/errors.ts'
import { oneOf, parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil kb list [--json] [--category C] [--severity S] [--platform P]
  vigil kb show <slug-or-code> [--json]
  vigil kb search <words...> [--json] [--limit N]
  vigil kb check
  vigil kb export --out DIR`

/** The JSON shape of an entry for `kb list --json` and the API: the fixed fields, then the rest. */
export function entryJson(kb: KnowledgeBase, e: Entry) {
  return {
    slug: e.slug,
    title: e.title,
    codes: e.codes,
    platform: e.platform,
    category: e.category,
    severity: e.severity,
    summary: e.summary,
    details: e.body,
    causes: e.causes,
    fixes: e.fixes,
    faq: e.faq,
    related: kb.related(e).map((r) => r.slug),
    references: e.references,
    example: e.example,
    match: e.match,
    diagnosis: e.diagnosis ?? null,
    seenIn: e.seenIn,
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}

function showEntry(kb: KnowledgeBase, e: Entry): string {
  const lines = [
    e.title,
    `${e.severity.toUpperCase()} · ${e.category} · ${e.platform}${e.codes.length ? ` · codes: ${e.codes.join(', ')}` : ''}`,
    '',
    'What it means',
    `  ${e.summary}`,
    '',
    'Common causes',
    ...e.causes.map((c) => `  - ${c}`),
    '',
    'How to fix it',
    ...e.fixes.map((f, i) => `  ${i + 1}. ${f}`),
    '',
    'FAQ',
    ...e.faq.flatMap((f) => [`  Q: ${f.q}`, `  A: ${f.a}`]),
    '',
    `Related: ${kb
      .related(e)
      .map((r) => r.slug)
      .join(', ')}`,
    `References: ${e.references.join(' ')}`,
  ]
  return lines.join('\n') + '\n'
}

export async function kbCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'check': {
      const { entries, problems } = await loadKb()
      if (problems.length > 0) {
        io.stderr(formatProblems(problems) + '\n')
        return 1
      }
      io.stdout(`The error reference is valid: ${entries.length} entries.\n`)
      return 0
    }
    case 'list': {
      const { values } = parse(
        rest,
        {
          json: { type: 'boolean' },
          category: { type: 'string' },
          severity: { type: 'string' },
          platform: { type: 'string' },
        },
        USAGE,
      )
      const kb = await openKb()
      const entries = kb.filter({
        category: oneOf('category', values.category, CATEGORIES),
        severity: oneOf('severity', values.severity, SEVERITIES),
        platform: oneOf('platform', values.platform, PLATFORMS),
      })
      if (values.json)
        io.stdout(
          JSON.stringify(
            entries.map((e) => entryJson(kb, e)),
            null,
            2,
          ) + '\n',
        )
      else
        io.stdout(
          table([
            ['SLUG', 'SEVERITY', 'CATEGORY', 'TITLE'],
            ...entries.map((e) => [e.slug, e.severity, e.category, e.title]),
          ]),
        )
      return 0
    }
    case 'show': {
      const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, USAGE)
      const query = positionals.join(' ').trim()
      if (!query)
        throw new UserError('ERR_CLI_USAGE', {
          reason: 'kb show needs a slug or an error code',
          usage: USAGE,
        })
      const kb = await openKb()
      const entry = kb.resolve(query)
      io.stdout(
        values.json ? JSON.stringify(entryJson(kb, entry), null, 2) + '\n' : showEntry(kb, entry),
      )
      return 0
    }
    case 'search': {
      const { values, positionals } = parse(
        rest,
        { json: { type: 'boolean' }, limit: { type: 'string' } },
        USAGE,
      )
      const query = positionals.join(' ').trim()
      if (!query)
        throw new UserError('ERR_CLI_USAGE', {
          reason: 'kb search needs words to look for',
          usage: USAGE,
        })
      const limit = values.limit === undefined ? 10 : Number(values.limit)
      if (!Number.isInteger(limit) || limit < 1)
        throw new UserError('ERR_CLI_USAGE', { reason: '--limit must be a positive whole number' })
      const kb = await openKb()
      const hits = kb.search(query, limit)
      if (values.json) {
        io.stdout(
          JSON.stringify(
            hits.map((h) => ({
              slug: h.entry.slug,
              title: h.entry.title,
              category: h.entry.category,
              score: Number(h.score.toFixed(3)),
            })),
          ) + '\n',
        )
      } else if (hits.length === 0) {
        io.stdout(`No entry matches "${query}".\n`)
      } else {
        io.stdout(
          table([
            ['SCORE', 'SLUG', 'TITLE'],
            ...hits.map((h) => [h.score.toFixed(2), h.entry.slug, h.entry.title]),
          ]),
        )
      }
      return 0
    }
    case 'export': {
      const { values } = parse(rest, { out: { type: 'string' } }, USAGE)
      if (!values.out)
        throw new UserError('ERR_CLI_USAGE', { reason: 'kb export needs --out DIR', usage: USAGE })
      const { exportSite } = await import('../../http/pages/export.ts')
      const kb = await openKb()
      const written = await exportSite(kb, values.out, (n, total) => {
        if (n === total || n % 25 === 0) io.stderr(`\rexported ${n}/${total} pages`)
      })
      io.stderr('\n')
      io.stdout(`Wrote ${written} pages to ${values.out}\n`)
      return 0
    }
    default:
      throw new UserError('ERR_CLI_USAGE', {
        reason: sub ? `unknown kb command "${sub}"` : 'kb needs a command',
        usage: USAGE,
      })
  }
}
