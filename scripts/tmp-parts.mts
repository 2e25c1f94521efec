import { openKb } from '../src/kb/kb.ts'
import { readCorpus } from '../src/diagnosis/evaluate.ts'
import { unwrap } from '../src/diagnosis/unwrap.ts'
import { extractContext } from '../src/diagnosis/context.ts'
import { PatternMatcher } from '../src/diagnosis/matcher.ts'
import { diagnoserFor } from '../src/diagnosis/diagnosis.service.ts'
const kb = await openKb()
const d = diagnoserFor(kb)
const m = new PatternMatcher(kb)
const inputs = [
  ...(await readCorpus('eval/corpus.jsonl')),
  ...(await readCorpus('../shared/eval/dev.jsonl')),
].map((c) => c.input)
const time = (label: string, f: (s: string) => unknown) => {
  for (let r = 0; r < 3; r++) for (const s of inputs) f(s)
  const t = performance.now()
  const R = 20
  for (let r = 0; r < R; r++) for (const s of inputs) f(s)
  console.log(
    label.padEnd(12),
    (((performance.now() - t) * 1000) / (R * inputs.length)).toFixed(1),
    'µs',
  )
}
time('unwrap', (s) => unwrap(s))
time('scan', (s) => m.scan(s))
time('lower', (s) => s.toLowerCase())
time('context', (s) => extractContext(s, unwrap(s), []))
time('search', (s) => kb.search(s.slice(0, 2000), 5))
time('diagnose', (s) => d.diagnose(s))
console.log('avg len', inputs.reduce((a, s) => a + s.length, 0) / inputs.length)
const fb = inputs.filter(
  (s) => d.diagnose(s).matchedBy === 'none' || d.diagnose(s).matchedBy === 'fulltext',
)
const nf = inputs.filter((s) => !fb.includes(s))
for (const [name, set] of [
  ['fallback', fb],
  ['matched', nf],
] as const) {
  const t = performance.now()
  for (let r = 0; r < 20; r++) for (const s of set) d.diagnose(s)
  console.log(name, set.length, (((performance.now() - t) * 1000) / (20 * set.length)).toFixed(1))
}
const CODE_LIKE =
  /\b(?:DM_GWPipeline_\w{3,80}|DMTS_\w{3,80}|ModelRefresh\w{0,80}|AADSTS\d{4,7}|0x[0-9A-Fa-f]{8}|PowerBI\w{3,60}Exception|PowerBI\w{3,60}|[A-Z][A-Za-z]{2,30}\.(?:Error|Firewall)|[A-Z][a-z]+[A-Z]\w{3,60}(?:Error|Exception))\b/g
time('codelike', (s) => [...s.matchAll(CODE_LIKE)])
