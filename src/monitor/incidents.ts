/**
 * The incident lifecycle. Detectors say which conditions hold now (signals); `reconcile` turns that
 * into incidents: open a new one, record a new occurrence or an escalation on the open one, and
 * resolve the ones whose condition no longer holds (for failures: the next success). Because it
 * compares states rather than counting events, running it twice — or again after a restart — changes
 * nothing.
 *
 *   open ──ack──▶ acknowledged ──────────┐
 *     │                                    ├──condition gone──▶ resolved
 *     └──snooze(until)──▶ snoozed ─(until)─┘ (back to open when the snooze ends)
 */
import { UserError } from '../shared/errors.ts'
import { fromJson, fromTime, toJson } from '../store/codecs.ts'
import type { Db } from '../store/database.ts'
import type { Condition, Signal } from './detectors/detector.ts'
import {
  addEvent,
  incidentById,
  type IncidentEventRow,
  type IncidentRow,
  insertIncident,
  openIncidentsOf,
  updateIncident,
} from './incident.repository.ts'
import type { DiagnosisSummary } from './normalise.ts'

const SEVERITY_RANK: Readonly<Record<string, number>> = { low: 1, medium: 2, high: 3, critical: 4 }
const rank = (s: string): number => SEVERITY_RANK[s] ?? 0

export interface ReconcileResult {
  readonly opened: number
  readonly resolved: number
  readonly updated: number
}

/** Applies one detector's signals for one tenant. Run inside a transaction. */
export async function reconcile(
  db: Db,
  tenantKey: string,
  condition: Condition,
  signals: readonly Signal[],
  now: number,
): Promise<ReconcileResult> {
  const open = await openIncidentsOf(db, tenantKey, condition)
  const bySubject = new Map(open.map((i) => [`${i.subject_kind}|${i.subject_id}`, i]))
  let opened = 0
  let updated = 0
  let resolved = 0
  const wanted = new Set<string>()
  for (const s of signals) {
    const id = `${s.subjectKind}|${s.subjectId}`
    if (wanted.has(id)) continue
    wanted.add(id)
    const current = bySubject.get(id)
    if (!current) {
      const incidentId = await insertIncident(db, {
        tenant_key: tenantKey,
        subject_kind: s.subjectKind,
        subject_id: s.subjectId,
        condition,
        state: 'open',
        severity: s.severity,
        title: s.title,
        occurrences: s.occurrences ?? 1,
        last_key: s.key,
        diagnosis_slug: s.diagnosis?.slug ?? null,
        diagnosis_category: s.diagnosis?.category ?? null,
        diagnosis_json: s.diagnosis ? toJson(s.diagnosis) : null,
        details_json: toJson(s.details),
        at: now,
      })
      await addEvent(db, incidentId, now, 'opened', s.title, { key: s.key, details: s.details })
      opened++
      continue
    }
    await updateFromSignal(db, current, s, now)
    updated++
  }
  for (const incident of open) {
    if (wanted.has(`${incident.subject_kind}|${incident.subject_id}`)) continue
    await updateIncident(db, Number(incident.id), { state: 'resolved', at: now, resolvedAt: now })
    await addEvent(db, Number(incident.id), now, 'resolved', 'The condition no longer holds')
    resolved++
  }
  return { opened, resolved, updated }
}

async function updateFromSignal(
  db: Db,
  current: IncidentRow,
  s: Signal,
  now: number,
): Promise<void> {
  const id = Number(current.id)
  const changes: Parameters<typeof updateIncident>[2] = { at: now }
  let touched = false
  if (s.key !== current.last_key) {
    changes.last_key = s.key
    changes.occurrences = s.occurrences ?? current.occurrences + 1
    changes.title = s.title
    changes.details_json = toJson(s.details)
    await addEvent(db, id, now, 'occurrence', s.title, { key: s.key, details: s.details })
    touched = true
  }
  if (rank(s.severity) > rank(current.severity)) {
    changes.severity = s.severity
    await addEvent(db, id, now, 'escalated', `Severity raised to ${s.severity}`, {
      from: current.severity,
      to: s.severity,
    })
    touched = true
  }
  const diagnosisJson = s.diagnosis ? toJson(s.diagnosis) : null
  if (diagnosisJson !== current.diagnosis_json && s.diagnosis !== undefined) {
    changes.diagnosis_slug = s.diagnosis?.slug ?? null
    changes.diagnosis_category = s.diagnosis?.category ?? null
    changes.diagnosis_json = diagnosisJson
    if (current.diagnosis_json !== null && s.key === current.last_key) {
      const before = fromJson<DiagnosisSummary | null>(current.diagnosis_json, null)
      await addEvent(
        db,
        id,
        now,
        'rediagnosed',
        `Diagnosis changed to ${s.diagnosis?.slug ?? 'none'}`,
        {
          from: before?.slug ?? null,
          to: s.diagnosis?.slug ?? null,
        },
      )
    }
    touched = true
  }
  if (
    current.state === 'snoozed' &&
    current.snoozed_until !== null &&
    fromTime(current.snoozed_until) <= now
  ) {
    changes.state = 'open'
    changes.snoozedUntil = null
    await addEvent(db, id, now, 'reopened', 'The snooze ended and the condition still holds')
    touched = true
  }
  if (touched) await updateIncident(db, id, changes)
}

async function mustFind(db: Db, id: number): Promise<IncidentRow> {
  const row = await incidentById(db, id)
  if (!row) throw new UserError('ERR_INCIDENT_NOT_FOUND', { id })
  return row
}

export async function acknowledge(db: Db, id: number, now: number, by = 'user'): Promise<void> {
  const row = await mustFind(db, id)
  if (row.state === 'resolved') return
  await updateIncident(db, id, { state: 'acknowledged', at: now, snoozedUntil: null })
  await addEvent(db, id, now, 'acknowledged', `Acknowledged by ${by}`)
}

export async function snooze(db: Db, id: number, until: number, now: number): Promise<void> {
  const row = await mustFind(db, id)
  if (row.state === 'resolved') return
  await updateIncident(db, id, { state: 'snoozed', at: now, snoozedUntil: until })
  await addEvent(db, id, now, 'snoozed', `Snoozed until ${new Date(until).toISOString()}`, {
    until,
  })
}

export const INCIDENT_STATES = ['open', 'acknowledged', 'snoozed', 'resolved'] as const

const iso = (t: Parameters<typeof fromTime>[0]): string | null => {
  const ms = fromTime(t)
  return ms === null ? null : new Date(ms).toISOString()
}

/** An incident as the API and `vigil incident --json` show it (timestamps ISO 8601). */
export function incidentJson(row: IncidentRow) {
  return {
    id: Number(row.id),
    tenantKey: row.tenant_key,
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    condition: row.condition,
    state: row.state,
    severity: row.severity,
    title: row.title,
    occurrences: row.occurrences,
    openedAt: iso(row.opened_at),
    updatedAt: iso(row.updated_at),
    resolvedAt: iso(row.resolved_at),
    snoozedUntil: iso(row.snoozed_until),
    diagnosisSlug: row.diagnosis_slug,
    diagnosisCategory: row.diagnosis_category,
    details: fromJson<unknown>(row.details_json, null),
  }
}

export function incidentEventJson(row: IncidentEventRow) {
  return {
    at: iso(row.at),
    kind: row.kind,
    message: row.message,
    data: fromJson<unknown>(row.data_json, null),
  }
}
