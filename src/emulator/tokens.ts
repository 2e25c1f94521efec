/**
 * Access tokens minted by the emulator's token endpoint. They look like Entra ID tokens (a JWT
 * with app-only claims, contract §1.1) but the emulator only ever looks them up in this store;
 * clients must treat them as opaque, as with the real service.
 *
 * Lifetimes run on *real* time, not the scenario clock: the client computes renewal from
 * `expires_in` with its own clock, and a demo at `--speed 60` must not expire tokens every minute.
 */
import type { Rng } from './random.ts'
import type { Tenant } from './tenants.ts'

export const POWER_BI_AUDIENCE = 'https://analysis.windows.net/powerbi/api'

interface TokenRecord {
  readonly tenant: Tenant
  readonly expiresAt: number
  revoked: boolean
}

export type TokenCheck =
  | { readonly ok: true; readonly tenant: Tenant }
  | { readonly ok: false; readonly reason: 'missing' | 'unknown' | 'expired' }

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>()
  private readonly rng: Rng
  private readonly realNow: () => number
  /** Fixed lifetime in seconds (tests); otherwise 60–90 minutes like Entra ID (contract §1.1). */
  ttlSeconds: number | undefined

  constructor(rng: Rng, realNow: () => number, ttlSeconds: number | undefined) {
    this.rng = rng
    this.realNow = realNow
    this.ttlSeconds = ttlSeconds
  }

  mint(tenant: Tenant): {
    access_token: string
    expires_in: number
    ext_expires_in: number
    token_type: 'Bearer'
  } {
    const now = this.realNow()
    const lifetime = this.ttlSeconds ?? this.rng.int(3600, 5400)
    const claims = {
      aud: POWER_BI_AUDIENCE,
      iss: `https://sts.windows.net/${tenant.id}/`,
      iat: Math.floor(now / 1000),
      nbf: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + lifetime,
      appid: tenant.clientId,
      azp: tenant.clientId,
      idtyp: 'app',
      tid: tenant.id,
      jti: this.rng.guid(),
    }
    const token = `${b64url({ typ: 'JWT', alg: 'RS256', kid: 'vigil-emulator' })}.${b64url(claims)}.${Buffer.from(this.rng.guid()).toString('base64url')}`
    this.tokens.set(token, { tenant, expiresAt: now + lifetime * 1000, revoked: false })
    return {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: token,
    }
  }

  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')
    if (!match?.[1]) return { ok: false, reason: 'missing' }
    const record = this.tokens.get(match[1])
    if (!record) return { ok: false, reason: 'unknown' }
    if (record.revoked || record.expiresAt <= this.realNow())
      return { ok: false, reason: 'expired' }
    return { ok: true, tenant: record.tenant }
  }

  /** Control API: every token issued so far (for one tenant, or all) now answers 403 TokenExpired. */
  expireAll(tenantId?: string): number {
    let count = 0
    for (const record of this.tokens.values()) {
      if (!record.revoked && (!tenantId || record.tenant.id === tenantId)) {
        record.revoked = true
        count++
      }
    }
    return count
  }

  get issued(): number {
    return this.tokens.size
  }
}
