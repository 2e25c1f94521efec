// npm run eval: scores the diagnosis engine on every labelled corpus in eval/ and on
// ../shared/eval/dev.jsonl. Prints accuracy, unknown rate and a confusion table per corpus.
// --verbose lists every miss of the tuning corpora; the held-out set (eval/holdout*.jsonl) only
// ever shows its totals (its own confusion table too only with --holdout-detail), so nobody tunes
// on it by accident. File names given as arguments (`npm run eval -- eval/corpus3.jsonl`) restrict
// the run to those corpora. Where eval/reader/labels.jsonl has text-only readings of a corpus, their
// agreement with its labels is printed after its scores (what the text alone decides).
import { existsSync } from 'node:fs'
import path from 'node:path'
import { diagnoserFor } from '../src/diagnosis/diagnosis.service.ts'
import {
  evaluate,
  listCorpora,
  readCorpus,
  readerAgreement,
  readReaderLabels,
  type Scores,
} from '../src/diagnosis/evaluate.ts'
import { openKb } from '../src/kb/kb.ts'
import { CATEGORIES } from '../src/kb/taxonomy.ts'

const root = path.resolve(import.meta.dirname, '..')
const verbose = process.argv.includes('--verbose')
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const pct = (x: number) => `${(x * 100).toFixed(1)}%`

function report(name: string, s: Scores, listMisses: boolean, confusion = true): void {
  console.log(`\n## ${name}: ${s.cases} cases`)
  console.log(`category accuracy  ${pct(s.categoryAccuracy)}`)
  console.log(
    `code top-1         ${pct(s.codeTop1)}   (${s.codeCases} cases whose code is in the text)`,
  )
  console.log(`code top-3         ${pct(s.codeTop3)}`)
  console.log(`unknown rate       ${pct(s.unknownRate)}`)
  if (!confusion) {
    console.log('(held-out set: confusion table with --holdout-detail)')
    return
  }
  const predicted = [...CATEGORIES, 'unknown']
  const short = (c: string) => c.slice(0, 6)
  console.log(`\nconfusion (rows: expected, columns: predicted)`)
  console.log(
    ['expected'.padEnd(15), ...predicted.map((c) => short(c).padStart(7)), '  acc'].join(''),
  )
  for (const exp of CATEGORIES) {
    const row = s.confusion[exp]
    if (!row) continue
    const total = Object.values(row).reduce((a, b) => a + b, 0)
    const ok = s.results.filter((r) => r.case.expected_category === exp && r.categoryOk).length
    console.log(
      [
        exp.padEnd(15),
        ...predicted.map((c) => String(row[c] ?? '.').padStart(7)),
        `  ${pct(ok / total)}`,
      ].join(''),
    )
  }
  if (listMisses) {
    for (const r of s.results.filter((x) => !x.categoryOk || x.codeTop1 === false)) {
      console.log(
        `\nMISS ${r.case.id} expected ${r.case.expected_category}/${r.case.expected_code} got ${r.category}/${r.slug ?? '-'} code ${r.code ?? '-'}`,
      )
      console.log(`  ${r.case.input.slice(0, 200).replaceAll('\n', ' ')}`)
    }
  }
}

const kb = await openKb()
const diagnoser = diagnoserFor(kb)
const corpora = await listCorpora(root)
if (only.length > 0 && process.argv.includes('--write-floors')) {
  console.error('--write-floors records every corpus: run it without file names')
  process.exit(2)
}
if (only.length > 0) {
  const wanted = new Set(only.map((f) => path.resolve(f)))
  const unknown = [...wanted].filter((f) => !corpora.some((c) => c.file === f))
  if (unknown.length > 0) {
    console.error(`no such corpus: ${unknown.join(', ')} (give paths of eval/*.jsonl files)`)
    process.exit(2)
  }
  corpora.splice(0, corpora.length, ...corpora.filter((c) => wanted.has(c.file)))
}
// Categories given by readers who saw only the texts: the share the text alone decides.
const readerFile = path.join(root, 'eval/reader/labels.jsonl')
const readerLabels = existsSync(readerFile) ? await readReaderLabels(readerFile) : []
const all = []
const floors: Record<string, { categoryAccuracy: number; codeTop1: number }> = {}
// Floors are rounded down a little so they record the level, not the last decimal.
const floor = (x: number) => Math.floor(x * 1000) / 1000
for (const { name, file, heldOut } of corpora) {
  const cases = await readCorpus(file)
  all.push(...cases)
  const s = evaluate(kb, diagnoser, cases)
  report(name, s, verbose && !heldOut, !heldOut || process.argv.includes('--holdout-detail'))
  for (const r of readerAgreement(name, cases, readerLabels)) {
    console.log(
      `text-only reading ${r.reading}: ${pct(r.top1)} of ${r.cases} cases (with its second choice ${pct(r.top2)})`,
    )
  }
  floors[name] = { categoryAccuracy: floor(s.categoryAccuracy), codeTop1: floor(s.codeTop1) }
}
if (process.argv.includes('--write-floors')) {
  const { writeFile } = await import('node:fs/promises')
  const own = Object.fromEntries(Object.entries(floors).filter(([k]) => k.startsWith('eval/')))
  await writeFile(path.join(root, 'eval/floors.json'), `${JSON.stringify(own, null, 2)}\n`)
  console.log('\nwrote eval/floors.json')
}
if (corpora.length > 1) report('all corpora', evaluate(kb, diagnoser, all), false)
