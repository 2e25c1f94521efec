/**
 * Admin endpoints (contract §3.2, §3.10): every workspace of the tenant, whether or not the service
 * principal is a member, and capacity refreshables. Both need the read-only admin API tenant
 * setting and enforce the documented hourly budgets with a 429 + `Retry-After` (§5.1, §7 item 10).
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { HOUR, MINUTE } from './clock.ts'
import { badRequest, type EmulatorContext, route } from './context.ts'
import { sendJson, throttledBody } from './envelopes.ts'
import { WindowLimiter } from './faults.ts'
import { page, readPaging } from './odata.ts'
import { query } from './powerbi.routes.ts'
import * as shape from './shapes.ts'

const EXPANDABLE = ['users', 'reports', 'dashboards', 'datasets', 'dataflows', 'workbooks'] as const

function throttled(ctx: EmulatorContext, reply: FastifyReply, waitMs: number): FastifyReply {
  // The window runs on scenario time; Retry-After is in the real seconds a client will wait.
  const seconds = ctx.clock.toRealSeconds(waitMs)
  reply.header('Retry-After', String(seconds))
  return sendJson(reply, 429, throttledBody(seconds))
}

export function registerAdminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const groupsBudget = new WindowLimiter([
    { limit: 50, ms: HOUR },
    { limit: 15, ms: MINUTE },
  ])
  const adminBudget = new WindowLimiter([{ limit: 200, ms: HOUR }])

  route(app, ctx, {
    method: 'GET',
    url: '/v1.0/myorg/admin/groups',
    family: 'admin-groups',
    access: 'admin',
    handler: (request, reply, rc) => {
      const budget = groupsBudget.take(rc.tenant.id, rc.now)
      if (!budget.ok) return throttled(ctx, reply, budget.waitMs)
      const paging = readPaging((name) => query(request, name), { topRequired: true, maxTop: 5000 })
      if ('error' in paging) return badRequest(reply, paging.error)
      const expandText = query(request, '$expand') ?? ''
      const wanted = expandText
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean)
      const unknown = wanted.filter((w) => !(EXPANDABLE as readonly string[]).includes(w))
      if (unknown.length > 0) return badRequest(reply, `Unsupported $expand: ${unknown.join(', ')}`)
      const expand: shape.AdminExpand = {
        users: wanted.includes('users'),
        reports: wanted.includes('reports'),
        dashboards: wanted.includes('dashboards'),
        datasets: wanted.includes('datasets'),
        dataflows: wanted.includes('dataflows'),
        workbooks: wanted.includes('workbooks'),
      }
      const groups = rc.tenant.workspaces
        .map((w) => shape.adminGroup(w, rc.tenant, expand))
        .filter(paging.filter)
      return shape.odataList('groups', page(groups, paging))
    },
  })

  route(app, ctx, {
    method: 'GET',
    url: '/v1.0/myorg/admin/capacities/refreshables',
    family: 'admin',
    access: 'admin',
    handler: (request, reply, rc) => {
      const budget = adminBudget.take(rc.tenant.id, rc.now)
      if (!budget.ok) return throttled(ctx, reply, budget.waitMs)
      const paging = readPaging((name) => query(request, name), {
        topRequired: true,
        maxTop: 10_000,
      })
      if ('error' in paging) return badRequest(reply, paging.error)
      const expand = (query(request, '$expand') ?? '')
        .toLowerCase()
        .split(',')
        .map((s) => s.trim())
      const options = { capacity: expand.includes('capacity'), group: expand.includes('group') }
      // Only models on a capacity that refreshed or have a schedule (contract §3.10).
      const items = [...ctx.scenario.datasets.values()]
        .filter((st) => st.tenant === rc.tenant && st.dataset.premium && st.dataset.importMode)
        .filter((st) => st.history.length > 0 || st.dataset.schedule.enabled)
        .map((st) =>
          shape.refreshable(
            st,
            rc.tenant.capacities.find((c) => c.id === st.workspace.capacityId),
            rc.now,
            options,
          ),
        )
        .filter(paging.filter)
      return shape.odataList('refreshables', page(items, paging))
    },
  })
}
