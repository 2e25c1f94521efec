import path from 'node:path'
import { loadSecretKey } from '../../config/secrets.ts'
import { dataDir } from '../../monitor/open-monitor.ts'
import { UserError } from '../../shared/errors.ts'
import { createDb, databaseTarget } from '../../store/create-db.ts'
import { migrateToLatest } from '../../store/migrate.ts'
import { deleteTenantRow } from '../../tenants/tenant.repository.ts'
import { listTenants, saveTenant } from '../../tenants/tenant.service.ts'
import { parse } from '../args.ts'
import type { CliIo } from '../io.ts'

const USAGE = `Usage:
  vigil tenant list [--json]
  vigil tenant add --key K --tenant-id T --client-id C (--secret-env VAR | --secret-stdin)
                   [--name N] [--api-url U] [--authority-host H]
  vigil tenant remove --key K

The client secret is read from an environment variable or standard input (never from the command
line, where it would land in shell history) and stored encrypted (AES-256-GCM) under
VIGIL_SECRET_KEY or the key file in the data directory.`

export async function tenantCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      json: { type: 'boolean' },
      key: { type: 'string' },
      name: { type: 'string' },
      'tenant-id': { type: 'string' },
      'client-id': { type: 'string' },
      'secret-env': { type: 'string' },
      'secret-stdin': { type: 'boolean' },
      'api-url': { type: 'string' },
      'authority-host': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  )
  const action = positionals[0]
  if (values.help || !action) {
    io.stdout(`${USAGE}\n`)
    return action || values.help ? 0 : 2
  }
  const env = process.env
  const store = createDb(databaseTarget(env.VIGIL_DATABASE_URL))
  try {
    await migrateToLatest(store)
    const key = loadSecretKey(env, path.resolve(dataDir(env)))
    if (action === 'list') {
      const tenants = await listTenants(store.db, key)
      const rows = tenants.map((t) => ({
        key: t.key,
        name: t.name,
        tenantId: t.tenantId,
        clientId: t.clientId,
        origin: t.origin,
        apiUrl: t.apiUrl ?? null,
      }))
      io.stdout(
        values.json
          ? `${JSON.stringify(rows)}\n`
          : rows.map((r) => `${r.key}\t${r.tenantId}\t${r.clientId}\t${r.origin}\n`).join('') ||
              'no tenants\n',
      )
      return 0
    }
    if (action === 'add') {
      const missing = ['key', 'tenant-id', 'client-id'].filter((k) => !values[k as 'key'])
      let secret = values['secret-env'] ? env[values['secret-env']]?.trim() : undefined
      if (values['secret-stdin']) secret = (await io.readStdin()).trim()
      if (!secret) missing.push('--secret-env VAR (set) or --secret-stdin')
      if (
        missing.length > 0 ||
        !values.key ||
        !values['tenant-id'] ||
        !values['client-id'] ||
        !secret
      ) {
        throw new UserError('ERR_CLI_USAGE', { missing: missing.join(', '), usage: USAGE })
      }
      await saveTenant(
        store.db,
        {
          key: values.key,
          name: values.name,
          tenantId: values['tenant-id'],
          clientId: values['client-id'],
          clientSecret: secret,
          apiUrl: values['api-url'],
          authorityHost: values['authority-host'],
        },
        'cli',
        key,
        Date.now(),
      )
      io.stdout(`tenant ${values.key} saved (secret encrypted)\n`)
      return 0
    }
    if (action === 'remove') {
      if (!values.key) throw new UserError('ERR_CLI_USAGE', { missing: '--key', usage: USAGE })
      if (!(await deleteTenantRow(store.db, values.key)))
        throw new UserError('ERR_TENANT_NOT_FOUND', { key: values.key })
      io.stdout(`tenant ${values.key} removed\n`)
      return 0
    }
    throw new UserError('ERR_CLI_USAGE', { reason: `unknown action "${action}"`, usage: USAGE })
  } finally {
    await store.close()
  }
}
