/**
 * The only values allowed for categories, severities and platforms
 * (../shared/product/taxonomy.md). One spelling each; anything else is rejected by the schemas.
 */
export const CATEGORIES = [
  'authentication',
  'credentials',
  'permissions',
  'gateway',
  'connectivity',
  'timeout',
  'capacity',
  'throttling',
  'query',
  'data_format',
  'schema',
  'configuration',
  'licensing',
  'service',
] as const
export type Category = (typeof CATEGORIES)[number]

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const
export type Severity = (typeof SEVERITIES)[number]

export const PLATFORMS = [
  'power-bi',
  'power-bi-embedded',
  'gateway',
  'power-query',
  'entra-id',
  'fabric',
  'dataflow',
] as const
export type Platform = (typeof PLATFORMS)[number]

export const CATEGORY_LABELS: Record<Category, string> = {
  authentication: 'Authentication',
  credentials: 'Data source credentials',
  permissions: 'Permissions',
  gateway: 'Gateway',
  connectivity: 'Connectivity',
  timeout: 'Timeouts',
  capacity: 'Capacity and memory',
  throttling: 'Throttling and limits',
  query: 'Query logic (M and DAX)',
  data_format: 'Data format',
  schema: 'Schema changes',
  configuration: 'Configuration',
  licensing: 'Licensing',
  service: 'Service errors',
}

export const PLATFORM_LABELS: Record<Platform, string> = {
  'power-bi': 'Power BI service',
  'power-bi-embedded': 'Power BI Embedded',
  gateway: 'Data gateway',
  'power-query': 'Power Query',
  'entra-id': 'Microsoft Entra ID',
  fabric: 'Microsoft Fabric',
  dataflow: 'Dataflows',
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 }
