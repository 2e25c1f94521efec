/**
 * Tenants to monitor: one from VIGIL_POWERBI_* (key `default`), any number from vigil.config.yaml,
 * and those added with `vigil tenant add`. All are stored with the client secret encrypted
 * (config/secrets.ts); `Tenant.secret` is a `Secret` that never prints.
 */
import { readFile } from 'node:fs/promises'
import type { TenantConfig } from '../config/config.schema.ts'
import { decryptSecret, encryptSecret, type Secret, type SecretKey } from '../config/secrets.ts'
import { UserError } from '../shared/errors.ts'
import type { Db } from '../store/database.ts'
import { fromBool } from '../store/codecs.ts'
import {
  listTenantRows,
  type TenantRow,
  type TenantWrite,
  upsertTenant,
} from './tenant.repository.ts'

export const ENV_TENANT_KEY = 'default'

export interface Tenant {
  readonly key: string
  readonly name: string
  readonly tenantId: string
  readonly clientId: string
  readonly secret: Secret
  readonly authorityHost: string | undefined
  readonly apiUrl: string | undefined
  readonly origin: string
  readonly enabled: boolean
}

export interface TenantInput {
  readonly key: string
  readonly name?: string | undefined
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: string
  readonly authorityHost?: string | undefined
  readonly apiUrl?: string | undefined
}

const KEY = /^[a-z0-9][a-z0-9-]{0,62}$/

export function tenantFromRow(row: TenantRow, key: SecretKey): Tenant {
  return {
    key: row.key,
    name: row.name,
    tenantId: row.tenant_id,
    clientId: row.client_id,
    secret: decryptSecret(key, row.secret_enc),
    authorityHost: row.authority_host ?? undefined,
    apiUrl: row.api_url ?? undefined,
    origin: row.origin,
    enabled: fromBool(row.enabled),
  }
}

function toWrite(input: TenantInput, origin: TenantWrite['origin'], key: SecretKey): TenantWrite {
  if (!KEY.test(input.key)) {
    throw new UserError('ERR_INPUT_INVALID', {
      field: 'key',
      reason: 'lowercase letters, digits and dashes',
    })
  }
  return {
    key: input.key,
    name: input.name ?? input.key,
    tenantId: input.tenantId,
    clientId: input.clientId,
    secretEnc: encryptSecret(key, input.clientSecret),
    authorityHost: input.authorityHost ?? null,
    apiUrl: input.apiUrl ?? null,
    origin,
  }
}

export async function saveTenant(
  db: Db,
  input: TenantInput,
  origin: TenantWrite['origin'],
  key: SecretKey,
  now: number,
): Promise<void> {
  await upsertTenant(db, toWrite(input, origin, key), now)
}

/** The VIGIL_POWERBI_* tenant, or undefined when the variables are not set. */
export async function envTenant(env: NodeJS.ProcessEnv): Promise<TenantInput | undefined> {
  const tenantId = env.VIGIL_POWERBI_TENANT_ID?.trim()
  const clientId = env.VIGIL_POWERBI_CLIENT_ID?.trim()
  if (!tenantId && !clientId) return undefined
  let secret = env.VIGIL_POWERBI_CLIENT_SECRET?.trim()
  const file = env.VIGIL_POWERBI_CLIENT_SECRET_FILE?.trim()
  if (!secret && file) secret = (await readFile(file, 'utf8')).trim()
  const missing = [
    tenantId ? undefined : 'VIGIL_POWERBI_TENANT_ID',
    clientId ? undefined : 'VIGIL_POWERBI_CLIENT_ID',
    secret ? undefined : 'VIGIL_POWERBI_CLIENT_SECRET (or _FILE)',
  ].filter((m): m is string => m !== undefined)
  if (missing.length > 0 || !tenantId || !clientId || !secret) {
    throw new UserError('ERR_CONFIG_INVALID', { missing: missing.join(', ') })
  }
  return {
    key: ENV_TENANT_KEY,
    name: env.VIGIL_POWERBI_TENANT_NAME?.trim() || 'default',
    tenantId,
    clientId,
    clientSecret: secret,
    authorityHost: env.VIGIL_POWERBI_AUTHORITY_HOST?.trim() || undefined,
    apiUrl: env.VIGIL_POWERBI_API_URL?.trim() || undefined,
  }
}

/** Resolves a config-file tenant's secret from the value, an environment variable or a file. */
export async function configTenant(t: TenantConfig, env: NodeJS.ProcessEnv): Promise<TenantInput> {
  let secret = t.clientSecret
  if (t.clientSecretEnv) secret = env[t.clientSecretEnv]?.trim()
  if (t.clientSecretFile) secret = (await readFile(t.clientSecretFile, 'utf8')).trim()
  if (!secret) {
    throw new UserError('ERR_CONFIG_INVALID', {
      tenant: t.key,
      reason: t.clientSecretEnv ? `${t.clientSecretEnv} is not set` : 'the secret is empty',
    })
  }
  return {
    key: t.key,
    name: t.name,
    tenantId: t.tenantId,
    clientId: t.clientId,
    clientSecret: secret,
    authorityHost: t.authorityHost,
    apiUrl: t.apiUrl,
  }
}

/** Writes the environment and config-file tenants to the store (idempotent), then lists all. */
export async function syncTenants(
  db: Db,
  options: { env: NodeJS.ProcessEnv; config: readonly TenantConfig[]; key: SecretKey; now: number },
): Promise<Tenant[]> {
  const fromEnv = await envTenant(options.env)
  if (fromEnv) await saveTenant(db, fromEnv, 'env', options.key, options.now)
  for (const t of options.config) {
    await saveTenant(db, await configTenant(t, options.env), 'config', options.key, options.now)
  }
  return listTenants(db, options.key)
}

export async function listTenants(db: Db, key: SecretKey): Promise<Tenant[]> {
  return (await listTenantRows(db)).map((row) => tenantFromRow(row, key))
}
