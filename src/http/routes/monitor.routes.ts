/**
 * The monitoring engine over HTTP: incidents (list, show with timeline, acknowledge, snooze) and
 * tenants (list, add, remove). Everything goes through the Monitor and the incident/tenant modules;
 * a tenant's client secret is accepted but never returned, not even encrypted.
 */
import type { FastifyInstance } from 'fastify'
import { detectors } from '../../monitor/detectors/detectors.ts'
import {
  incidentById,
  type IncidentState,
  listIncidents,
  timeline,
} from '../../monitor/incident.repository.ts'
import { INCIDENT_STATES, incidentEventJson, incidentJson } from '../../monitor/incidents.ts'
import type { Monitor } from '../../monitor/monitor.service.ts'
import { UserError } from '../../shared/errors.ts'
import { fromBool } from '../../store/codecs.ts'
import { findTenantRow, listTenantRows, type TenantRow } from '../../tenants/tenant.repository.ts'
import { errorBody } from './errors.routes.ts'

const str = { type: 'string' } as const
const strOrNull = { type: ['string', 'null'] } as const

const incidentSchema = {
  type: 'object',
  required: ['id', 'tenantKey', 'subjectKind', 'subjectId', 'condition', 'state', 'severity'],
  properties: {
    id: { type: 'integer' },
    tenantKey: str,
    subjectKind: str,
    subjectId: str,
    condition: str,
    state: { type: 'string', enum: [...INCIDENT_STATES] },
    severity: str,
    title: str,
    occurrences: { type: 'integer' },
    openedAt: strOrNull,
    updatedAt: strOrNull,
    resolvedAt: strOrNull,
    snoozedUntil: strOrNull,
    diagnosisSlug: strOrNull,
    diagnosisCategory: strOrNull,
    details: {},
  },
} as const

const eventSchema = {
  type: 'object',
  properties: { at: strOrNull, kind: str, message: str, data: {} },
} as const

/** Only these fields are ever serialised: no secret, plain or encrypted, can leave by accident. */
const tenantSchema = {
  type: 'object',
  required: ['key', 'name', 'tenantId', 'clientId', 'origin', 'enabled'],
  properties: {
    key: str,
    name: str,
    tenantId: str,
    clientId: str,
    authorityHost: strOrNull,
    apiUrl: strOrNull,
    origin: str,
    enabled: { type: 'boolean' },
  },
} as const

const tenantJson = (row: TenantRow) => ({
  key: row.key,
  name: row.name,
  tenantId: row.tenant_id,
  clientId: row.client_id,
  authorityHost: row.authority_host,
  apiUrl: row.api_url,
  origin: row.origin,
  enabled: fromBool(row.enabled),
})

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const

const url = { type: 'string', maxLength: 500, pattern: '^https?://[^\\s]+$' } as const

interface ListQuery {
  state?: IncidentState
  condition?: string
  limit?: number
}

interface TenantBody {
  key: string
  name?: string
  tenantId: string
  clientId: string
  clientSecret: string
  authorityHost?: string
  apiUrl?: string
}

async function mustFind(monitor: Monitor, id: number) {
  const row = await incidentById(monitor.store.db, id)
  if (!row) throw new UserError('ERR_INCIDENT_NOT_FOUND', { id })
  return row
}

export function monitorRoutes(app: FastifyInstance, monitor: Monitor): void {
  const db = monitor.store.db

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/incidents',
    {
      schema: {
        summary: 'List incidents, newest first',
        tags: ['incidents'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: [...INCIDENT_STATES] },
            condition: { type: 'string', enum: Object.keys(detectors) },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              count: { type: 'integer' },
              incidents: { type: 'array', items: incidentSchema },
            },
          },
          400: errorBody,
        },
      },
    },
    async (req) => {
      const rows = await listIncidents(db, req.query)
      return { count: rows.length, incidents: rows.map(incidentJson) }
    },
  )

  app.get<{ Params: { id: number } }>(
    '/api/v1/incidents/:id',
    {
      schema: {
        summary: 'One incident with its timeline',
        tags: ['incidents'],
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              incident: incidentSchema,
              events: { type: 'array', items: eventSchema },
            },
          },
          400: errorBody,
          404: errorBody,
        },
      },
    },
    async (req) => {
      const row = await mustFind(monitor, req.params.id)
      const events = await timeline(db, req.params.id)
      return { incident: incidentJson(row), events: events.map(incidentEventJson) }
    },
  )

  app.post<{ Params: { id: number } }>(
    '/api/v1/incidents/:id/acknowledge',
    {
      schema: {
        summary: 'Acknowledge an incident (a resolved one stays resolved)',
        tags: ['incidents'],
        params: idParams,
        response: { 200: incidentSchema, 400: errorBody, 404: errorBody },
      },
    },
    async (req) => {
      await monitor.acknowledge(req.params.id, 'api')
      return incidentJson(await mustFind(monitor, req.params.id))
    },
  )

  app.post<{ Params: { id: number }; Body: { minutes: number } }>(
    '/api/v1/incidents/:id/snooze',
    {
      schema: {
        summary: 'Snooze an incident; it reopens afterwards if its condition still holds',
        tags: ['incidents'],
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['minutes'],
          properties: { minutes: { type: 'integer', minimum: 1, maximum: 10080 } },
        },
        response: { 200: incidentSchema, 400: errorBody, 404: errorBody },
      },
    },
    async (req) => {
      await monitor.snooze(req.params.id, req.body.minutes)
      return incidentJson(await mustFind(monitor, req.params.id))
    },
  )

  app.get(
    '/api/v1/tenants',
    {
      schema: {
        summary: 'Monitored tenants (never their secrets)',
        tags: ['tenants'],
        response: {
          200: {
            type: 'object',
            properties: {
              count: { type: 'integer' },
              tenants: { type: 'array', items: tenantSchema },
            },
          },
        },
      },
    },
    async () => {
      const rows = await listTenantRows(db)
      return { count: rows.length, tenants: rows.map(tenantJson) }
    },
  )

  app.post<{ Body: TenantBody }>(
    '/api/v1/tenants',
    {
      schema: {
        summary: 'Add or replace a tenant; the client secret is stored encrypted',
        tags: ['tenants'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'tenantId', 'clientId', 'clientSecret'],
          properties: {
            key: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            tenantId: { type: 'string', minLength: 1, maxLength: 200 },
            clientId: { type: 'string', minLength: 1, maxLength: 200 },
            clientSecret: { type: 'string', minLength: 1, maxLength: 4096 },
            authorityHost: url,
            apiUrl: url,
          },
        },
        response: { 200: tenantSchema, 201: tenantSchema, 400: errorBody },
      },
    },
    async (req, reply) => {
      const existed = (await findTenantRow(db, req.body.key)) !== undefined
      await monitor.saveTenant(req.body, 'api')
      const row = await findTenantRow(db, req.body.key)
      if (!row) throw new UserError('ERR_TENANT_NOT_FOUND', { key: req.body.key })
      return reply.code(existed ? 200 : 201).send(tenantJson(row))
    },
  )

  app.delete<{ Params: { key: string } }>(
    '/api/v1/tenants/:key',
    {
      schema: {
        summary: 'Stop monitoring a tenant (its stored history stays)',
        tags: ['tenants'],
        params: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', maxLength: 63 } },
        },
        response: { 204: { type: 'null' }, 404: errorBody },
      },
    },
    async (req, reply) => {
      if (!(await monitor.removeTenant(req.params.key)))
        throw new UserError('ERR_TENANT_NOT_FOUND', { key: req.params.key })
      return reply.code(204).send()
    },
  )
}
