// npm run eval:reader — text-only readings of labelled corpora (eval/reader/README.md).
//   prep <dir> <corpus.jsonl>… [--seed N]  shuffles the corpora's texts under neutral ids into
//     <dir>/cases.jsonl with the reader's brief and the taxonomy; the id map goes to <dir>.map.json,
//     outside the folder the reader is given.
//   import <dir> --reading N  maps <dir>/labels.jsonl back to the corpora and appends it to
//     eval/reader/labels.jsonl; `npm run eval` then prints the agreement under each corpus.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  type ReaderLabel,
  readCorpus,
  readerAgreement,
  readJsonl,
  readReaderLabels,
} from '../src/diagnosis/evaluate.ts'
import {
  BlindLabelSchema,
  type BlindMap,
  blindCases,
  unblindLabels,
} from '../src/diagnosis/reader.ts'
import { UserError } from '../src/shared/errors.ts'

const root = path.resolve(import.meta.dirname, '..')
const labelsFile = path.join(root, 'eval/reader/labels.jsonl')
const [command, dirArg, ...rest] = process.argv.slice(2)
const option = (name: string) => {
  const i = rest.indexOf(name)
  return i === -1 ? undefined : rest[i + 1]
}
const fail = (message: string): never => {
  console.error(message)
  process.exit(2)
}
process.on('uncaughtException', (e) => {
  if (!(e instanceof UserError)) throw e
  fail(`${e.message}: ${JSON.stringify(e.details)}`)
})

if ((command !== 'prep' && command !== 'import') || dirArg === undefined) {
  fail(
    'usage: npm run eval:reader -- prep <dir> <eval/corpus.jsonl>… [--seed N]\n' +
      '       npm run eval:reader -- import <dir> --reading N',
  )
}
const dir = path.resolve(dirArg as string)
const mapFile = `${dir}.map.json`

if (command === 'prep') {
  if (!path.relative(root, dir).startsWith('..'))
    fail(`${dir} is inside the repository: readers must not be able to reach the labels`)
  const files = rest.filter((a, i) => !a.startsWith('--') && rest[i - 1] !== '--seed')
  if (files.length === 0) fail('name at least one corpus, e.g. eval/holdout6.jsonl')
  const seed = Number(option('--seed') ?? Date.now() % 100000)
  if (!Number.isInteger(seed)) fail('--seed must be an integer')
  const corpora = []
  for (const f of files) {
    const file = path.resolve(f)
    corpora.push({ corpus: path.relative(root, file), cases: await readCorpus(file) })
  }
  const { cases, map } = blindCases(corpora, seed)
  await mkdir(dir, { recursive: true })
  await writeFile(
    path.join(dir, 'cases.jsonl'),
    cases.map((c) => JSON.stringify(c)).join('\n') + '\n',
  )
  await copyFile(path.join(root, 'eval/reader/BRIEF.md'), path.join(dir, 'BRIEF.md'))
  await copyFile(path.resolve(root, '../shared/product/taxonomy.md'), path.join(dir, 'taxonomy.md'))
  await writeFile(mapFile, `${JSON.stringify(map)}\n`)
  console.log(
    `${cases.length} cases (seed ${seed}) in ${dir}; give a reader only that folder and BRIEF.md. Id map: ${mapFile}`,
  )
} else {
  const reading = Number(option('--reading'))
  if (!Number.isInteger(reading) || reading < 1) fail('--reading must be a whole number ≥ 1')
  const map = JSON.parse(await readFile(mapFile, 'utf8')) as BlindMap
  const answers = await readJsonl(path.join(dir, 'labels.jsonl'), BlindLabelSchema)
  const labels: ReaderLabel[] = unblindLabels(answers, map, reading)
  const existing = await readReaderLabels(labelsFile)
  const key = (l: ReaderLabel) => `${l.corpus}|${l.id}|${l.reading}`
  const taken = new Set(existing.map(key))
  const clash = labels.find((l) => taken.has(key(l)))
  if (clash)
    fail(
      `reading ${reading} of ${clash.corpus} ${clash.id} is already recorded: use another --reading`,
    )
  await writeFile(
    labelsFile,
    [...existing, ...labels].map((l) => JSON.stringify(l)).join('\n') + '\n',
  )
  for (const corpus of new Set(labels.map((l) => l.corpus))) {
    const cases = await readCorpus(path.join(root, corpus))
    for (const r of readerAgreement(corpus, cases, labels))
      console.log(
        `${corpus}: reading ${r.reading} agrees on ${(r.top1 * 100).toFixed(1)} % of ${r.cases} cases`,
      )
  }
}
