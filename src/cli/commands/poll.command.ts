import { openMonitor } from '../../monitor/open-monitor.ts'
import type { CycleReport } from '../../monitor/monitor.service.ts'
import { UserError } from '../../shared/errors.ts'
import { parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil poll --once [--json]   one full cycle over every tenant, then print what it saw
  vigil poll                   poll continuously (every monitor.refreshMinutes)

Tenants come from VIGIL_POWERBI_* (see \`vigil emulator\`), vigil.config.yaml and \`vigil tenant add\`.`

function text(r: CycleReport): string {
  const lines = [
    `${String(r.tenants)} tenant(s), ${String(r.workspaces)} workspaces, ${String(r.models)} models, ${String(r.dataflows)} dataflows`,
    `${String(r.refreshesStored)} refreshes stored, ${String(r.apiCalls)} Power BI API calls`,
  ]
  if (r.failures.length > 0) {
    lines.push(`Failures seen (${String(r.failures.length)}):`)
    for (const f of r.failures.slice(0, 20))
      lines.push(
        `  ${f.modelId}  ${f.requestId}  ${f.slug ?? '(no entry)'}  [${f.category ?? '?'}]`,
      )
    if (r.failures.length > 20)
      lines.push(`  … ${String(r.failures.length - 20)} more (--json lists all)`)
  }
  lines.push(`Open incidents (${String(r.incidents.length)}):`)
  for (const i of r.incidents)
    lines.push(
      `  #${String(i.id)} ${i.condition} ${i.modelId} ${i.state}${i.slug ? ` — ${i.slug}` : ''}`,
    )
  for (const c of r.coverage) {
    lines.push(
      `Coverage ${c.tenantKey}: ${String(c.workspacesVisible)} workspaces readable, ${String(c.workspacesAdminOnly)} visible only to the admin API, admin API ${c.adminApi === null ? 'not tried' : c.adminApi ? 'allowed' : 'refused'}`,
    )
    for (const g of c.gaps)
      lines.push(
        `  cannot see ${g.scope}${g.name ? ` "${g.name}"` : ''}: ${g.reason}${g.code ? ` (${g.code})` : ''}`,
      )
  }
  for (const e of r.errors) lines.push(`error ${e.tenantKey}: ${e.code} ${e.message}`)
  return `${lines.join('\n')}\n`
}

export async function pollCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    { once: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  )
  if (values.help) {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  const { monitor, close } = await openMonitor()
  try {
    if ((await monitor.tenants()).length === 0) {
      throw new UserError('ERR_CONFIG_INVALID', {
        reason: 'no tenant configured',
        hint: 'set VIGIL_POWERBI_TENANT_ID/_CLIENT_ID/_CLIENT_SECRET (npx vigil emulator prints them), add tenants to vigil.config.yaml, or run vigil tenant add',
      })
    }
    if (values.once) {
      const report = await monitor.cycle()
      if (values.json) {
        const {
          tenants,
          workspaces,
          models,
          dataflows,
          refreshesStored,
          apiCalls,
          failures,
          incidents,
          errors,
          coverage,
        } = report
        io.stdout(
          `${JSON.stringify({ tenants, workspaces, models, dataflows, refreshesStored, apiCalls, failures, incidents, errors, coverage })}\n`,
        )
      } else io.stdout(text(report))
      return report.errors.length > 0 ? 1 : 0
    }
    const controller = new AbortController()
    const stop = () => {
      controller.abort()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    await monitor.run(controller.signal, (r) => {
      if (r instanceof Error) io.stderr(`poll cycle failed: ${r.message}\n`)
      else
        io.stdout(
          `${new Date().toISOString()} ${String(r.refreshesStored)} stored, ${String(r.apiCalls)} calls, ${String(r.incidents.length)} open incidents${r.errors.length > 0 ? `, errors: ${r.errors.map((e) => e.code).join(', ')}` : ''}\n`,
        )
    })
    return 0
  } finally {
    await close()
  }
}
