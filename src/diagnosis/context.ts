import type { Unwrapped } from './unwrap.ts'

/** What a diagnosis pulls out of the raw text; only the keys found are present. */
export interface DiagnosisContext {
  /** Every error code found, outer to inner. */
  codes: string[]
  /** The generic wrapper code whose inner message decided the entry. */
  wrapper?: string
  httpStatus?: number
  aadsts?: string
  activityId?: string
  requestId?: string
  correlationId?: string
  traceId?: string
  clusterUri?: string
  timestamp?: string
  dataSourceKind?: string
  server?: string
  database?: string
  url?: string
  path?: string
  user?: string
  gateway?: string
  table?: string
  column?: string
  query?: string
  tenantId?: string
  appId?: string
  /** Workspace id, from a REST path such as /groups/<id>/… */
  groupId?: string
  /** Semantic model id, from /datasets/<id> or "Dataset <id> is not found". */
  datasetId?: string
  /** The most specific message found (an underlying error inside a wrapper). */
  innerMessage?: string
}

type Field = Exclude<keyof DiagnosisContext, 'codes' | 'httpStatus'>

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'

/**
 * Each field's patterns, tried in order; group 1 is the value; all bounded, so linear-time. The third
 * item is a lower-case literal the text must contain for the pattern to have a chance.
 */
const TEXT_RULES: readonly [Field, RegExp, string | readonly string[] | null][] = [
  ['activityId', new RegExp(`Activity ?ID[":\\s=]{0,4}(${GUID})`, 'i'), 'activity'],
  ['requestId', new RegExp(`Request ?ID[":\\s=]{0,4}(${GUID})`, 'i'), 'request'],
  ['correlationId', new RegExp(`Correlation ?ID[":\\s=]{0,4}(${GUID})`, 'i'), 'correlation'],
  ['traceId', new RegExp(`Trace ?ID[":\\s=]{0,4}(${GUID})`, 'i'), 'trace'],
  ['clusterUri', /Cluster URI[":\s=]{0,4}([\w.:/-]{4,200})/i, 'cluster'],
  [
    'timestamp',
    /\bTime(?:stamp)?[":\s=]{0,4}(\d{4}-\d{2}-\d{2}[T ][\d:.]{5,16}Z?|[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{4} [\d:]{8}[^\n;"]{0,40})/,
    'time',
  ],
  ['aadsts', /\b(AADSTS\d{4,7})\b/, 'aadsts'],
  [
    'url',
    /(?:contents from ?|Url[":\s=]{1,4}|URL[":\s=]{1,4})'?"?(https?:\/\/[^\s'"<>]{1,500})/,
    'http',
  ],
  ['path', /Could not find (?:file|a part of the path) '([^'\n]{1,400})'/i, 'could not find'],
  ['path', /(?:file|path) '((?:[A-Za-z]:\\|\\\\)[^'\n]{1,400})'/i, ["file '", "path '"]],
  ['server', /Data Source=([^;'"\n]{1,200})/i, 'data source='],
  // Not "SQL Server: The …" (the product) or "error from server: bad status" (prose after it).
  [
    'server',
    /(?<!(?:SQL|from) )\bserver[:=]\s{0,2}'?(?![A-Za-z]{1,30} [a-z])([\w.\\,-]{2,200})/i,
    ['server:', 'server='],
  ],
  ['server', /connecting to (?:the )?server '?([\w.\\,-]{2,200})/i, 'connecting'],
  // Data Factory and Fabric copy activities: "Cannot connect to SQL Database: '<server>', Database: …".
  [
    'server',
    /Cannot connect to SQL (?:Database|Server): '([^'\n]{2,200})'/i,
    'cannot connect to sql',
  ],
  ['database', /Initial Catalog=([^;'"\n]{1,200})/i, 'initial catalog'],
  ['database', /Cannot open database "([^"\n]{1,200})"/i, 'cannot open database'],
  // Not "SQL Database: '<server>'", which names the product, then the server.
  [
    'database',
    /(?<!SQL )\bdatabase[:=]\s{0,2}'?(?![A-Za-z]{1,30} [a-z])([\w.-]{2,200})/i,
    ['database:', 'database='],
  ],
  ['user', /Login failed for user '([^'\n]{1,200})'/i, 'login failed'],
  [
    'gateway',
    /gateway (?:named |called )?'([^'\n]{1,120})'/i,
    ["gateway '", 'gateway named', 'gateway called'],
  ],
  [
    'gateway',
    new RegExp(`gateway(?:Object)?Id[":\\s=]{0,4}(${GUID})`, 'i'),
    ['gatewayid', 'gatewayobjectid'],
  ],
  ['table', /in Table '([^'\n]{1,120})'/i, "in table '"],
  ['table', /\bTable: ?([^.\n]{1,120}?)\.?(?:$|\n|\s{2})/m, 'table:'],
  ['table', /\btable '([^'\n]{1,120})'/i, "table '"],
  ['column', /\bcolumn '([^'\n]{1,120})'/i, "column '"],
  ['column', /\bThe '([^'\n]{1,120})' column\b/i, "' column"],
  ['column', /\bcolumn ‘([^’\n]{1,120})’/i, 'column ‘'],
  ['query', /\bQuery '([^'\n]{1,120})'/, "query '"],
  ['query', /in the ['‘]([^'’\n]{1,120})['’] query/i, ["' query", '’ query']],
  ['tenantId', new RegExp(`tenant(?: identifier)?[ :'"]{1,4}(${GUID})`, 'i'), 'tenant'],
  [
    'appId',
    new RegExp(`(?:app|application|client)(?: with identifier| ID| id)?[ :'"]{1,4}(${GUID})`, 'i'),
    ['app', 'client'],
  ],
  ['groupId', new RegExp(`/groups/(${GUID})`, 'i'), '/groups/'],
  ['datasetId', new RegExp(`(?:/datasets/|Dataset )(${GUID})`, 'i'), 'dataset'],
  // Power Query's error details: "DataSourceKind=SQL" (the path is read by dataSourcePath below).
  ['dataSourceKind', /\bDataSourceKind ?= ?([A-Za-z][\w.]{0,40})/, 'datasourcekind'],
  [
    'dataSourceKind',
    /\b(Microsoft SQL|SQL Server|Web\.Contents|OData|SharePoint|ODBC|OLE DB|Excel|Snowflake|Databricks|Salesforce|Dataverse|Common Data Service|Analysis Services|Kusto|Azure Data Explorer|Azure Blob|Oracle|MySQL|PostgreSQL|Teradata|SAP HANA|File\.Contents)\b/i,
    [
      'sql',
      'web.contents',
      'odata',
      'sharepoint',
      'odbc',
      'ole db',
      'excel',
      'snowflake',
      'databricks',
      'salesforce',
      'dataverse',
      'common data service',
      'analysis services',
      'kusto',
      'azure data explorer',
      'azure blob',
      'oracle',
      'teradata',
      'sap hana',
      'file.contents',
    ],
  ],
]

/** `pbi.error` detail names and JSON keys that carry a context value directly. */
const DETAIL_FIELDS: Record<string, Field> = {
  server: 'server',
  database: 'database',
  connectiontype: 'dataSourceKind',
  datasourcekind: 'dataSourceKind',
  datasourcetype: 'dataSourceKind',
  url: 'url',
  path: 'path',
  gatewayid: 'gateway',
  gatewayobjectid: 'gateway',
  gatewayname: 'gateway',
  activityid: 'activityId',
  requestid: 'requestId',
  correlation_id: 'correlationId',
  trace_id: 'traceId',
  timestamp: 'timestamp',
  clusteruri: 'clusterUri',
  dm_errordetailnamecode_underlyingerrormessage: 'innerMessage',
  errordescription: 'innerMessage',
  error_description: 'innerMessage',
}

const STATUS_NAMES: Record<string, number> = {
  badrequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notfound: 404,
  toomanyrequests: 429,
  internalservererror: 500,
  badgateway: 502,
  serviceunavailable: 503,
  gatewaytimeout: 504,
}

const STATUS_WORDS = [
  'unauthorized',
  'forbidden',
  'not found',
  'notfound',
  'bad request',
  'badrequest',
  'too many',
  'toomany',
  'internal server',
  'internalserver',
  'service unavailable',
  'serviceunavailable',
  'bad gateway',
  'badgateway',
  'gateway timeout',
  'gatewaytimeout',
]

/** HTTP status rules, each with the literals it cannot match without (as for TEXT_RULES). */
const STATUS_RULES: readonly [RegExp, readonly string[]][] = [
  [/HTTP\/\d(?:\.\d)? (\d{3})\b/, ['http/']],
  [/status code[:\s]{0,3}'?(\d{3})\b/i, ['status code']],
  [
    /\b([45]\d\d) ?\((?:Unauthorized|Forbidden|Not ?Found|Bad ?Request|Too ?Many ?Requests|Internal ?Server ?Error|Service ?Unavailable)\)/i,
    STATUS_WORDS,
  ],
  [/\(([45]\d\d)\): /, ['): ']],
  [
    /\(([45]\d\d)\) ?(?:Bad Request|Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error|Service Unavailable|Bad Gateway|Gateway Timeout)/i,
    STATUS_WORDS,
  ],
  [
    /\b([45]\d\d) (?:forbidden|unauthorized|not found|bad request|too many requests)\b/i,
    STATUS_WORDS,
  ],
  [/status(?:Code)?["':\s]{1,4}([45]\d\d)\b/i, ['status']],
]
const STATUS_NAME_RULE =
  /'(BadRequest|Unauthorized|Forbidden|NotFound|TooManyRequests|InternalServerError|BadGateway|ServiceUnavailable|GatewayTimeout)'/

/**
 * Which rules each literal enables (indexes into TEXT_RULES, then STATUS_RULES after them, then
 * the status-name rule): a text holds a handful of literals, so walking those beats asking every
 * rule about each of its literals.
 */
const STATUS_NAME_INDEX = TEXT_RULES.length + STATUS_RULES.length
const RULES_BY_LITERAL = new Map<string, number[]>()
;[
  ...TEXT_RULES.map(([, , hint]) => hint),
  ...STATUS_RULES.map(([, hint]) => hint),
  STATUS_WORDS,
].forEach((hint, index) => {
  for (const literal of hint === null ? [] : typeof hint === 'string' ? [hint] : hint) {
    const list = RULES_BY_LITERAL.get(literal)
    if (list) list.push(index)
    else RULES_BY_LITERAL.set(literal, [index])
  }
})

/** The rules that need no literal. */
const ALWAYS_ENABLED = Uint8Array.from({ length: STATUS_NAME_INDEX + 1 }, (_, i) =>
  i < TEXT_RULES.length && (TEXT_RULES[i] as (typeof TEXT_RULES)[number])[2] === null ? 1 : 0,
)

/** 1 for each rule whose literal occurred (or that needs none). */
function enabledRules(flags: ReadonlySet<string>): Uint8Array {
  const enabled = ALWAYS_ENABLED.slice()
  for (const flag of flags) for (const i of RULES_BY_LITERAL.get(flag) ?? []) enabled[i] = 1
  return enabled
}

/** The literals that gate the rules above and the status rules, for the text scanner to look for. */
export const CONTEXT_FLAGS: readonly string[] = [...RULES_BY_LITERAL.keys(), 'datasourcepath']

/** Context rules read at most this much text: identifiers sit near the top of real error texts. */
const CONTEXT_WINDOW = 64 * 1024

const clean = (v: string) => v.trim().replace(/^['"]|['";,.]+$/g, '')

/** Sets a context field once (the first finding wins), trimmed of quotes and trailing punctuation. */
function setField(ctx: DiagnosisContext, field: Field, value: string | undefined): void {
  if (value === undefined) return
  const v = clean(value)
  if (v.length > 0 && ctx[field] === undefined) ctx[field] = v
}

const lastPart = (name: string) => name.slice(name.lastIndexOf('.') + 1)

/** Power Query's "DataSourcePath=<server>;<database>" (or a URL, or a file) in free text. */
const DATA_SOURCE_PATH = /\bDataSourcePath ?= ?([^\s"']{1,400})/

const SERVER_LIKE = /^[\w.:<>/-]{2,200}(?:\\[\w$-]{1,100})?(?:,\d{1,5})?$/

/**
 * A data source path says what the source is in the kind's own form: a URL for web sources, a
 * file path, "server;database" for SQL-style sources; a bare kind name (PowerBIRESTAPI) says nothing.
 */
function readSourcePath(ctx: DiagnosisContext, value: string): void {
  if (value.length === 0 || value.toLowerCase() === ctx.dataSourceKind?.toLowerCase()) return
  if (/^https?:\/\//i.test(value)) {
    setField(ctx, 'url', value)
  } else if (/^(?:[A-Za-z]:\\|\\\\)/.test(value)) {
    setField(ctx, 'path', value)
  } else {
    const [server = '', database] = value.split(';', 2)
    if (!SERVER_LIKE.test(server)) return
    setField(ctx, 'server', server)
    if (database) setField(ctx, 'database', database)
  }
}

/**
 * `haystack` is the raw text followed by the strings decoded from its JSON (see diagnose.ts), so one
 * pass of each rule sees both the free text and the unescaped inner messages.
 */
export function extractContext(
  haystack: string,
  unwrapped: Unwrapped,
  codes: string[],
  flags: ReadonlySet<string>,
): DiagnosisContext {
  const ctx: DiagnosisContext = { codes }

  let sourcePath: string | undefined
  for (const leaf of unwrapped.leaves) {
    // Detail names come bare ("Server") or qualified ("Microsoft.Data.Mashup.ValueError.Url"):
    // the last part names the value.
    const name = lastPart((leaf.detail ?? leaf.key ?? '').toLowerCase())
    if (name === 'datasourcepath') sourcePath ??= leaf.value.slice(0, 2000)
    const field = DETAIL_FIELDS[name]
    if (field) setField(ctx, field, leaf.value.slice(0, 2000))
  }
  for (const n of unwrapped.numbers) {
    if (n.key === 'error_codes' && ctx.aadsts === undefined) ctx.aadsts = `AADSTS${n.value}`
    if (/^(status|statuscode|httpstatuscode)$/i.test(n.key) && n.value >= 100 && n.value < 600)
      ctx.httpStatus ??= n.value
  }

  const window = haystack.length > CONTEXT_WINDOW ? haystack.slice(0, CONTEXT_WINDOW) : haystack
  // A rule whose literal is absent cannot match; the scanner found the literals in its one pass.
  const enabled = enabledRules(flags)
  for (let i = 0; i < TEXT_RULES.length; i++) {
    const [field, re] = TEXT_RULES[i] as (typeof TEXT_RULES)[number]
    if (enabled[i] === 0 || ctx[field] !== undefined) continue
    const m = re.exec(window)
    if (m?.[1]) setField(ctx, field, m[1])
  }
  if (ctx.httpStatus === undefined) {
    for (let i = 0; i < STATUS_RULES.length; i++) {
      if (enabled[TEXT_RULES.length + i] === 0) continue
      const re = (STATUS_RULES[i] as (typeof STATUS_RULES)[number])[0]
      const m = re.exec(window)
      if (m?.[1]) {
        ctx.httpStatus = Number(m[1])
        break
      }
    }
  }
  if (ctx.httpStatus === undefined && enabled[STATUS_NAME_INDEX] === 1) {
    const m = STATUS_NAME_RULE.exec(window)
    if (m?.[1]) ctx.httpStatus = STATUS_NAMES[m[1].toLowerCase()] ?? 0
  }
  if (ctx.httpStatus === 0) delete ctx.httpStatus
  if (sourcePath === undefined && flags.has('datasourcepath'))
    sourcePath = DATA_SOURCE_PATH.exec(window)?.[1]
  if (sourcePath !== undefined) readSourcePath(ctx, clean(sourcePath))
  if (ctx.url && !ctx.server) {
    try {
      ctx.server = new URL(ctx.url).hostname
    } catch {
      // A URL we cannot parse still helps as text; the server stays unknown.
    }
  }
  return ctx
}
