// npm run eval:lso: a larger stand-in for errors the engine has never seen. Each tuning case is
// diagnosed with the entries that cite its source left out (see src/diagnosis/leave-source-out.ts),
// so its error family is new to the reference, as in a held-out set. Prints category accuracy,
// unknown rate and how often the guess for unmatched texts is right, for the cases that lose
// entries, next to the same cases with the whole reference. Held-out sets are never included.
import path from 'node:path'
import { diagnoserFor } from '../src/diagnosis/diagnosis.service.ts'
import { type EvalCase, evaluate, listCorpora, readCorpus } from '../src/diagnosis/evaluate.ts'
import { leaveSourceOut } from '../src/diagnosis/leave-source-out.ts'
import { openKb } from '../src/kb/kb.ts'

const root = path.resolve(import.meta.dirname, '..')
const pct = (n: number, d: number) => `${d === 0 ? '-' : ((100 * n) / d).toFixed(1)}%`

const files = (await listCorpora(root)).filter((c) => !c.heldOut)
const cases: EvalCase[] = []
for (const { file } of files) cases.push(...(await readCorpus(file)))

const kb = await openKb()
const started = performance.now()
console.error(
  `diagnosing ${cases.length} tuning cases, each without the entries citing its source…`,
)
const lso = leaveSourceOut(kb, cases)
const withAll = evaluate(kb, diagnoserFor(kb), cases).results
const affected = lso.flatMap((x, i) => (x.left > 0 ? [{ lso: x.result, all: withAll[i] }] : []))
const count = (pred: (x: (typeof affected)[number]) => boolean) => affected.filter(pred).length
const unmatched = affected.filter((x) => x.lso.slug === null)

console.log(`leave-source-out over ${cases.length} tuning cases (${files.length} corpora)`)
console.log(`cases whose source an entry cites: ${affected.length}`)
console.log(
  `  without those entries: category ${pct(
    count((x) => x.lso.categoryOk),
    affected.length,
  )}, unknown ${pct(unmatched.length, affected.length)}`,
)
const guessed = unmatched.filter((x) => x.lso.categoryOk).length
console.log(
  `  guess for unmatched texts right: ${guessed} of ${unmatched.length} (${pct(guessed, unmatched.length)})`,
)
console.log(
  `  with the whole reference: category ${pct(
    count((x) => x.all?.categoryOk === true),
    affected.length,
  )}`,
)
console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`)
