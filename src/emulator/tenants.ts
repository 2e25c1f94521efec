/**
 * The emulated estate: tenants, their workspaces on shared or Premium capacity, models with
 * schedules, data sources behind gateways or in the cloud, reports and dataflows. Everything is
 * drawn from the seed; the scenario engine (scenario.ts) then plays refreshes on top of it.
 */
import { DAY, HOUR, MINUTE } from './clock.ts'
import { createRng, logNormal, type Rng } from './random.ts'

/** The service principal every generated tenant accepts (printed by `vigil emulator`). */
export const EMULATOR_CLIENT_ID = 'vigil-emulator'
export const EMULATOR_CLIENT_SECRET = 'emulator-secret'

export interface WorldOptions {
  readonly seed: number
  /** Number of tenants (default 2). */
  readonly tenants: number
  /** Workspaces per tenant (default 4). */
  readonly workspaces: number
  /** Models (semantic models, "datasets" in the API) per workspace (default 5). */
  readonly models: number
  /** Virtual time at which the scenario starts; generated history ends here. */
  readonly start: number
}

/** Tenant settings a Power BI admin controls (contract §1.3); the control API flips them. */
export interface TenantSettings {
  /** "Service principals can use Fabric APIs". Off → every API call answers 401. */
  servicePrincipalsEnabled: boolean
  /** "Service principals can access read-only admin APIs". Off → /admin answers 401. */
  adminApisEnabled: boolean
  /** The client secret has expired → token endpoint answers AADSTS7000222. */
  secretExpired: boolean
  /** The app registration is disabled → token endpoint answers AADSTS7000112. */
  appDisabled: boolean
}

export interface Capacity {
  readonly id: string
  readonly displayName: string
  readonly sku: string
  readonly region: string
}

export interface Window {
  readonly from: number
  readonly to: number
}

export interface Gateway {
  readonly id: string
  readonly name: string
  readonly tenantId: string
  /** Outages planned by the seed. */
  readonly outages: Window[]
  /** Manual down/up switches from the control API, in time order. */
  readonly toggles: { at: number; down: boolean }[]
}

export type CredentialType = 'Basic' | 'Windows' | 'OAuth2' | 'Key' | 'Anonymous'

export interface Source {
  readonly id: string
  readonly tenantId: string
  /** Shared gateway data source, or a cloud source owned by one model. */
  readonly via: 'gateway' | 'cloud'
  readonly gatewayId: string | undefined
  readonly datasourceType: string
  /** Human name of the connector, used in error texts ("SQL Server", "SharePoint Online"). */
  readonly kindName: string
  readonly connectionDetails: Readonly<Record<string, string>>
  readonly credentialType: CredentialType
  readonly account: string
  /** Since when the stored credentials fail, and why; null when they work. */
  credentials: { brokenSince: number; reason: 'expired' | 'missing' } | null
}

export type DayName =
  | 'Sunday'
  | 'Monday'
  | 'Tuesday'
  | 'Wednesday'
  | 'Thursday'
  | 'Friday'
  | 'Saturday'
export const DAY_NAMES: readonly DayName[] = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
]

export interface Schedule {
  days: DayName[]
  times: string[]
  enabled: boolean
  localTimeZoneId: string
  notifyOption: 'NoNotification' | 'MailOnFailure'
}

/**
 * Windows time zones without daylight saving, so slot times stay exact all year; the offset is
 * minutes east of UTC.
 */
export const TIME_ZONES: Readonly<Record<string, number>> = {
  UTC: 0,
  'Arabian Standard Time': 240,
  'India Standard Time': 330,
  'SE Asia Standard Time': 420,
  'Singapore Standard Time': 480,
  'Tokyo Standard Time': 540,
}

export interface DurationProfile {
  /** Median refresh duration in ms. */
  readonly median: number
  /** Log-normal spread. */
  readonly sigma: number
  /** Chance that a refresh fails for a reason of its own (processing, network). */
  readonly failureRate: number
  /** Also refreshed through the enhanced API by an orchestrator (Premium only). */
  readonly orchestrated: boolean
}

export interface Dataset {
  readonly id: string
  readonly name: string
  readonly tenantId: string
  readonly workspaceId: string
  readonly premium: boolean
  /** Import models refresh; DirectQuery ones do not (isRefreshable false). */
  readonly importMode: boolean
  readonly configuredBy: string
  readonly createdDate: number
  readonly sourceIds: readonly string[]
  readonly tables: readonly string[]
  readonly schedule: Schedule
  readonly profile: DurationProfile
  /** Position in the world, used for deterministic ordering and per-model random streams. */
  readonly index: number
}

export interface Report {
  readonly id: string
  readonly name: string
  readonly workspaceId: string
  readonly datasetId: string | undefined
  readonly datasetWorkspaceId: string | undefined
  readonly reportType: 'PowerBIReport' | 'PaginatedReport'
}

export interface Dataflow {
  readonly objectId: string
  readonly name: string
  readonly description: string
  readonly tenantId: string
  readonly workspaceId: string
  readonly configuredBy: string
  readonly sourceIds: readonly string[]
  readonly schedule: Schedule
  readonly profile: DurationProfile
  readonly index: number
}

export interface Workspace {
  readonly id: string
  readonly name: string
  readonly tenantId: string
  readonly premium: boolean
  readonly capacityId: string | undefined
  /** Whether the monitoring service principal was added to this workspace (contract §1.3 item 4). */
  spMember: boolean
  readonly datasets: Dataset[]
  readonly reports: Report[]
  readonly dataflows: Dataflow[]
}

export interface Tenant {
  readonly index: number
  readonly id: string
  readonly domain: string
  readonly displayName: string
  readonly clientId: string
  readonly clientSecret: string
  readonly adminUser: string
  readonly settings: TenantSettings
  readonly capacities: Capacity[]
  readonly gateways: Gateway[]
  readonly sources: Source[]
  readonly workspaces: Workspace[]
}

export interface World {
  readonly options: WorldOptions
  readonly tenants: Tenant[]
}

const COMPANIES = [
  'contoso',
  'fabrikam',
  'northwind',
  'adventureworks',
  'tailspin',
  'wingtip',
  'litware',
  'proseware',
]
const WORKSPACE_NAMES = [
  'Finance',
  'Sales EMEA',
  'Supply Chain',
  'HR Analytics',
  'Marketing Insights',
  'Operations',
  'Executive Dashboards',
  'Customer Success',
  'Procurement',
  'Retail Stores',
  'Manufacturing',
  'IT Service Desk',
]
const MODEL_NAMES = [
  'Sales Overview',
  'Inventory Snapshot',
  'GL Actuals',
  'Headcount',
  'Pipeline Forecast',
  'Web Traffic',
  'Customer 360',
  'Margin Analysis',
  'Budget vs Actual',
  'Service Levels',
  'Returns',
  'Production Yield',
  'Supplier Scorecard',
  'Ticket Backlog',
  'Store Performance',
  'Cash Flow',
]
const TABLES = [
  'FactSales',
  'DimDate',
  'DimCustomer',
  'DimProduct',
  'FactInventory',
  'DimStore',
  'FactBudget',
  'DimEmployee',
]
const DATAFLOW_NAMES = [
  'Customer Master',
  'Product Catalogue',
  'Exchange Rates',
  'Calendar',
  'Store Hierarchy',
]

const unique = (base: string, used: Set<string>): string => {
  let name = base
  for (let n = 2; used.has(name); n++) name = `${base} ${n}`
  used.add(name)
  return name
}

function makeSchedule(rng: Rng, premium: boolean): Schedule {
  // Shared capacity allows 8 slots a day, Premium 48 (contract §3.7, §5.2).
  const perDay = rng.pick(premium ? [1, 2, 4, 8, 12, 24, 48] : [1, 2, 4, 8])
  const step = (24 * 60) / perDay
  const first = rng.int(0, Math.max(0, step / 30 - 1)) * 30
  const times = Array.from({ length: perDay }, (_, i) => {
    const m = first + i * step
    return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
  })
  return {
    days: rng.chance(0.8) ? [...DAY_NAMES] : DAY_NAMES.slice(1, 6),
    times,
    enabled: true,
    localTimeZoneId: rng.chance(0.6) ? 'UTC' : rng.pick(Object.keys(TIME_ZONES)),
    notifyOption: rng.chance(0.7) ? 'MailOnFailure' : 'NoNotification',
  }
}

function makeProfile(rng: Rng, schedule: Schedule, premium: boolean): DurationProfile {
  // Keep a run well inside its slot, and inside the 2 h / 5 h caps (contract §3.7).
  const slotMs = DAY / schedule.times.length
  const cap = Math.min(slotMs / 3, premium ? 4 * HOUR : 90 * MINUTE)
  const median = Math.min(cap, Math.max(40_000, logNormal(rng, 6 * MINUTE, 0.9)))
  const roll = rng.next()
  return {
    median,
    sigma: 0.2 + rng.next() * 0.25,
    failureRate: roll < 0.75 ? 0.02 : roll < 0.95 ? 0.08 : 0.35,
    orchestrated: premium && rng.chance(0.3),
  }
}

/** Builds the estate for a seed. Pure: same options, same world. */
export function generateWorld(options: WorldOptions): World {
  const rng = createRng(options.seed, 'world')
  const tenants: Tenant[] = []
  let datasetIndex = 0
  let dataflowIndex = 0
  for (let t = 0; t < options.tenants; t++) {
    const company = COMPANIES[t % COMPANIES.length] ?? 'contoso'
    const suffix = t >= COMPANIES.length ? String(Math.floor(t / COMPANIES.length) + 1) : ''
    const domain = `${company}${suffix}.onmicrosoft.com`
    const tenantId = rng.guid()
    const adminUser = `pbi.admin@${domain}`
    const tenant: Tenant = {
      index: t,
      id: tenantId,
      domain,
      displayName: company.charAt(0).toUpperCase() + company.slice(1) + suffix,
      clientId: EMULATOR_CLIENT_ID,
      clientSecret: EMULATOR_CLIENT_SECRET,
      adminUser,
      settings: {
        servicePrincipalsEnabled: true,
        adminApisEnabled: true,
        secretExpired: false,
        appDisabled: false,
      },
      capacities: [],
      gateways: [],
      sources: [],
      workspaces: [],
    }
    tenants.push(tenant)

    const gatewayCount = rng.int(1, 2)
    for (let g = 0; g < gatewayCount; g++) {
      const gateway: Gateway = {
        id: rng.guid(),
        name: `GW-${company.toUpperCase().slice(0, 4)}-PROD-0${String(g + 1)}`,
        tenantId,
        outages: [],
        toggles: [],
      }
      // Outages planned by the seed: often one in the generated past, sometimes one ahead.
      if (rng.chance(0.5)) {
        const from = options.start - rng.int(4, 60) * HOUR
        gateway.outages.push({ from, to: from + rng.int(60, 180) * MINUTE })
      }
      if (rng.chance(0.3)) {
        const from = options.start + rng.int(2, 48) * HOUR
        gateway.outages.push({ from, to: from + rng.int(60, 120) * MINUTE })
      }
      tenant.gateways.push(gateway)
      const sqlSources = rng.int(2, 3)
      for (let s = 0; s < sqlSources; s++) {
        const server = `sql-prod-0${String(s + 1)}.${company}.local`
        tenant.sources.push({
          id: rng.guid(),
          tenantId,
          via: 'gateway',
          gatewayId: gateway.id,
          datasourceType: 'Sql',
          kindName: 'SQL Server',
          connectionDetails: {
            server,
            database: rng.pick(['SalesDW', 'FinanceDW', 'OpsDB', 'HRDB']),
          },
          credentialType: rng.chance(0.7) ? 'Basic' : 'Windows',
          account: rng.pick(['svc_pbi', 'svc_powerbi', 'pbi_reader']),
          credentials: null,
        })
      }
    }
    const gatewaySources = [...tenant.sources]

    const usedWorkspaceNames = new Set<string>()
    let capacity: Capacity | undefined
    for (let w = 0; w < options.workspaces; w++) {
      // Alternate shared and Premium so both capacity kinds exist whenever there are two workspaces.
      const premium = w % 2 === 1 || (w > 1 && rng.chance(0.3))
      if (premium && !capacity) {
        capacity = {
          id: rng.guid(),
          displayName: `${tenant.displayName} P1`,
          sku: 'P1',
          region: 'West Europe',
        }
        tenant.capacities.push(capacity)
      }
      const workspace: Workspace = {
        id: rng.guid(),
        name: unique(
          WORKSPACE_NAMES[(t * 3 + w) % WORKSPACE_NAMES.length] ?? 'Workspace',
          usedWorkspaceNames,
        ),
        tenantId,
        premium,
        capacityId: premium ? capacity?.id : undefined,
        // The service principal is not in the last workspace of larger tenants: it shows only to admins.
        spMember: !(options.workspaces >= 3 && w === options.workspaces - 1),
        datasets: [],
        reports: [],
        dataflows: [],
      }
      tenant.workspaces.push(workspace)

      const usedModelNames = new Set<string>()
      const firstName = rng.int(0, MODEL_NAMES.length - 1)
      for (let m = 0; m < options.models; m++) {
        const schedule = makeSchedule(rng, premium)
        const sourceIds: string[] = []
        if (gatewaySources.length > 0 && rng.chance(0.6)) {
          sourceIds.push(rng.pick(gatewaySources).id)
        } else {
          const cloud = rng.pick([
            {
              datasourceType: 'SharePointList',
              kindName: 'SharePoint Online',
              credentialType: 'OAuth2' as const,
              details: { url: `https://${company}.sharepoint.com/sites/finance` },
            },
            {
              datasourceType: 'Extension',
              kindName: 'Snowflake',
              credentialType: 'Basic' as const,
              details: {
                kind: 'Snowflake',
                path: `${company}.eu-west-1.snowflakecomputing.com;ANALYTICS_WH`,
              },
            },
            {
              datasourceType: 'AzureBlobs',
              kindName: 'Azure Blob Storage',
              credentialType: 'Key' as const,
              details: { account: `${company}data`, domain: 'blob.core.windows.net' },
            },
            {
              datasourceType: 'OData',
              kindName: 'OData',
              credentialType: 'OAuth2' as const,
              details: { url: `https://erp.${company}.com/odata` },
            },
          ])
          const source: Source = {
            id: rng.guid(),
            tenantId,
            via: 'cloud',
            gatewayId: undefined,
            datasourceType: cloud.datasourceType,
            kindName: cloud.kindName,
            connectionDetails: cloud.details,
            credentialType: cloud.credentialType,
            account: `etl@${domain}`,
            credentials: null,
          }
          tenant.sources.push(source)
          sourceIds.push(source.id)
        }
        const tableCount = rng.int(2, 5)
        const dataset: Dataset = {
          id: rng.guid(),
          name: unique(
            MODEL_NAMES[(firstName + m * 5) % MODEL_NAMES.length] ?? 'Model',
            usedModelNames,
          ),
          tenantId,
          workspaceId: workspace.id,
          premium,
          importMode: rng.chance(0.92),
          configuredBy: rng.pick([adminUser, `bi.team@${domain}`, `analyst@${domain}`]),
          createdDate: options.start - rng.int(30, 900) * DAY - rng.int(0, DAY - 1),
          sourceIds,
          tables: TABLES.slice(0, tableCount),
          schedule,
          profile: makeProfile(rng, schedule, premium),
          index: datasetIndex++,
        }
        workspace.datasets.push(dataset)
        for (let r = rng.int(1, 2); r > 0; r--) {
          workspace.reports.push({
            id: rng.guid(),
            name: r === 1 ? dataset.name : `${dataset.name} (detail)`,
            workspaceId: workspace.id,
            datasetId: dataset.id,
            datasetWorkspaceId: workspace.id,
            reportType: 'PowerBIReport',
          })
        }
      }
      if (rng.chance(0.2)) {
        workspace.reports.push({
          id: rng.guid(),
          name: 'Monthly Statement (paginated)',
          workspaceId: workspace.id,
          datasetId: undefined,
          datasetWorkspaceId: undefined,
          reportType: 'PaginatedReport',
        })
      }
      const dataflowCount = rng.int(0, premium ? 2 : 1)
      for (let f = 0; f < dataflowCount; f++) {
        const schedule = makeSchedule(rng, false)
        const viaGateway = gatewaySources.length > 0 && rng.chance(0.5)
        workspace.dataflows.push({
          objectId: rng.guid(),
          name: DATAFLOW_NAMES[(w + f) % DATAFLOW_NAMES.length] ?? 'Dataflow',
          description: 'Shared entities for the models of this workspace',
          tenantId,
          workspaceId: workspace.id,
          configuredBy: adminUser,
          sourceIds: viaGateway ? [rng.pick(gatewaySources).id] : [],
          schedule,
          profile: makeProfile(rng, schedule, false),
          index: dataflowIndex++,
        })
      }
    }

    // Credentials that break in the generated past, so a fresh emulator already shows them:
    // one cloud source whose token expired a day ago (fails until fixed, schedule disabled after
    // four failures) and, sometimes, a gateway source whose password was rotated a few hours ago.
    const cloudSources = tenant.sources.filter(
      (s) => s.via === 'cloud' && s.credentialType !== 'Anonymous',
    )
    if (cloudSources.length > 0) {
      rng.pick(cloudSources).credentials = {
        brokenSince: options.start - rng.int(26, 40) * HOUR,
        reason: 'expired',
      }
      if (cloudSources.length > 2 && rng.chance(0.5)) {
        const fresh = rng.pick(cloudSources)
        if (!fresh.credentials)
          fresh.credentials = {
            brokenSince: options.start - rng.int(6, 20) * HOUR,
            reason: 'missing',
          }
      }
    }
    if (rng.chance(0.5)) {
      const gatewaySource = gatewaySources.length > 0 ? rng.pick(gatewaySources) : undefined
      if (gatewaySource)
        gatewaySource.credentials = {
          brokenSince: options.start - rng.int(3, 10) * HOUR,
          reason: 'expired',
        }
    }
  }
  return { options, tenants }
}

/** Every model of a tenant, in world order. */
export const datasetsOf = (tenant: Tenant): Dataset[] =>
  tenant.workspaces.flatMap((w) => w.datasets)
