import type { KnowledgeBase } from '../kb/kb.ts'
import { type Diagnosis, Diagnoser } from './diagnose.ts'

/** The fixed JSON-lines shape of BRIEF.md, plus alternatives. */
export function diagnosisLine(id: string, d: Diagnosis) {
  return {
    id,
    slug: d.slug,
    code: d.code,
    title: d.title,
    category: d.category,
    severity: d.severity,
    confidence: d.confidence,
    matchedBy: d.matchedBy,
    context: d.context,
    alternatives: d.alternatives,
  }
}

const cache = new WeakMap<KnowledgeBase, Diagnoser>()

/** One diagnoser per knowledge base: compiling the patterns is the expensive part. */
export function diagnoserFor(kb: KnowledgeBase): Diagnoser {
  let d = cache.get(kb)
  if (!d) {
    d = new Diagnoser(kb)
    cache.set(kb, d)
  }
  return d
}
