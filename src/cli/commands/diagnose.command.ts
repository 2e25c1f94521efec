import type { Diagnosis } from '../../diagnosis/diagnose.ts'
import { diagnoserFor, diagnosisLine } from '../../diagnosis/diagnosis.service.ts'
import { type KnowledgeBase, openKb } from '../../kb/kb.ts'
import { UserError } from '../../shared/errors.ts'
import { parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil diagnose "<error text>" [--json]
  vigil diagnose [--json] < error.txt
  vigil diagnose --jsonl < inputs.jsonl      (each line {"id": "...", "input": "..."})`

const CONTEXT_LABELS: [string, string][] = [
  ['codes', 'Codes (outer → inner)'],
  ['wrapper', 'Wrapped by'],
  ['httpStatus', 'HTTP status'],
  ['dataSourceKind', 'Data source'],
  ['server', 'Server'],
  ['database', 'Database'],
  ['url', 'URL'],
  ['path', 'File'],
  ['user', 'Account'],
  ['gateway', 'Gateway'],
  ['table', 'Table'],
  ['column', 'Column'],
  ['query', 'Query'],
  ['aadsts', 'Entra code'],
  ['tenantId', 'Tenant'],
  ['appId', 'App'],
  ['activityId', 'Activity ID'],
  ['requestId', 'Request ID'],
  ['correlationId', 'Correlation ID'],
  ['clusterUri', 'Cluster URI'],
  ['timestamp', 'Time'],
  ['innerMessage', 'Inner message'],
]

export function formatDiagnosis(kb: KnowledgeBase, d: Diagnosis): string {
  const lines: string[] = []
  const ctx = d.context as unknown as Record<string, unknown>
  if (d.slug === null) {
    lines.push(
      `No matching entry (best-guess category: ${d.category}, confidence ${d.confidence}).`,
      d.why,
    )
    if (d.alternatives.length > 0) {
      lines.push('', 'Closest entries:', ...d.alternatives.map((a) => `  - ${a.slug} — ${a.title}`))
    }
  } else {
    const entry = kb.get(d.slug)
    lines.push(
      d.title ?? d.slug,
      `${(d.severity ?? '').toUpperCase()} · ${d.category} · confidence ${d.confidence} (${d.matchedBy})`,
      d.why,
      '',
      'What it means',
      `  ${entry?.summary ?? ''}`,
      '',
      'Common causes',
      ...(entry?.causes ?? []).map((c) => `  - ${c}`),
      '',
      'How to fix it',
      ...d.fixes.map((f, i) => `  ${i + 1}. ${f}`),
    )
    if (d.alternatives.length > 0) {
      lines.push(
        '',
        'Also possible:',
        ...d.alternatives.map((a) => `  - ${a.slug} (${a.confidence})`),
      )
    }
    lines.push('', `Full entry: vigil kb show ${d.slug}`)
  }
  const found = CONTEXT_LABELS.filter(([k]) => {
    const v = ctx[k]
    return v !== undefined && !(Array.isArray(v) && v.length === 0)
  })
  if (found.length > 0) {
    lines.push('', 'Context found in the text')
    for (const [k, label] of found) {
      const v = ctx[k]
      lines.push(`  ${label}: ${Array.isArray(v) ? v.join(', ') : String(v).slice(0, 300)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

interface JsonlInput {
  readonly id: string
  readonly input: string
}

function parseLine(line: string, n: number): JsonlInput | { error: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { error: `line ${n}: not valid JSON` }
  }
  const obj = value as { id?: unknown; input?: unknown } | null
  if (obj === null || typeof obj !== 'object')
    return { error: `line ${n}: expected an object {"id", "input"}` }
  if (typeof obj.input !== 'string') return { error: `line ${n}: field "input" must be a string` }
  const id = typeof obj.id === 'string' || typeof obj.id === 'number' ? String(obj.id) : String(n)
  return { id, input: obj.input }
}

export async function diagnoseCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    { json: { type: 'boolean' }, jsonl: { type: 'boolean' } },
    USAGE,
  )
  const kb = await openKb()
  const diagnoser = diagnoserFor(kb)

  if (values.jsonl) {
    const text = await io.readStdin()
    let n = 0
    let bad = 0
    for (const line of text.split('\n')) {
      n++
      if (line.trim() === '') continue
      const parsed = parseLine(line, n)
      if ('error' in parsed) {
        // Keep one output line per input line, so callers can zip inputs and outputs.
        bad++
        io.stderr(`${parsed.error}\n`)
        io.stdout(`${JSON.stringify({ id: String(n), error: parsed.error })}\n`)
        continue
      }
      io.stdout(`${JSON.stringify(diagnosisLine(parsed.id, diagnoser.diagnose(parsed.input)))}\n`)
    }
    return bad > 0 ? 1 : 0
  }

  const text = positionals.length > 0 ? positionals.join(' ') : await io.readStdin()
  if (text.trim() === '') {
    throw new UserError('ERR_CLI_USAGE', {
      reason: 'give the error text as an argument or on standard input',
      usage: USAGE,
    })
  }
  const d = diagnoser.diagnose(text)
  io.stdout(
    values.json
      ? `${JSON.stringify({ ...diagnosisLine('1', d), why: d.why, fixes: d.fixes })}\n`
      : formatDiagnosis(kb, d),
  )
  return 0
}
