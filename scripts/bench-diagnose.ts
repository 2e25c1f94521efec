// npm run bench:diagnose — throughput and latency of the diagnosis engine on one core, over the
// real inputs of the evaluation corpora, plus the time for a 1 MB input. Prints figures only.
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { diagnoserFor } from '../src/diagnosis/diagnosis.service.ts'
import { listCorpora, readCorpus } from '../src/diagnosis/evaluate.ts'
import { openKb } from '../src/kb/kb.ts'

const root = path.resolve(import.meta.dirname, '..')
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const ROUNDS = 9

const t0 = performance.now()
const kb = await openKb()
const tLoad = performance.now() - t0
const t1 = performance.now()
const d = diagnoserFor(kb)
const tCompile = performance.now() - t1

const inputs: string[] = []
for (const { file } of await listCorpora(root))
  inputs.push(...(await readCorpus(file)).map((c) => c.input))
const small = inputs.filter((s) => Buffer.byteLength(s) <= 2048)

/**
 * CPU seconds spent by the main thread alone (Linux /proc; elsewhere the whole process). On a busy
 * 2-core machine wall time includes waiting for the core, and process time includes GC threads.
 */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1e6
  }
}

/**
 * Diagnoses the inputs round-robin for ROUNDS rounds and reports the median round: the JIT and
 * the machine's other load make single rounds vary by ±25% here.
 */
function run(label: string, set: readonly string[]): void {
  // Warm up for two seconds so the JIT has compiled the hot paths before anything is timed.
  const warm = performance.now() + 2000
  for (let i = 0; performance.now() < warm; i++) d.diagnose(set[i % set.length])
  const lat: number[] = []
  const wallRates: number[] = []
  const cpuRates: number[] = []
  let n = 0
  for (let round = 0; round < ROUNDS; round++) {
    const end = performance.now() + (seconds * 1000) / ROUNDS
    const start = performance.now()
    const cpu0 = mainThreadCpu()
    let count = 0
    while (performance.now() < end) {
      const s = set[n % set.length] as string
      const t = performance.now()
      d.diagnose(s)
      lat.push(performance.now() - t)
      n++
      count++
    }
    wallRates.push(count / ((performance.now() - start) / 1000))
    cpuRates.push(count / Math.max(mainThreadCpu() - cpu0, 0.01))
  }
  lat.sort((a, b) => a - b)
  const q = (p: number) => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0) * 1000
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const rate = (x: number) => Math.round(x).toLocaleString('en')
  console.log(
    `${label}: ${String(set.length)} inputs, ${rate(median(wallRates))} diagnoses/s wall, ${rate(median(cpuRates))}/s per main-thread CPU-second (median of ${String(ROUNDS)} rounds; rounds ${rate(Math.min(...wallRates))}–${rate(Math.max(...wallRates))}/s), p50 ${q(0.5).toFixed(1)} µs, p99 ${q(0.99).toFixed(1)} µs`,
  )
}

console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, one thread`,
)
console.log(
  `reference: ${kb.entries.length} entries, loaded in ${tLoad.toFixed(0)} ms, patterns compiled in ${tCompile.toFixed(1)} ms`,
)
run('all evaluation inputs', inputs)
run('inputs up to 2 KB', small)

const line =
  'DataSource.Error: Microsoft SQL: Login failed for user \'svc\'. Activity ID: 0d9c5b1e-3f44-4a2b-b6c1-7f2e9a8d4c10 {"k":"v"}\n'
const mb = line.repeat(Math.ceil((1024 * 1024) / line.length))
const big: number[] = []
for (let i = 0; i < 7; i++) {
  const t = performance.now()
  d.diagnose(mb)
  big.push(performance.now() - t)
}
big.sort((a, b) => a - b)
console.log(`1 MB input: median ${big[3]?.toFixed(1)} ms over 7 runs`)
