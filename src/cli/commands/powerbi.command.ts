import { readFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { diagnoserFor } from '../../diagnosis/diagnosis.service.ts'
import { KnowledgeBase } from '../../kb/kb.ts'
import { loadKb } from '../../kb/loader.ts'
import { UserError } from '../../shared/errors.ts'
import { DEFAULT_AUTHORITY_HOST } from '../../sources/powerbi/auth.ts'
import { type Clock, systemClock } from '../../sources/powerbi/clock.ts'
import {
  createPowerBiClient,
  DEFAULT_API_URL,
  type PowerBiClient,
} from '../../sources/powerbi/client.ts'
import { isPowerBiError, type PowerBiError } from '../../sources/powerbi/errors.ts'
import { parseServiceException } from '../../sources/powerbi/schemas.ts'
import { parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil powerbi check [--json] [--max-models N]

Signs in as the service principal in VIGIL_POWERBI_TENANT_ID / _CLIENT_ID / _CLIENT_SECRET
(or _CLIENT_SECRET_FILE), optionally at VIGIL_POWERBI_AUTHORITY_HOST and VIGIL_POWERBI_API_URL,
lists what it can see and explains each problem with the error reference.`

export interface PowerBiSettings {
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: string
  readonly authorityHost: string
  readonly apiUrl: string
}

/** Reads the VIGIL_POWERBI_* variables; lists every missing one at once (style-anchors §4.5 "fail fast"). */
export async function settingsFromEnv(env: NodeJS.ProcessEnv): Promise<PowerBiSettings> {
  const missing: string[] = []
  const need = (name: string): string => {
    const value = env[name]?.trim()
    if (!value) missing.push(name)
    return value ?? ''
  }
  const tenantId = need('VIGIL_POWERBI_TENANT_ID')
  const clientId = need('VIGIL_POWERBI_CLIENT_ID')
  let clientSecret = env.VIGIL_POWERBI_CLIENT_SECRET?.trim() ?? ''
  const secretFile = env.VIGIL_POWERBI_CLIENT_SECRET_FILE?.trim()
  if (!clientSecret && secretFile) clientSecret = (await readFile(secretFile, 'utf8')).trim()
  if (!clientSecret)
    missing.push('VIGIL_POWERBI_CLIENT_SECRET (or VIGIL_POWERBI_CLIENT_SECRET_FILE)')
  if (missing.length > 0) {
    throw new UserError('ERR_CONFIG_INVALID', {
      missing: missing.join(', '),
      hint: 'for the local emulator, run `npx vigil emulator` and copy the variables it prints',
    })
  }
  return {
    tenantId,
    clientId,
    clientSecret,
    authorityHost: env.VIGIL_POWERBI_AUTHORITY_HOST?.trim() || DEFAULT_AUTHORITY_HOST,
    apiUrl: env.VIGIL_POWERBI_API_URL?.trim() || DEFAULT_API_URL,
  }
}

/** One thing that is wrong, with the error reference's explanation when it has one. */
export interface CheckProblem {
  /** `access`: Vigil cannot monitor this; `finding`: something being monitored is failing. */
  readonly kind: 'access' | 'finding'
  readonly where: string
  readonly what: string
  readonly code?: string | undefined
  readonly httpStatus?: number | undefined
  readonly requestId?: string | undefined
  readonly reference?:
    | { readonly slug: string; readonly title: string; readonly firstStep?: string | undefined }
    | undefined
  /** What to change, when the situation (not just the code) says it. */
  readonly hint?: string | undefined
}

export interface CheckReport {
  readonly tenantId: string
  readonly clientId: string
  readonly apiUrl: string
  readonly signedIn: boolean
  readonly workspaces: readonly {
    readonly id: string
    readonly name: string
    readonly capacity: 'premium' | 'shared'
    readonly models: readonly {
      readonly id: string
      readonly name: string
      readonly refreshable: boolean
      readonly lastStatus?: string | undefined
      readonly scheduleEnabled?: boolean | undefined
    }[]
    readonly dataflows: readonly {
      readonly id: string
      readonly name: string
      readonly lastStatus?: string | undefined
    }[]
    readonly reports: number
  }[]
  readonly gateways: readonly {
    readonly id: string
    readonly name: string
    readonly status?: string | undefined
    readonly datasources: number
    readonly unhealthy: number
  }[]
  readonly admin: {
    readonly ok: boolean
    readonly workspaces?: number
    readonly notMember?: number
  }
  readonly problems: readonly CheckProblem[]
  /** Models whose history was not read because of --max-models. */
  readonly skippedModels: number
}

/** Context-specific advice the error code alone cannot give (contract §1.3 tenant settings). */
function hintFor(
  err: PowerBiError,
  scope: 'admin' | 'member' | 'signin' | 'gateway',
): string | undefined {
  const code = err.info.upstreamCode
  if (err.code === 'ERR_SOURCE_NETWORK')
    return 'check VIGIL_POWERBI_AUTHORITY_HOST / VIGIL_POWERBI_API_URL and that the host is reachable from here'
  if (code === 'PowerBINotAuthorizedException' || err.info.httpStatus === 401) {
    if (scope === 'admin') {
      return 'Fabric admin portal → Tenant settings → Admin API settings: enable "Service principals can access read-only admin APIs" for a security group containing this app; the app registration must not carry Power BI permissions that need admin consent. Changes take a few minutes.'
    }
    if (scope === 'member') {
      return 'Fabric admin portal → Tenant settings → Developer settings: enable "Service principals can use Fabric APIs" for a security group containing this app, then add the service principal to each workspace to monitor (Member or Admin).'
    }
  }
  if (scope === 'gateway' && err.info.httpStatus === 403)
    return 'make the service principal an admin of the gateway (Manage connections and gateways) to read its data sources'
  if (err.code === 'ERR_SOURCE_RATE_LIMITED')
    return `Power BI asked to wait ${String(err.info.retryAfterSec ?? '?')} s; run the check again later`
  return undefined
}

export interface CheckDeps {
  readonly fetch?: typeof fetch | undefined
  readonly clock?: Clock | undefined
  readonly kb?: KnowledgeBase | undefined
  /** Models whose refresh history is read (one call each); default 200. */
  readonly maxModels?: number | undefined
}

/** Runs every check and returns the report; throws only for bugs, never for what it finds. */
export async function runPowerBiCheck(
  settings: PowerBiSettings,
  deps: CheckDeps = {},
): Promise<CheckReport> {
  const kb = deps.kb ?? new KnowledgeBase((await loadKb()).entries)
  const diagnoser = diagnoserFor(kb)
  const client: PowerBiClient = createPowerBiClient({
    ...settings,
    fetch: deps.fetch,
    clock: deps.clock ?? systemClock,
    // A check is interactive: do not sit out long throttling windows, report them.
    onRateLimit: (info) => info.waitMs <= 30_000 && info.attempt < 3,
  })
  const problems: CheckProblem[] = []

  /** Explains a raw error text with the reference (code first, then wording). */
  const explain = (raw: string): CheckProblem['reference'] => {
    const d = diagnoser.diagnose(raw)
    if (!d.slug || !d.title || d.matchedBy === 'none') return undefined
    return { slug: d.slug, title: d.title, firstStep: d.fixes[0] }
  }
  const fromError = (
    err: unknown,
    where: string,
    scope: 'admin' | 'member' | 'signin' | 'gateway',
    kind: CheckProblem['kind'] = 'access',
  ): CheckProblem => {
    if (!isPowerBiError(err)) throw err
    const info = err.info
    const raw = `HTTP ${String(info.httpStatus)} ${info.upstreamCode ?? ''}: ${info.upstreamMessage ?? ''} ${(info.upstreamDetails ?? []).map((d) => d.value).join(' ')}`
    return {
      kind,
      where,
      what: `${err.message}${info.upstreamCode ? ` (${info.upstreamCode}, HTTP ${String(info.httpStatus)})` : info.httpStatus ? ` (HTTP ${String(info.httpStatus)})` : ''}${info.upstreamMessage ? `: ${info.upstreamMessage}` : ''}`,
      code: info.upstreamCode,
      httpStatus: info.httpStatus,
      requestId: info.requestId,
      reference: info.upstreamCode ? explain(raw) : undefined,
      hint: hintFor(err, scope),
    }
  }
  const base = { tenantId: settings.tenantId, clientId: settings.clientId, apiUrl: settings.apiUrl }
  const empty = { workspaces: [], gateways: [], admin: { ok: false }, skippedModels: 0 }

  // 1. Sign in.
  try {
    await client.tokens.getToken(randomUUID())
  } catch (err) {
    problems.push(fromError(err, 'sign-in', 'signin'))
    return { ...base, ...empty, signedIn: false, problems }
  }

  // 2. Workspaces the service principal is a member of.
  let groups: Awaited<ReturnType<PowerBiClient['listGroups']>>
  try {
    groups = await client.listGroups()
  } catch (err) {
    problems.push(fromError(err, 'GET /groups', 'member'))
    return { ...base, ...empty, signedIn: true, problems }
  }

  // 3. Models, their last refresh and schedule, dataflows, reports.
  let budget = deps.maxModels ?? 200
  let skippedModels = 0
  const workspaces: CheckReport['workspaces'][number][] = []
  for (const group of groups) {
    const where = `workspace "${group.name}"`
    const models: CheckReport['workspaces'][number]['models'][number][] = []
    const dataflows: CheckReport['workspaces'][number]['dataflows'][number][] = []
    let reports = 0
    try {
      for (const d of await client.listDatasets(group.id)) {
        const refreshable = d.isRefreshable === true
        if (!refreshable) {
          models.push({ id: d.id, name: d.name, refreshable })
          continue
        }
        if (budget <= 0) {
          skippedModels++
          models.push({ id: d.id, name: d.name, refreshable })
          continue
        }
        budget--
        const [last] = await client.getRefreshHistory(group.id, d.id, 1)
        const schedule = await client.getRefreshSchedule(group.id, d.id)
        models.push({
          id: d.id,
          name: d.name,
          refreshable,
          lastStatus: last?.status,
          scheduleEnabled: schedule.enabled,
        })
        if (last?.status === 'Failed') {
          const exception = last.serviceExceptionJson
            ? parseServiceException(last.serviceExceptionJson)
            : undefined
          problems.push({
            kind: 'finding',
            where: `model "${d.name}" in ${where}`,
            what: `last refresh (${last.refreshType ?? 'refresh'}, ${last.startTime ?? '?'}) failed${exception?.code ? ` with ${exception.code}` : ''}${exception?.description ? `: ${exception.description.slice(0, 240)}` : ''}`,
            code: exception?.code,
            reference: last.serviceExceptionJson ? explain(last.serviceExceptionJson) : undefined,
            requestId: last.requestId,
          })
        }
        if (schedule.enabled === false && (schedule.times?.length ?? 0) > 0) {
          problems.push({
            kind: 'finding',
            where: `model "${d.name}" in ${where}`,
            what: 'the refresh schedule is switched off (Power BI does this after 4 failures in a row or on invalid credentials)',
            hint: 'fix the cause of the failures, then turn the schedule back on in the semantic model settings',
          })
        }
      }
      for (const f of await client.listDataflows(group.id)) {
        const [last] = await client.listDataflowTransactions(group.id, f.objectId)
        dataflows.push({ id: f.objectId, name: f.name, lastStatus: last?.status })
        if (last?.status?.toLowerCase() === 'failed') {
          problems.push({
            kind: 'finding',
            where: `dataflow "${f.name}" in ${where}`,
            what: `last refresh failed (${last.startTime ?? '?'})`,
          })
        }
      }
      reports = (await client.listReports(group.id)).length
    } catch (err) {
      problems.push(fromError(err, where, 'member'))
    }
    workspaces.push({
      id: group.id,
      name: group.name,
      capacity: group.isOnDedicatedCapacity ? 'premium' : 'shared',
      models,
      dataflows,
      reports,
    })
  }

  // 4. Gateways and the health of their data sources.
  const gateways: CheckReport['gateways'][number][] = []
  try {
    for (const gw of await client.listGateways()) {
      let unhealthy = 0
      const sources = await client.listGatewayDatasources(gw.id)
      for (const s of sources) {
        const status = await client.getDatasourceStatus(gw.id, s.id)
        if (!status.ok) {
          unhealthy++
          problems.push(
            fromError(
              status.error,
              `data source "${s.datasourceName ?? s.id}" on gateway "${gw.name ?? gw.id}"`,
              'gateway',
              'finding',
            ),
          )
        }
      }
      gateways.push({
        id: gw.id,
        name: gw.name ?? gw.id,
        status: gw.gatewayStatus,
        datasources: sources.length,
        unhealthy,
      })
    }
  } catch (err) {
    problems.push(fromError(err, 'GET /gateways', 'gateway'))
  }

  // 5. Admin APIs: optional for monitoring, but they find workspaces the principal is not in.
  let admin: CheckReport['admin'] = { ok: false }
  try {
    const all = await client.listAdminGroups({ top: 5000 })
    const visible = new Set(groups.map((g) => g.id))
    admin = {
      ok: true,
      workspaces: all.length,
      notMember: all.filter((g) => !visible.has(g.id) && (g.type ?? 'Workspace') === 'Workspace')
        .length,
    }
  } catch (err) {
    problems.push(fromError(err, 'GET /admin/groups', 'admin'))
  }
  return { ...base, signedIn: true, workspaces, gateways, admin, problems, skippedModels }
}

/** The human-readable report. */
export function formatCheckReport(r: CheckReport): string {
  const lines: string[] = [
    `Power BI check — tenant ${r.tenantId}, client ${r.clientId}, API ${r.apiUrl}`,
    '',
  ]
  lines.push(r.signedIn ? 'ok    signed in' : 'FAIL  sign-in failed')
  if (r.signedIn) {
    const models = r.workspaces.reduce((n, w) => n + w.models.length, 0)
    lines.push(
      `${r.workspaces.length > 0 ? 'ok  ' : 'WARN'}  ${String(r.workspaces.length)} workspaces, ${String(models)} models visible to the service principal`,
    )
    for (const w of r.workspaces) {
      lines.push(
        `        ${w.name} (${w.capacity} capacity): ${String(w.models.length)} models, ${String(w.dataflows.length)} dataflows, ${String(w.reports)} reports`,
      )
      for (const m of w.models) {
        const state = !m.refreshable
          ? 'not refreshable'
          : m.lastStatus
            ? `last refresh ${m.lastStatus}`
            : 'no refresh yet'
        lines.push(
          `          - ${m.name}: ${state}${m.scheduleEnabled === false ? ', schedule off' : ''}`,
        )
      }
      for (const f of w.dataflows)
        lines.push(
          `          - dataflow ${f.name}: ${f.lastStatus ? `last refresh ${f.lastStatus}` : 'no refresh yet'}`,
        )
    }
    if (r.skippedModels > 0)
      lines.push(`        (${String(r.skippedModels)} more models not read; raise --max-models)`)
    lines.push(`ok    ${String(r.gateways.length)} gateways`)
    for (const g of r.gateways) {
      lines.push(
        `        ${g.name}${g.status ? ` (${g.status})` : ''}: ${String(g.datasources)} data sources${g.unhealthy ? `, ${String(g.unhealthy)} unhealthy` : ', all reachable'}`,
      )
    }
    lines.push(
      r.admin.ok
        ? `ok    admin APIs: ${String(r.admin.workspaces ?? 0)} workspaces in the tenant${r.admin.notMember ? `, ${String(r.admin.notMember)} without this service principal as member (not monitored)` : ''}`
        : 'WARN  admin APIs not available (optional; see below)',
    )
  }
  if (r.problems.length > 0) {
    lines.push('', `Problems (${String(r.problems.length)}):`)
    r.problems.forEach((p, i) => {
      lines.push(`  ${String(i + 1)}. [${p.kind}] ${p.where}: ${p.what}`)
      if (p.reference) {
        lines.push(
          `     Error reference: ${p.reference.title}  (npx vigil kb show ${p.reference.slug})`,
        )
        if (p.reference.firstStep) lines.push(`     First step: ${p.reference.firstStep}`)
      }
      if (p.hint) lines.push(`     To do: ${p.hint}`)
      if (p.requestId) lines.push(`     Request id: ${p.requestId}`)
    })
  } else {
    lines.push('', 'No problems found.')
  }
  return `${lines.join('\n')}\n`
}

/** Exit status: 0 when Vigil can monitor (sign-in and workspace listing work), 1 otherwise. */
export const checkExitCode = (r: CheckReport): number =>
  r.signedIn &&
  !r.problems.some(
    (p) => p.kind === 'access' && (p.where === 'sign-in' || p.where === 'GET /groups'),
  )
    ? 0
    : 1

/** `vigil powerbi check`. */
export async function powerbiCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args
  if (sub !== 'check') {
    throw new UserError('ERR_CLI_USAGE', {
      reason: sub ? `unknown powerbi command "${sub}"` : 'powerbi needs a command',
      usage: USAGE,
    })
  }
  const { values } = parse(
    rest,
    { json: { type: 'boolean' }, 'max-models': { type: 'string' } },
    USAGE,
  )
  const maxModels = values['max-models'] === undefined ? undefined : Number(values['max-models'])
  if (maxModels !== undefined && (!Number.isInteger(maxModels) || maxModels < 0)) {
    throw new UserError('ERR_CLI_USAGE', {
      reason: '--max-models must be a whole number',
      usage: USAGE,
    })
  }
  const settings = await settingsFromEnv(process.env)
  const report = await runPowerBiCheck(settings, { maxModels })
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatCheckReport(report))
  return checkExitCode(report)
}
