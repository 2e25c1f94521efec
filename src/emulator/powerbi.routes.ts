/**
 * The Power BI REST endpoints a refresh monitor uses, under `/v1.0/myorg` (contract §3.1–§3.9,
 * §3.12). Shapes come from shapes.ts; errors use the envelopes the real service uses for each case.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { badRequest, type EmulatorContext, type RouteContext, route } from './context.ts'
import { ENTITY_NOT_FOUND, envelopeA, envelopeB, sendEmpty, sendJson } from './envelopes.ts'
import { intParam, page, readPaging } from './odata.ts'
import type { DatasetState } from './scenario.ts'
import * as shape from './shapes.ts'
import type { Workspace } from './tenants.ts'

export const API = '/v1.0/myorg'

function pick(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined
  const entry = Object.entries(source).find(([key]) => key === name)
  return typeof entry?.[1] === 'string' ? entry[1] : undefined
}
export const param = (request: FastifyRequest, name: string): string =>
  pick(request.params, name) ?? ''
export const query = (request: FastifyRequest, name: string): string | undefined =>
  pick(request.query, name)

/** A workspace the caller may use: unknown → 404 PowerBIEntityNotFound, not a member → 401 (§7 item 1). */
function workspaceOf(
  reply: FastifyReply,
  rc: RouteContext,
  groupId: string,
): Workspace | FastifyReply {
  const workspace = rc.tenant.workspaces.find((w) => w.id === groupId.toLowerCase())
  if (!workspace) return sendJson(reply, 404, ENTITY_NOT_FOUND)
  if (!workspace.spMember) return sendJson(reply, 401, envelopeB('PowerBINotAuthorizedException'))
  return workspace
}

function datasetOf(
  ctx: EmulatorContext,
  request: FastifyRequest,
  reply: FastifyReply,
  rc: RouteContext,
): DatasetState | FastifyReply {
  const workspace = workspaceOf(reply, rc, param(request, 'groupId'))
  if (!('datasets' in workspace)) return workspace
  const datasetId = param(request, 'datasetId')
  const state = ctx.scenario.datasets.get(datasetId.toLowerCase())
  if (!state || state.workspace !== workspace) {
    // The "ItemNotFound" wording is a real capture (contract §6.9).
    return sendJson(
      reply,
      404,
      envelopeA(
        'ItemNotFound',
        `Dataset ${datasetId} is not found! please verify datasetId is correct and user have sufficient permissions.`,
      ),
    )
  }
  return state
}

const isReply = (value: unknown): value is FastifyReply =>
  typeof value === 'object' && value !== null && 'sent' in value && 'code' in value

const RefreshBody = z
  .object({
    notifyOption: z.enum(['NoNotification', 'MailOnFailure', 'MailOnCompletion']).optional(),
    type: z
      .enum(['Full', 'ClearValues', 'Calculate', 'DataOnly', 'Automatic', 'Defragment'])
      .optional(),
    commitMode: z.enum(['Transactional', 'PartialBatch']).optional(),
    maxParallelism: z.number().int().min(1).optional(),
    retryCount: z.number().int().min(0).optional(),
    objects: z
      .array(z.object({ table: z.string(), partition: z.string().optional() }).strict())
      .optional(),
    applyRefreshPolicy: z.boolean().optional(),
    effectiveDate: z.string().optional(),
    timeout: z.string().optional(),
  })
  .strict()

export function registerPowerBiRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups`,
    family: 'groups',
    access: 'member',
    handler: (request, reply, rc) => {
      const paging = readPaging((name) => query(request, name), {
        topRequired: false,
        maxTop: 100_000,
      })
      if ('error' in paging) return badRequest(reply, paging.error)
      // Only workspaces the service principal belongs to (contract §1.3 item 4).
      const groups = rc.tenant.workspaces
        .filter((w) => w.spMember)
        .map(shape.group)
        .filter(paging.filter)
      return shape.odataList('groups', page(groups, paging))
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId`,
    family: 'groups',
    access: 'member',
    handler: (request, reply, rc) => {
      const workspace = workspaceOf(reply, rc, param(request, 'groupId'))
      return 'datasets' in workspace
        ? {
            '@odata.context': `${shape.ODATA_BASE}/$metadata#groups/$entity`,
            ...shape.group(workspace),
          }
        : workspace
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/datasets`,
    family: 'datasets',
    access: 'member',
    handler: (request, reply, rc) => {
      const workspace = workspaceOf(reply, rc, param(request, 'groupId'))
      if (!('datasets' in workspace)) return workspace
      return shape.odataList(
        `groups/${workspace.id}/datasets`,
        workspace.datasets.map((d) => shape.dataset(d)),
      )
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/datasets/:datasetId`,
    family: 'datasets',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      return isReply(st)
        ? st
        : {
            '@odata.context': `${shape.ODATA_BASE}/$metadata#datasets/$entity`,
            ...shape.dataset(st.dataset),
          }
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/datasets/:datasetId/refreshes`,
    family: 'refreshes',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      if (isReply(st)) return st
      const top = intParam(query(request, '$top'), '$top', 1, 100_000)
      if (typeof top === 'object') return badRequest(reply, top.error)
      const entries = st.history.slice(0, top).map((run) => shape.refresh(run, rc.now))
      return shape.odataList('refreshes', entries)
    },
  })

  route(app, ctx, {
    method: 'POST',
    url: `${API}/groups/:groupId/datasets/:datasetId/refreshes`,
    family: 'refreshes',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      if (isReply(st)) return st
      const parsed = RefreshBody.safeParse(request.body ?? {})
      if (!parsed.success)
        return badRequest(
          reply,
          `Invalid refresh request: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        )
      const { notifyOption, ...rest } = parsed.data
      // Any field other than notifyOption makes it an enhanced refresh (contract §3.6).
      const enhanced = Object.keys(rest).length > 0 ? rest : undefined
      const result = ctx.scenario.triggerRefresh(st, { notifyOption, enhanced })
      if ('message' in result)
        return sendJson(reply, result.status, envelopeA(result.code, result.message))
      if (result.enhanced) {
        const base = `http://${request.headers.host ?? '127.0.0.1'}`
        reply.header(
          'Location',
          `${base}${API}/groups/${st.workspace.id}/datasets/${st.dataset.id}/refreshes/${result.requestId}`,
        )
        reply.header('x-ms-request-id', result.requestId)
      } else {
        // A standard refresh is correlated by the RequestId header = history requestId (contract §3.6, [O]).
        reply.header('RequestId', result.requestId)
      }
      return sendEmpty(reply, 202)
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/datasets/:datasetId/refreshes/:refreshId`,
    family: 'refreshes',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      if (isReply(st)) return st
      const id = param(request, 'refreshId').toLowerCase()
      const run = st.history.find((r) => r.requestId === id)
      // Only enhanced refreshes have execution details; others → 404 ItemNotFound [S, contract §3.5].
      if (!run?.enhanced)
        return sendJson(
          reply,
          404,
          envelopeA('ItemNotFound', `Refresh ${id} is not found for this semantic model`),
        )
      return sendJson(reply, run.status === 'Unknown' ? 202 : 200, shape.refreshDetail(run, rc.now))
    },
  })

  route(app, ctx, {
    method: 'DELETE',
    url: `${API}/groups/:groupId/datasets/:datasetId/refreshes/:refreshId`,
    family: 'refreshes',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      if (isReply(st)) return st
      const outcome = ctx.scenario.cancelRefresh(st, param(request, 'refreshId'))
      if (outcome === 'not-found')
        return sendJson(
          reply,
          404,
          envelopeA(
            'ItemNotFound',
            'Only refreshes started through the enhanced refresh API can be cancelled',
          ),
        )
      if (outcome === 'not-cancellable')
        return badRequest(reply, 'The refresh has already finished')
      return sendEmpty(reply, 200)
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/datasets/:datasetId/refreshSchedule`,
    family: 'datasets',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      return isReply(st) ? st : shape.schedule(st.dataset)
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/datasets/:datasetId/datasources`,
    family: 'datasets',
    access: 'member',
    handler: (request, reply, rc) => {
      const st = datasetOf(ctx, request, reply, rc)
      if (isReply(st)) return st
      const sources = st.dataset.sourceIds.flatMap((id) => ctx.scenario.sources.get(id) ?? [])
      return shape.odataList('datasources', sources.map(shape.datasetDatasource))
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/reports`,
    family: 'reports',
    access: 'member',
    handler: (request, reply, rc) => {
      const workspace = workspaceOf(reply, rc, param(request, 'groupId'))
      return 'datasets' in workspace
        ? shape.odataList(`groups/${workspace.id}/reports`, workspace.reports.map(shape.report))
        : workspace
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/dataflows`,
    family: 'dataflows',
    access: 'member',
    handler: (request, reply, rc) => {
      const workspace = workspaceOf(reply, rc, param(request, 'groupId'))
      return 'datasets' in workspace
        ? shape.odataList('dataflows', workspace.dataflows.map(shape.dataflow))
        : workspace
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/groups/:groupId/dataflows/:dataflowId/transactions`,
    family: 'dataflows',
    access: 'member',
    handler: (request, reply, rc) => {
      const workspace = workspaceOf(reply, rc, param(request, 'groupId'))
      if (!('datasets' in workspace)) return workspace
      const st = ctx.scenario.dataflows.get(param(request, 'dataflowId').toLowerCase())
      if (!st || st.workspace !== workspace) return sendJson(reply, 404, ENTITY_NOT_FOUND)
      return shape.odataList('transactions', st.transactions.map(shape.transaction))
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/gateways`,
    family: 'gateways',
    access: 'member',
    handler: (_request, _reply, rc) =>
      shape.odataList(
        'gateways',
        rc.tenant.gateways.map((g) => shape.gateway(g, ctx.scenario.isGatewayDown(g, rc.now))),
      ),
  })

  const gatewayOf = (request: FastifyRequest, rc: RouteContext) =>
    rc.tenant.gateways.find((g) => g.id === param(request, 'gatewayId').toLowerCase())

  route(app, ctx, {
    method: 'GET',
    url: `${API}/gateways/:gatewayId`,
    family: 'gateways',
    access: 'member',
    handler: (request, reply, rc) => {
      const g = gatewayOf(request, rc)
      return g
        ? {
            '@odata.context': `${shape.ODATA_BASE}/$metadata#gateways/$entity`,
            ...shape.gateway(g, ctx.scenario.isGatewayDown(g, rc.now)),
          }
        : sendJson(reply, 404, ENTITY_NOT_FOUND)
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/gateways/:gatewayId/datasources`,
    family: 'gateways',
    access: 'member',
    handler: (request, reply, rc) => {
      const g = gatewayOf(request, rc)
      if (!g) return sendJson(reply, 404, ENTITY_NOT_FOUND)
      const sources = rc.tenant.sources.filter((s) => s.gatewayId === g.id)
      return shape.odataList(
        `gateways('${g.id}')/datasources`,
        sources.map(shape.gatewayDatasource),
      )
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: `${API}/gateways/:gatewayId/datasources/:datasourceId/status`,
    family: 'gateways',
    access: 'member',
    handler: (request, reply, rc) => {
      const g = gatewayOf(request, rc)
      const source = g
        ? rc.tenant.sources.find(
            (s) => s.gatewayId === g.id && s.id === param(request, 'datasourceId').toLowerCase(),
          )
        : undefined
      if (!source) return sendJson(reply, 404, ENTITY_NOT_FOUND)
      // Reachable → 200 with an empty body; otherwise 400 with a DM_GWPipeline_* envelope B (§3.9).
      switch (ctx.scenario.datasourceStatus(source)) {
        case 'ok':
          return sendEmpty(reply, 200)
        case 'gateway-down':
          return sendJson(reply, 400, envelopeB('DM_GWPipeline_Client_GatewayUnreachable'))
        case 'credentials':
          return sendJson(
            reply,
            400,
            envelopeB('DM_GWPipeline_Gateway_DataSourceAccessError', [
              { code: 'DM_ErrorDetailNameCode_UnderlyingErrorCode', value: '-2146232060' },
              {
                code: 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
                value: `Login failed for user '${source.account}'.`,
              },
              { code: 'DM_ErrorDetailNameCode_UnderlyingHResult', value: '-2146232060' },
              { code: 'DM_ErrorDetailNameCode_UnderlyingNativeErrorCode', value: '18456' },
            ]),
          )
      }
    },
  })
}
