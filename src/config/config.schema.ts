/**
 * `vigil.config.yaml`: tenants to monitor and the monitor's settings. Objects are strict (an
 * unknown key is a typo, reported), every field has a default, and `loadConfig` reports every
 * problem at once (style-anchors §4.5).
 */
import { z } from 'zod'

const minutes = (def: number) => z.number().positive().default(def)

export const TenantConfigSchema = z
  .object({
    /** Vigil's key for the tenant: lowercase letters, digits and dashes; never renamed. */
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    /** Display name (default: the key). */
    name: z.string().min(1).optional(),
    /** Entra ID tenant id (GUID) or domain. */
    tenantId: z.string().min(1),
    /** The app registration's client id. */
    clientId: z.string().min(1),
    /** The client secret in clear. Prefer clientSecretEnv or clientSecretFile. */
    clientSecret: z.string().min(1).optional(),
    /** Name of an environment variable holding the secret. */
    clientSecretEnv: z.string().min(1).optional(),
    /** Path of a file holding the secret. */
    clientSecretFile: z.string().min(1).optional(),
    /** Entra ID host (default https://login.microsoftonline.com). */
    authorityHost: z.string().url().optional(),
    /** Power BI API base (default https://api.powerbi.com/v1.0/myorg). */
    apiUrl: z.string().url().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const given = [t.clientSecret, t.clientSecretEnv, t.clientSecretFile].filter(Boolean).length
    if (given !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give exactly one of clientSecret, clientSecretEnv, clientSecretFile',
      })
    }
  })
export type TenantConfig = z.infer<typeof TenantConfigSchema>

export const MonitorConfigSchema = z
  .object({
    /** Workspaces, models, dataflows, gateways and schedules are re-read this often. */
    inventoryMinutes: minutes(60),
    /** Refresh state is polled this often. */
    refreshMinutes: minutes(5),
    /** A model with nothing due is still re-read this often (catches on-demand refreshes). */
    idleRecheckMinutes: minutes(60),
    /** Dataflow transactions are read this often. */
    dataflowMinutes: minutes(15),
    /** `$top` of a refresh-history read when the model changed; a full read uses 60. */
    historyTop: z.number().int().min(1).max(60).default(5),
    /** Read the admin capacity refreshables call as a change detector when allowed. */
    useRefreshables: z.boolean().default(true),
  })
  .strict()

export const DetectorConfigSchema = z
  .object({
    /** Consecutive failures that open the escalation (Power BI disables the schedule at 4). */
    consecutiveFailures: z.number().int().min(2).max(4).default(2),
    /** A scheduled refresh may start this late before the model counts as stale. */
    staleGraceMinutes: minutes(75),
    /** Long-running: longer than this factor × p95 of recent successes. */
    longRunningFactor: z.number().positive().default(2),
    /** Long-running: also when this share of the 2 h / 5 h limit has passed. */
    longRunningLimitShare: z.number().positive().max(1).default(0.8),
    /** Successes needed before duration baselines are trusted. */
    baselineMinSamples: z.number().int().min(2).default(5),
    /** Slow: a successful refresh longer than this factor × the median of recent successes. */
    slowFactor: z.number().positive().default(2),
    /** Slow: and at least this many minutes longer than the median. */
    slowMinExtraMinutes: z.number().min(0).default(5),
    /** Gateway outage: models failing through one gateway within the window. */
    gatewayOutageModels: z.number().int().min(2).default(2),
    gatewayOutageWindowMinutes: minutes(120),
    /** Monitor health: no successful cycle for this many refresh intervals. */
    stalledCycles: z.number().positive().default(3),
    /** Monitor health: throttled continuously this long. */
    throttledMinutes: minutes(30),
  })
  .strict()

export const RetentionConfigSchema = z
  .object({
    /** Raw refresh rows are kept this long, then folded into daily roll-ups. */
    rawDays: z.number().int().min(1).default(90),
    /** Daily roll-ups are kept this long. */
    rollupDays: z.number().int().min(1).default(730),
    /** Resolved incidents (and their timelines) are kept this long. */
    incidentDays: z.number().int().min(1).default(365),
  })
  .strict()

export const ConfigSchema = z
  .object({
    tenants: z.array(TenantConfigSchema).default([]),
    monitor: MonitorConfigSchema.default({}),
    detectors: DetectorConfigSchema.default({}),
    retention: RetentionConfigSchema.default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>()
    c.tenants.forEach((t, i) => {
      if (seen.has(t.key)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['tenants', i, 'key'],
          message: `duplicate key "${t.key}"`,
        })
      }
      seen.add(t.key)
    })
  })

export type VigilConfig = z.infer<typeof ConfigSchema>
export type MonitorConfig = VigilConfig['monitor']
export type DetectorConfig = VigilConfig['detectors']
export type RetentionConfig = VigilConfig['retention']

export const defaultConfig = (): VigilConfig => ConfigSchema.parse({})
