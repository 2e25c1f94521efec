import {
  incidentById,
  type IncidentState,
  listIncidents,
  timeline,
} from '../../monitor/incident.repository.ts'
import {
  acknowledge,
  INCIDENT_STATES,
  incidentEventJson,
  incidentJson,
  snooze,
} from '../../monitor/incidents.ts'
import { UserError } from '../../shared/errors.ts'
import { createDb, databaseTarget } from '../../store/create-db.ts'
import { migrateToLatest } from '../../store/migrate.ts'
import { oneOf, parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil incident list [--state open|acknowledged|snoozed|resolved] [--limit N] [--json]
  vigil incident show <id> [--json]
  vigil incident ack <id>
  vigil incident snooze <id> --minutes N      (1 to 10080)

Incidents are read from the store (VIGIL_DATABASE_URL); a snoozed incident reopens when the
snooze ends and its condition still holds.`

function intArg(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value)
  if (value === undefined || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UserError('ERR_CLI_USAGE', {
      reason: `${name} must be a whole number from ${String(min)} to ${String(max)}`,
      usage: USAGE,
    })
  }
  return n
}

export async function incidentCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      json: { type: 'boolean' },
      state: { type: 'string' },
      limit: { type: 'string' },
      minutes: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  )
  const [action, idText] = positionals
  if (values.help || !action) {
    io.stdout(`${USAGE}\n`)
    return action || values.help ? 0 : 2
  }
  if (!['list', 'show', 'ack', 'snooze'].includes(action)) {
    throw new UserError('ERR_CLI_USAGE', { reason: `unknown action "${action}"`, usage: USAGE })
  }
  const state = oneOf<IncidentState>('state', values.state, INCIDENT_STATES)
  const limit = values.limit === undefined ? 100 : intArg('--limit', values.limit, 1, 1000)
  const id = action === 'list' ? 0 : intArg('<id>', idText, 1, Number.MAX_SAFE_INTEGER)
  const minutes = action === 'snooze' ? intArg('--minutes', values.minutes, 1, 10080) : 0
  const store = createDb(databaseTarget(process.env.VIGIL_DATABASE_URL))
  try {
    await migrateToLatest(store)
    const db = store.db
    if (action === 'list') {
      const rows = (await listIncidents(db, { state, limit })).map(incidentJson)
      io.stdout(
        values.json
          ? `${JSON.stringify(rows)}\n`
          : rows
              .map(
                (r) =>
                  `${String(r.id)}\t${r.state}\t${r.severity}\t${r.condition}\t${r.openedAt ?? ''}\t${r.title}\n`,
              )
              .join('') || 'no incidents\n',
      )
      return 0
    }
    const now = Date.now()
    if (action === 'ack') {
      await db.transaction().execute((trx) => acknowledge(trx, id, now, 'cli'))
    } else if (action === 'snooze') {
      await db.transaction().execute((trx) => snooze(trx, id, now + minutes * 60_000, now))
    }
    const row = await incidentById(db, id)
    if (!row) throw new UserError('ERR_INCIDENT_NOT_FOUND', { id })
    const incident = incidentJson(row)
    if (action === 'show') {
      const events = (await timeline(db, id)).map(incidentEventJson)
      if (values.json) {
        io.stdout(`${JSON.stringify({ incident, events })}\n`)
        return 0
      }
      io.stdout(
        `#${String(incident.id)} ${incident.title}\n` +
          `  state: ${incident.state}  severity: ${incident.severity}  condition: ${incident.condition}\n` +
          `  subject: ${incident.subjectKind} ${incident.subjectId} (tenant ${incident.tenantKey})\n` +
          `  opened: ${incident.openedAt ?? ''}  occurrences: ${String(incident.occurrences)}\n` +
          (incident.diagnosisSlug ? `  diagnosis: ${incident.diagnosisSlug}\n` : '') +
          (incident.snoozedUntil ? `  snoozed until: ${incident.snoozedUntil}\n` : '') +
          events.map((e) => `  ${e.at ?? ''}  ${e.kind}: ${e.message}\n`).join(''),
      )
      return 0
    }
    io.stdout(
      values.json
        ? `${JSON.stringify(incident)}\n`
        : `incident ${String(id)} is ${incident.state}${incident.snoozedUntil ? ` until ${incident.snoozedUntil}` : ''}\n`,
    )
    return 0
  } finally {
    await store.close()
  }
}
