/**
 * The refresh-failure catalogue: every error the emulator can put in a refresh history, with the
 * texts Power BI really uses. Codes are real (see ../shared/reference/powerbi-api.md §3.4, §3.9,
 * §6.2, §6.3); which code pairs with which situation is our choice [S in the contract].
 *
 * `serviceExceptionJson` is a JSON *string* in two shapes (contract §3.0 `ServiceException`):
 * the documented flat `{"errorCode","errorDescription"}` and the `{"error":{"code","pbi.error"}}`
 * envelope seen in portal and gateway logs. The emulator emits both so the client must parse both.
 */
import type { Rng } from './random.ts'

/** What the failure is about, which decides when the scenario may draw it. */
export type FailureKind = 'gateway' | 'credentials' | 'source' | 'processing' | 'eviction'

export type ExceptionShape = 'flat' | 'envelope'

/** Values a message template can use; the scenario fills them from the failing model. */
export interface FailureContext {
  readonly requestId: string
  readonly activityId: string
  readonly server: string
  readonly database: string
  readonly sourceKind: string
  readonly table: string
  readonly column: string
  readonly account: string
}

interface Variant {
  /** Stable name used by the control API (`variant` field). */
  readonly name: string
  /** The underlying (inner) message, as the gateway or engine reports it. */
  readonly inner: (c: FailureContext) => string
  /** Extra pbi.error details beside the underlying message (native codes, HRESULTs). */
  readonly extra?: readonly (readonly [string, string])[]
}

export interface FailureSpec {
  readonly code: string
  readonly kind: FailureKind
  /** The `errorDescription` of the flat shape; `{inner}` is replaced by the variant's message. */
  readonly description: string
  readonly variants: readonly Variant[]
}

/** The cluster the emulator pretends to live in; it appears in error texts like the real one. */
export const CLUSTER_URI = 'WABI-WEST-EUROPE-E-PRIMARY-redirect.analysis.windows.net'

const LOGIN_FAILED: Variant = {
  name: 'login-failed',
  inner: (c) => `Login failed for user '${c.account}'.`,
  extra: [
    ['DM_ErrorDetailNameCode_UnderlyingNativeErrorCode', '18456'],
    ['DM_ErrorDetailNameCode_UnderlyingHResult', '-2146232060'],
  ],
}

const NETWORK_ERROR: Variant = {
  name: 'network',
  inner: (c) =>
    `A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible. Verify that the instance name is correct and that SQL Server is configured to allow remote connections. (provider: TCP Provider, error: 0 - The remote computer refused the network connection.) Server: ${c.server}`,
  extra: [
    ['DM_ErrorDetailNameCode_UnderlyingNativeErrorCode', '1225'],
    ['DM_ErrorDetailNameCode_UnderlyingHResult', '-2146232060'],
  ],
}

/** The eviction message, verbatim from the enhanced-refresh docs (contract §3.5). */
export const EVICTION_MESSAGE =
  'Session cancelled because it is connected to a database that has been evicted to free up memory for other operations'
export const EVICTION_ENGINE_CODE = '0xC11C0020'

export const FAILURES: readonly FailureSpec[] = [
  {
    code: 'DM_GWPipeline_Client_GatewayUnreachable',
    kind: 'gateway',
    description: 'The on-premises data gateway is unreachable. {inner}',
    variants: [
      {
        name: 'offline',
        inner: (c) =>
          `Cluster URI: ${CLUSTER_URI}; Activity ID: ${c.activityId}; Request ID: ${c.requestId}`,
      },
    ],
  },
  {
    code: 'DM_GWPipeline_Gateway_MashupDataAccessError',
    kind: 'source',
    description: '{inner}',
    variants: [LOGIN_FAILED, NETWORK_ERROR],
  },
  {
    code: 'DM_GWPipeline_Gateway_DataSourceAccessError',
    kind: 'credentials',
    description: 'Data source access error: {inner}',
    variants: [LOGIN_FAILED],
  },
  {
    code: 'ModelRefreshFailed_CredentialsNotSpecified',
    kind: 'credentials',
    description: '{inner}',
    variants: [
      {
        name: 'missing',
        inner: (c) =>
          `The credentials for the ${c.sourceKind} data source are missing or no longer valid. Sign in to the data source again in the semantic model settings.`,
      },
    ],
  },
  {
    code: 'DMTS_OAuthTokenRefreshFailedError',
    kind: 'credentials',
    description: 'Failed to refresh the OAuth token of the {inner}',
    variants: [
      {
        name: 'refresh-token-expired',
        inner: (c) =>
          `${c.sourceKind} data source: AADSTS700082: The refresh token has expired due to inactivity. The token was issued for '${c.account}' and was inactive for 90.00:00:00.`,
      },
    ],
  },
  {
    code: 'DMTS_DatasourceHasNoCredentialError',
    kind: 'credentials',
    description: '{inner}',
    variants: [
      {
        name: 'no-credential',
        inner: (c) =>
          `The ${c.sourceKind} data source has no credentials. Data source: ${c.server}; database: ${c.database}.`,
      },
    ],
  },
  {
    code: 'ModelRefresh_ShortMessage_ProcessingError',
    kind: 'processing',
    description: '{inner}',
    variants: [
      {
        name: 'memory',
        // The "Resource Governing" sentence is Microsoft's (contract §6.3); the numbers are synthesised.
        inner: () =>
          "Resource Governing: This operation was canceled because there wasn't enough memory to finish running it. Either reduce the memory footprint of your dataset by doing things such as limiting the amount of imported data, or if using Power BI Premium, increase the memory of the Premium capacity where this dataset is hosted. More details: consumed memory 25612 MB, memory limit 25600 MB, database size before command execution 11940 MB.",
      },
      {
        name: 'missing-column',
        inner: (c) => `The '${c.column}' column does not exist in the rowset. Table: ${c.table}.`,
      },
    ],
  },
  {
    // Engine error, reported in enhanced-refresh `messages` (contract §3.5); the history entry
    // wraps it in the processing error code with the hex code at the start of the text.
    code: EVICTION_ENGINE_CODE,
    kind: 'eviction',
    description: '{inner}',
    variants: [{ name: 'evicted', inner: () => `${EVICTION_ENGINE_CODE}: ${EVICTION_MESSAGE}` }],
  },
]

/** Every code the emulator can put into a refresh history or an enhanced-refresh detail. */
export const EMITTED_REFRESH_CODES: readonly string[] = FAILURES.map((f) => f.code)

/**
 * Real codes of the HTTP API and sign-in errors the emulator answers with (contract §1.2, §4),
 * checked against the error reference like the refresh codes. The generic `InvalidRequest` code of
 * the emulator's 400s is not here: it is our placeholder [S], not a code Microsoft documents.
 */
export const EMITTED_API_CODES: readonly string[] = [
  'PowerBINotAuthorizedException',
  'TokenExpired',
  'ItemNotFound',
  'PowerBIEntityNotFound',
  'AADSTS7000215',
  'AADSTS7000222',
  'AADSTS700016',
  'AADSTS90002',
  'AADSTS900023',
  'AADSTS7000112',
  'AADSTS7000218',
  'AADSTS900144',
  'AADSTS70011',
  'AADSTS70003',
  'AADSTS90055',
  'AADSTS90033',
]

/** A fixed context, for tests and documentation examples. */
export const SAMPLE_CONTEXT: FailureContext = {
  requestId: '00000000-0000-4000-8000-000000000001',
  activityId: '00000000-0000-4000-8000-000000000002',
  server: 'sql-prod-01.contoso.local',
  database: 'SalesDW',
  sourceKind: 'SQL Server',
  table: 'FactSales',
  column: 'CustomerKey',
  account: 'svc_pbi',
}

export function failureSpec(code: string): FailureSpec | undefined {
  return FAILURES.find((f) => f.code.toLowerCase() === code.toLowerCase())
}

/** The code that appears in `serviceExceptionJson` (the eviction is wrapped, see above). */
export function historyCode(spec: FailureSpec): string {
  return spec.kind === 'eviction' ? 'ModelRefresh_ShortMessage_ProcessingError' : spec.code
}

export interface RenderedFailure {
  readonly code: string
  /** The string for the history entry's `serviceExceptionJson`. */
  readonly serviceExceptionJson: string
  /** The short form Power BI puts on each failed attempt (contract §6.2). */
  readonly attemptExceptionJson: string
  /** Engine messages for the enhanced-refresh detail call, when the failure has one. */
  readonly engineMessages: readonly { code?: string; message: string; type: 'Error' | 'Warning' }[]
}

/** Builds the JSON strings Power BI would report for this failure, in the requested shape. */
export function renderFailure(
  spec: FailureSpec,
  variantName: string | undefined,
  shape: ExceptionShape,
  ctx: FailureContext,
): RenderedFailure {
  const variant = spec.variants.find((v) => v.name === variantName) ?? spec.variants[0]
  const inner = variant ? variant.inner(ctx) : ''
  const code = historyCode(spec)
  const description = spec.description.replace('{inner}', inner)
  const detail = (name: string, value: string) => ({ code: name, detail: { type: 1, value } })
  const body =
    shape === 'flat'
      ? { errorCode: code, errorDescription: description }
      : {
          error: {
            code,
            'pbi.error': {
              code,
              parameters: {},
              details: [
                detail('DM_ErrorDetailNameCode_UnderlyingErrorMessage', inner),
                ...(variant?.extra ?? []).map(([name, value]) => detail(name, value)),
                detail('ClusterUriText', CLUSTER_URI),
                detail('ActivityIdText', ctx.activityId),
                detail('RequestIdText', ctx.requestId),
              ],
              exceptionCulprit: 1,
            },
          },
        }
  const engineMessages =
    spec.kind === 'eviction'
      ? [{ code: EVICTION_ENGINE_CODE, message: EVICTION_MESSAGE, type: 'Error' as const }]
      : [{ message: description, type: 'Error' as const }]
  return {
    code,
    serviceExceptionJson: JSON.stringify(body),
    attemptExceptionJson: JSON.stringify({ errorCode: code }),
    engineMessages,
  }
}

/** Picks a random failure for a model, among those that make sense for how it gets its data. */
export function drawFailure(
  rng: Rng,
  options: { readonly viaGateway: boolean; readonly enhanced: boolean },
): { spec: FailureSpec; variant: string; shape: ExceptionShape } {
  const candidates = FAILURES.filter((f) => {
    if (f.kind === 'processing') return true
    if (f.kind === 'eviction') return options.enhanced
    // Transient source errors (network) only behind a gateway; credential and outage failures
    // come from the scenario's own events, not from chance.
    return f.kind === 'source' && options.viaGateway
  })
  const spec = rng.pick(candidates)
  const variant = spec.kind === 'source' ? 'network' : rng.pick(spec.variants).name
  return { spec, variant, shape: rng.chance(0.5) ? 'flat' : 'envelope' }
}
