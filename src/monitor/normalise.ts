/**
 * A refresh as stored: the raw JSON exactly as received, plus the fields detectors query
 * (peers.md §5 item 4: keep the raw record, normalise next to it) and its diagnosis.
 */
import type { Diagnosis, Diagnoser } from '../diagnosis/diagnose.ts'
import type { KnowledgeBase } from '../kb/kb.ts'
import {
  type DataflowTransaction,
  parsePowerBiTime,
  parseServiceException,
  type Refresh,
} from '../sources/powerbi/schemas.ts'
import { createHash } from 'node:crypto'

/** The part of a diagnosis kept with a refresh and an incident. */
export interface DiagnosisSummary {
  readonly slug: string | null
  readonly code: string | null
  readonly title: string | null
  readonly category: string
  readonly severity: string | null
  readonly confidence: number
  readonly matchedBy: string
  readonly fixes: readonly string[]
}

export const summarise = (d: Diagnosis): DiagnosisSummary => ({
  slug: d.slug,
  code: d.code,
  title: d.title,
  category: d.category,
  severity: d.severity,
  confidence: d.confidence,
  matchedBy: d.matchedBy,
  fixes: d.fixes.slice(0, 5),
})

export interface NormalisedRefresh {
  readonly requestId: string
  readonly refreshType: string | null
  readonly status: string
  readonly extendedStatus: string | null
  readonly start: number | null
  readonly end: number | null
  readonly durationMs: number | null
  readonly attempts: number
  readonly errorCode: string | null
  /** The text the diagnosis reads: serviceExceptionJson (or the last attempt's). */
  readonly errorText: string | null
  readonly raw: string
}

export function normaliseRefresh(r: Refresh, raw: unknown): NormalisedRefresh | undefined {
  const requestId = r.requestId ?? (r.id !== undefined ? `id:${String(r.id)}` : undefined)
  if (!requestId) return undefined
  const start = parsePowerBiTime(r.startTime) ?? null
  const end = parsePowerBiTime(r.endTime) ?? null
  const attempts = r.refreshAttempts ?? []
  const errorText =
    r.serviceExceptionJson ??
    [...attempts].reverse().find((a) => a.serviceExceptionJson)?.serviceExceptionJson ??
    null
  return {
    requestId,
    refreshType: r.refreshType ?? null,
    status: r.status,
    extendedStatus: r.extendedStatus ?? null,
    start,
    end,
    durationMs: start !== null && end !== null ? Math.max(0, end - start) : null,
    attempts: Math.max(1, new Set(attempts.map((a) => a.attemptId ?? 1)).size),
    errorCode: errorText ? (parseServiceException(errorText).code ?? null) : null,
    errorText,
    raw: JSON.stringify(raw),
  }
}

/** Dataflow transactions share the refresh table; statuses map onto the dataset vocabulary. */
export function normaliseTransaction(tx: DataflowTransaction): NormalisedRefresh {
  const start = parsePowerBiTime(tx.startTime) ?? null
  const end = parsePowerBiTime(tx.endTime) ?? null
  const status =
    tx.status === 'Success'
      ? 'Completed'
      : tx.status === 'Failed'
        ? 'Failed'
        : tx.status === 'Cancelled'
          ? 'Cancelled'
          : tx.status === 'InProgress' || !tx.status
            ? 'Unknown'
            : tx.status
  return {
    requestId: tx.id,
    refreshType: tx.refreshType ?? null,
    status,
    extendedStatus: tx.status ?? null,
    start,
    end,
    durationMs: start !== null && end !== null ? Math.max(0, end - start) : null,
    attempts: 1,
    errorCode: null,
    errorText: null,
    raw: JSON.stringify(tx),
  }
}

/** Diagnoses a failed refresh; refreshes that did not fail have none. */
export function diagnoseRefresh(
  diagnoser: Diagnoser,
  r: NormalisedRefresh,
): DiagnosisSummary | null {
  if (r.status !== 'Failed' || !r.errorText) return null
  return summarise(diagnoser.diagnose(r.errorText))
}

const fingerprints = new WeakMap<KnowledgeBase, string>()

/** Changes whenever any entry changes: stored failures are re-diagnosed when it does. */
export function kbFingerprint(kb: KnowledgeBase): string {
  let f = fingerprints.get(kb)
  if (!f) {
    f = createHash('sha256').update(JSON.stringify(kb.entries)).digest('hex').slice(0, 16)
    fingerprints.set(kb, f)
  }
  return f
}
