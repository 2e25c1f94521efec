/**
 * The control API under `/_emulator/`, for tests and demos: break things on purpose (failures,
 * gateway outages, expired credentials, throttling, 5xx, slow or malformed responses, expired
 * tokens), move the clock, and read what the emulator served. Errors here are Vigil's own
 * (`{error:{code,message,details}}`), never Power BI envelopes, so a test cannot confuse the two.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { UserError } from '../shared/errors.ts'
import { DAY, HOUR, MINUTE } from './clock.ts'
import { findTenant, type EmulatorContext } from './context.ts'
import { EMITTED_REFRESH_CODES, FAILURES, failureSpec } from './failures.ts'
import { FaultSchema } from './faults.ts'
import type { DatasetState } from './scenario.ts'
import { iso } from './shapes.ts'

function parseBody<O, I>(schema: z.ZodType<O, z.ZodTypeDef, I>, body: unknown): O {
  const parsed = schema.safeParse(body ?? {})
  if (!parsed.success) {
    throw new UserError('ERR_EMULATOR_INVALID_REQUEST', {
      issues: parsed.error.issues
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; '),
    })
  }
  return parsed.data
}

function idParam(request: FastifyRequest): string {
  const entry = Object.entries(request.params ?? {}).find(([k]) => k === 'id')
  return typeof entry?.[1] === 'string' ? entry[1].toLowerCase() : ''
}

const AdvanceSchema = z
  .object({
    ms: z.number().min(0).optional(),
    minutes: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    days: z.number().min(0).optional(),
  })
  .strict()
const FailSchema = z
  .object({
    code: z.string(),
    count: z.number().int().min(1).default(1),
    variant: z.string().optional(),
    shape: z.enum(['flat', 'envelope']).optional(),
  })
  .strict()
const CredentialSchema = z.object({ state: z.enum(['ok', 'expired', 'missing']) }).strict()
const SettingsSchema = z
  .object({
    servicePrincipalsEnabled: z.boolean().optional(),
    adminApisEnabled: z.boolean().optional(),
    secretExpired: z.boolean().optional(),
    appDisabled: z.boolean().optional(),
  })
  .strict()

export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { scenario } = ctx
  const dataset = (request: FastifyRequest): DatasetState => {
    const st = scenario.datasets.get(idParam(request))
    if (!st)
      throw new UserError('ERR_EMULATOR_NOT_FOUND', { kind: 'dataset', id: idParam(request) })
    return st
  }

  app.get('/_emulator/tenants', () => ({
    tenants: scenario.world.tenants.map((t) => ({
      id: t.id,
      domain: t.domain,
      displayName: t.displayName,
      clientId: t.clientId,
      settings: t.settings,
    })),
  }))

  app.post('/_emulator/tenants/:id/settings', (request) => {
    const tenant = findTenant(ctx, idParam(request))
    if (!tenant)
      throw new UserError('ERR_EMULATOR_NOT_FOUND', { kind: 'tenant', id: idParam(request) })
    const changes = parseBody(SettingsSchema, request.body)
    for (const [key, value] of Object.entries(changes)) {
      if (value !== undefined && key in tenant.settings)
        Object.assign(tenant.settings, { [key]: value })
    }
    return { id: tenant.id, settings: tenant.settings }
  })

  /** Everything the scenario holds, with ids, so scripts can pick targets. */
  app.get('/_emulator/inventory', () => {
    const now = scenario.sync()
    return {
      now: iso(now),
      tenants: scenario.world.tenants.map((t) => ({
        id: t.id,
        domain: t.domain,
        gateways: t.gateways.map((g) => ({
          id: g.id,
          name: g.name,
          down: scenario.isGatewayDown(g, now),
        })),
        datasources: t.sources.map((s) => ({
          id: s.id,
          via: s.via,
          gatewayId: s.gatewayId,
          datasourceType: s.datasourceType,
          credentials:
            s.credentials && s.credentials.brokenSince <= now ? s.credentials.reason : 'ok',
        })),
        workspaces: t.workspaces.map((w) => ({
          id: w.id,
          name: w.name,
          capacity: w.premium ? 'premium' : 'shared',
          servicePrincipalIsMember: w.spMember,
          datasets: w.datasets.map((d) => {
            const st = scenario.datasets.get(d.id)
            return {
              id: d.id,
              name: d.name,
              refreshable: d.importMode,
              scheduleEnabled: d.schedule.enabled,
              refreshesPerDay: d.schedule.times.length,
              datasourceIds: d.sourceIds,
              running: st?.running !== undefined,
              consecutiveFailures: st?.consecutiveFailures ?? 0,
              lastStatus: st?.history[0]?.status,
            }
          }),
          dataflows: w.dataflows.map((f) => ({ id: f.objectId, name: f.name })),
        })),
      })),
    }
  })

  app.get('/_emulator/clock', () => ({
    now: iso(scenario.sync()),
    startedAt: iso(ctx.clock.startedAt),
    speed: ctx.clock.speed,
  }))

  app.post('/_emulator/clock/advance', (request) => {
    const b = parseBody(AdvanceSchema, request.body)
    const ms = (b.ms ?? 0) + (b.minutes ?? 0) * MINUTE + (b.hours ?? 0) * HOUR + (b.days ?? 0) * DAY
    ctx.clock.advance(ms)
    return { now: iso(scenario.sync()) }
  })

  app.post('/_emulator/clock/speed', (request) => {
    const { speed } = parseBody(
      z.object({ speed: z.number().min(0).max(10_000) }).strict(),
      request.body,
    )
    ctx.clock.setSpeed(speed)
    return { now: iso(scenario.sync()), speed }
  })

  app.get('/_emulator/failures', () => ({
    codes: EMITTED_REFRESH_CODES,
    failures: FAILURES.map((f) => ({
      code: f.code,
      kind: f.kind,
      variants: f.variants.map((v) => v.name),
    })),
  }))

  app.post('/_emulator/datasets/:id/fail', (request) => {
    const st = dataset(request)
    const body = parseBody(FailSchema, request.body)
    const spec = failureSpec(body.code)
    if (!spec) {
      throw new UserError('ERR_EMULATOR_INVALID_REQUEST', {
        issues: `code must be one of: ${EMITTED_REFRESH_CODES.join(', ')}`,
      })
    }
    scenario.forceFailure(st, spec.code, body.count, body.variant, body.shape)
    return { id: st.dataset.id, code: spec.code, count: body.count }
  })

  app.post('/_emulator/datasets/:id/refresh', (request, reply) => {
    const result = scenario.refreshNow(dataset(request))
    if ('message' in result)
      throw new UserError('ERR_EMULATOR_INVALID_REQUEST', { issues: result.message })
    return reply.code(202).send({ requestId: result.requestId, startTime: iso(result.start) })
  })

  app.post('/_emulator/datasets/:id/schedule', (request) => {
    const st = dataset(request)
    const { enabled } = parseBody(z.object({ enabled: z.boolean() }).strict(), request.body)
    scenario.setScheduleEnabled(st, enabled)
    return { id: st.dataset.id, enabled }
  })

  app.post('/_emulator/datasets/:id/credentials', (request) => {
    const st = dataset(request)
    const { state } = parseBody(CredentialSchema, request.body)
    for (const id of st.dataset.sourceIds) {
      const source = scenario.sources.get(id)
      if (source) scenario.setCredentials(source, state)
    }
    return { id: st.dataset.id, datasourceIds: st.dataset.sourceIds, state }
  })

  app.post('/_emulator/datasources/:id/credentials', (request) => {
    const source = scenario.sources.get(idParam(request))
    if (!source)
      throw new UserError('ERR_EMULATOR_NOT_FOUND', { kind: 'datasource', id: idParam(request) })
    const { state } = parseBody(CredentialSchema, request.body)
    scenario.setCredentials(source, state)
    return { id: source.id, state }
  })

  for (const action of ['down', 'up'] as const) {
    app.post(`/_emulator/gateways/:id/${action}`, (request) => {
      const gateway = scenario.gateways.get(idParam(request))
      if (!gateway)
        throw new UserError('ERR_EMULATOR_NOT_FOUND', { kind: 'gateway', id: idParam(request) })
      scenario.setGatewayDown(gateway, action === 'down')
      return { id: gateway.id, down: action === 'down' }
    })
  }

  app.post('/_emulator/dataflows/:id/refresh', (request, reply) => {
    const st = scenario.dataflows.get(idParam(request))
    if (!st)
      throw new UserError('ERR_EMULATOR_NOT_FOUND', { kind: 'dataflow', id: idParam(request) })
    const result = scenario.refreshDataflowNow(st)
    if ('message' in result)
      throw new UserError('ERR_EMULATOR_INVALID_REQUEST', { issues: result.message })
    return reply.code(202).send({ transactionId: result.id })
  })

  app.get('/_emulator/faults', () => ({ faults: ctx.faults.list() }))
  app.post('/_emulator/faults', (request, reply) =>
    reply.code(201).send(ctx.faults.add(parseBody(FaultSchema, request.body))),
  )
  app.delete('/_emulator/faults', () => {
    ctx.faults.clear()
    return { faults: [] }
  })

  app.post('/_emulator/tokens/expire', (request) => {
    const { tenantId } = parseBody(
      z.object({ tenantId: z.string().optional() }).strict(),
      request.body,
    )
    return { expired: ctx.tokens.expireAll(tenantId?.toLowerCase()) }
  })

  app.post('/_emulator/tokens/ttl', (request) => {
    const { seconds } = parseBody(
      z.object({ seconds: z.number().int().min(1).nullable() }).strict(),
      request.body,
    )
    ctx.tokens.ttlSeconds = seconds ?? undefined
    return { seconds }
  })

  app.get('/_emulator/stats', () => ctx.stats.snapshot())
  app.delete('/_emulator/stats', () => {
    ctx.stats.reset()
    return ctx.stats.snapshot()
  })
}
