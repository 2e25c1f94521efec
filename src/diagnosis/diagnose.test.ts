import { beforeAll, describe, expect, it } from 'vitest'
import { type KnowledgeBase, openKb } from '../kb/kb.ts'
import type { Diagnoser } from './diagnose.ts'
import { personalise } from './diagnose.ts'
import { diagnoserFor } from './diagnosis.service.ts'

// These run against the real error reference: the point is that real-shaped inputs find the
// right entry. Inputs follow the shapes of ../shared/reference/powerbi-api.md §3, §4 and §6.
let kb: KnowledgeBase
let d: Diagnoser
beforeAll(async () => {
  kb = await openKb()
  d = diagnoserFor(kb)
})

const GW_FLAT = JSON.stringify({
  errorCode: 'DM_GWPipeline_Client_GatewayUnreachable',
  errorDescription:
    'The on-premises data gateway is unreachable. Cluster URI: WABI-WEST-EUROPE-E-PRIMARY-redirect.analysis.windows.net; Activity ID: 0d9c5b1e-3f44-4a2b-b6c1-7f2e9a8d4c10; Request ID: c2f5d0e4-6a1b-4b8e-8f0a-5e3d2c1b0a99',
})

describe('matching levels', () => {
  it('of nested wrapper codes the innermost is the closest to the cause', () => {
    const chain = [
      'An error has occurred during report processing. (rsProcessingAborted)',
      "Cannot create a connection to data source 'DataSource1'. (rsErrorOpeningConnection)",
    ]
    const bare = d.diagnose(chain.join('\n'))
    expect(bare.slug).toBe('paginated-rs-error-opening-connection')
    expect(bare.code).toBe('rsErrorOpeningConnection')
    const inner = d.diagnose([...chain, "Login failed for user 'report_reader'."].join('\n'))
    expect(inner.slug).toBe('sql-login-failed-for-user')
    expect(inner.context.wrapper).toBe('rsErrorOpeningConnection')
  })

  it('typographic quotes and non-breaking spaces match the plain ones of the wordings', () => {
    const text = 'The application isn\u2019t allowed to make application on-behalf-of calls.'
    expect(d.diagnose(text).slug).toBe('aadsts7000114-app-on-behalf-of-not-allowed')
    expect(d.diagnose(text.replaceAll(' ', '\u00a0')).slug).toBe(
      'aadsts7000114-app-on-behalf-of-not-allowed',
    )
    expect(d.diagnose(text.replace('\u2019', '\u00b4')).slug).toBeNull()
  })

  it('a number is a code only where the text says so', () => {
    const coded = d.diagnose("Login failed for user 'etl'. (Microsoft SQL Server, Error: 18456)")
    expect(coded.code).toBe('18456')
    expect(coded.matchedBy).toBe('code')
    const counted = d.diagnose('Loaded 18456 rows from the staging table')
    expect(counted.context.codes).not.toContain('18456')
    expect(counted.slug).toBeNull()
  })

  it('a code stated as resultCode is the code, before tokens that only look like codes', () => {
    const r = d.diagnose(
      'Static analysis failed in gateway. resultCode:FailedWithSomethingNew Query contains unknown function name: PowerBIRESTAPI.Navigation',
    )
    expect(r.context.codes[0]).toBe('FailedWithSomethingNew')
  })

  it('an exact code in a flat serviceExceptionJson, with its IDs', () => {
    const r = d.diagnose(GW_FLAT)
    expect(r.slug).toBe('dm-gwpipeline-gateway-unreachable')
    expect(r.code).toBe('DM_GWPipeline_Client_GatewayUnreachable')
    expect(r.category).toBe('gateway')
    expect(r.matchedBy).toBe('code')
    expect(r.context).toMatchObject({
      activityId: '0d9c5b1e-3f44-4a2b-b6c1-7f2e9a8d4c10',
      requestId: 'c2f5d0e4-6a1b-4b8e-8f0a-5e3d2c1b0a99',
      clusterUri: 'WABI-WEST-EUROPE-E-PRIMARY-redirect.analysis.windows.net',
    })
  })

  it('a code with its HTTP status is stronger than the code alone', () => {
    const body =
      '{"error":{"code":"PowerBINotAuthorizedException","pbi.error":{"code":"PowerBINotAuthorizedException","parameters":{},"details":[],"exceptionCulprit":1}}}'
    const withStatus = d.diagnose(`HTTP/1.1 401 Unauthorized\n${body}`)
    expect(withStatus.slug).toBe('powerbi-not-authorized')
    expect(withStatus.matchedBy).toBe('code+http_status')
    expect(withStatus.context.httpStatus).toBe(401)
    const alone = d.diagnose(body)
    expect(alone.matchedBy).toBe('code')
    expect(withStatus.confidence).toBeGreaterThan(alone.confidence)
  })

  it('a wrapper code yields to the specific inner message, and is named in the context', () => {
    const text = JSON.stringify({
      error: {
        code: 'DM_GWPipeline_Gateway_MashupDataAccessError',
        'pbi.error': {
          code: 'DM_GWPipeline_Gateway_MashupDataAccessError',
          parameters: {},
          details: [
            {
              code: 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
              detail: {
                type: 1,
                value:
                  'Microsoft SQL: A network-related or instance-specific error occurred while establishing a connection to SQL Server. The server was not found or was not accessible.',
              },
            },
            { code: 'Server', detail: { type: 1, value: 'sql-prod-01.contoso.local' } },
            { code: 'Database', detail: { type: 1, value: 'Sales' } },
          ],
          exceptionCulprit: 1,
        },
      },
    })
    const r = d.diagnose(text)
    expect(r.category).toBe('connectivity')
    expect(r.slug).not.toBe('dm-gwpipeline-mashup-data-access-error')
    expect(r.matchedBy).toBe('pattern')
    expect(r.context.wrapper).toBe('DM_GWPipeline_Gateway_MashupDataAccessError')
    expect(r.code).toBe('DM_GWPipeline_Gateway_MashupDataAccessError')
    expect(r.context).toMatchObject({ server: 'sql-prod-01.contoso.local', database: 'Sales' })
    expect(r.fixes.join(' ')).toContain('sql-prod-01.contoso.local')
  })

  it('the wrapper entry answers when the inner message is not recognised', () => {
    const r = d.diagnose(
      '{"errorCode":"ModelRefresh_ShortMessage_ProcessingError","errorDescription":"Zorblax frobnication mismatch."}',
    )
    expect(r.slug).toBe('refresh-processing-error-wrapper')
    expect(r.confidence).toBeLessThan(0.9)
  })

  it('OLE DB 0x80040E4E around a relationship error resolves to the relationship entry', () => {
    const r = d.diagnose(
      "OLE DB or ODBC error: Exception from HRESULT: 0x80040E4E.  Portals Column 'admin_portalenvironment' in Table 'Portals' contains a duplicate value '4b086820' and this is not allowed for columns on the one side of a many-to-one relationship or for columns that are used as the primary key of a table.",
    )
    expect(r.category).toBe('data_format')
    expect(r.context).toMatchObject({
      table: 'Portals',
      column: 'admin_portalenvironment',
      wrapper: '0x80040E4E',
    })
  })

  it('a copy activity names the product, then the server: "SQL Database" is not a database name', () => {
    const r = d.diagnose(
      "ErrorCode=SqlFailedToConnect,'Type=Microsoft.DataTransfer.Common.Shared.HybridDeliveryException,Message=Cannot connect to SQL Database: 'sql-prod.database.windows.net', Database: 'sales', User: 'loader'.",
    )
    expect(r.context).toMatchObject({ server: 'sql-prod.database.windows.net', database: 'sales' })
  })

  it("Power Query's data source details name the server, database and URL", () => {
    const text = [
      'DataSource.Error: Microsoft SQL: A network-related or instance-specific error occurred while establishing a connection to SQL Server.',
      '    DataSourceKind=SQL',
      '    DataSourcePath=sqlhost01\\finance;FinanceDW',
      '    Message=A network-related or instance-specific error occurred',
    ].join('\n')
    const sql = d.diagnose(text)
    expect(sql.context).toMatchObject({
      dataSourceKind: 'SQL',
      server: 'sqlhost01\\finance',
      database: 'FinanceDW',
    })
    expect(sql.fixes.join(' ')).toContain('sqlhost01\\finance')
    const detail = (name: string, value: string) => ({
      code: `Microsoft.Data.Mashup.ValueError.${name}`,
      detail: { type: 1, value },
    })
    const web = d.diagnose(
      JSON.stringify({
        error: {
          code: 'DM_GWPipeline_Gateway_MashupDataAccessError',
          'pbi.error': {
            code: 'DM_GWPipeline_Gateway_MashupDataAccessError',
            details: [
              {
                code: 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
                detail: {
                  type: 1,
                  value: 'Web.Contents failed to get contents (429): Too Many Requests',
                },
              },
              detail('DataSourceKind', 'PowerBIRESTAPI'),
              detail('DataSourcePath', 'PowerBIRESTAPI'),
              detail('Url', 'https://api.powerbi.com/v1.0/myorg/admin/groups'),
            ],
          },
        },
      }),
    )
    expect(web.context).toMatchObject({
      dataSourceKind: 'PowerBIRESTAPI',
      url: 'https://api.powerbi.com/v1.0/myorg/admin/groups',
      server: 'api.powerbi.com',
    })
    // The kind looks like a code but is none; a path equal to the kind names no server.
    expect(web.context.codes).not.toContain('PowerBIRESTAPI')
    const quoted = d.diagnose(
      "Web.Contents failed to get contents from 'https://example.sharepoint.com/sites/x/data.xlsx' (404): Not Found",
    )
    expect(quoted.context).toMatchObject({
      url: 'https://example.sharepoint.com/sites/x/data.xlsx',
      server: 'example.sharepoint.com',
      httpStatus: 404,
    })
    // "server:" and "database:" followed by prose name nothing.
    const prose = d.diagnose(
      'ODBC: ERROR [HY000] [Microsoft][Hardy] (34) Error from server: bad status: http/1.1 502 Bad gateway\nError selecting database: one or more errors occurred.\nSQL Server: The XML for Analysis request timed out.',
    )
    expect(prose.context.server).toBeUndefined()
    expect(prose.context.database).toBeUndefined()
    expect(d.diagnose('Server: sqlhost01 Database: Sales').context).toMatchObject({
      server: 'sqlhost01',
      database: 'Sales',
    })
  })

  it('TooManyRequests, in any form, is REST API throttling, not a Fabric-only entry', () => {
    const forms = [
      "Microsoft.Rest.HttpOperationException: Operation returned an invalid status code 'TooManyRequests'\n   at Microsoft.PowerBI.Api.DatasetsOperations.RefreshDatasetInGroupWithHttpMessagesAsync",
      'TooManyRequests',
    ]
    for (const text of forms) expect(d.diagnose(text).slug).toBe('powerbi-api-rate-limited')
    const fabric = d.diagnose(
      '{"requestId":"7f3a1b2c","errorCode":"RequestBlocked","message":"Request is blocked by the upstream service until: 6/12/2025 10:25:04 AM (UTC)"}',
    )
    expect(fabric.slug).toBe('fabric-api-request-blocked-throttled')
  })

  it('"PowerBIErrorCode: X" states the code X; the label itself is not a code', () => {
    const r = d.diagnose(
      'PowerBI service client received error HTTP response. HttpStatus: 400. PowerBIErrorCode: ZorblaxFailedSomehow',
    )
    expect(r.context.codes).toEqual(['ZorblaxFailedSomehow'])
  })

  it("an unknown code's name counts for the category guess; .NET's PublicKeyToken does not", () => {
    expect(d.diagnose('Frobnicate failed: ZorbGatewayUnavailableNow').category).toBe('gateway')
    expect(d.diagnose('Frobnicate failed: zorb_gateway_down').category).toBe('gateway')
    expect(d.diagnose('Frobnicate failed: ZorbTokenLapsed').category).toBe('authentication')
    expect(
      d.diagnose('Zorblax: PublicKeyToken=b03f5f7f11d50a3a could not frobnicate').category,
    ).not.toBe('authentication')
  })

  it('M errors: a missing column, with table and column in the context', () => {
    const r = d.diagnose(
      "Expression.Error: The column 'Workspace Type' of the table wasn't found.\r\nDetails:\r\n    Workspace Type",
    )
    expect(r.category).toBe('schema')
    expect(r.context.column).toBe('Workspace Type')
  })

  it('AADSTS sign-in errors with trace and correlation IDs', () => {
    const body = JSON.stringify({
      error: 'invalid_client',
      error_description:
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '11111111-2222-3333-4444-555555555555'.\r\nTrace ID: 6f6c4645-0202-4486-b625-fa957dfc4700\r\nCorrelation ID: 5fc87507-4086-4e77-b415-cee677eb232e\r\nTimestamp: 2023-05-06 06:03:00Z",
      error_codes: [7000215],
    })
    const r = d.diagnose(body)
    expect(r.code).toBe('AADSTS7000215')
    expect(r.category).toBe('authentication')
    expect(r.context).toMatchObject({
      aadsts: 'AADSTS7000215',
      traceId: '6f6c4645-0202-4486-b625-fa957dfc4700',
      correlationId: '5fc87507-4086-4e77-b415-cee677eb232e',
      appId: '11111111-2222-3333-4444-555555555555',
    })
  })

  it('a failure e-mail and a localized .NET wrapper', () => {
    const mail = d.diagnose(
      'Your Sales semantic model failed to refresh.\nFailure details: The credentials provided for the SQL source are invalid.\nCluster URI: WABI-US-NORTH-CENTRAL-redirect.analysis.windows.net\nActivity ID: 11111111-2222-3333-4444-555555555555',
    )
    expect(mail.category).toBe('credentials')
    expect(mail.context.activityId).toBe('11111111-2222-3333-4444-555555555555')
    const es = d.diagnose(
      'System.Net.Http.HttpRequestException: El código de estado de la respuesta no indica un resultado correcto: 404 (Not Found). {"error":{"code":"PowerBIEntityNotFound","pbi.error":{"code":"PowerBIEntityNotFound","parameters":{},"details":[],"exceptionCulprit":1}}}',
    )
    expect(es.slug).toBe('powerbi-entity-not-found')
    expect(es.context.httpStatus).toBe(404)
  })

  it('JSON escaped into free text and CSV-quoted refresh history', () => {
    const escaped = d.diagnose(
      'Failed to save modifications to the server. Error returned: \'{\\"error\\":{\\"code\\":\\"DMTS_DatasourceHasNoCredentialError\\",\\"pbi.error\\":{\\"code\\":\\"DMTS_DatasourceHasNoCredentialError\\",\\"details\\":[{\\"code\\":\\"Server\\",\\"detail\\":{\\"type\\":1,\\"value\\":\\"testserver.database.windows.net\\"}}]}}}\'',
    )
    expect(escaped.code).toBe('DMTS_DatasourceHasNoCredentialError')
    expect(escaped.context.server).toBe('testserver.database.windows.net')
    const csv = d.diagnose(
      '"{""error"":{""code"":""DMTS_OAuthTokenRefreshFailedError"",""pbi.error"":{""code"":""DMTS_OAuthTokenRefreshFailedError""}}}"',
    )
    expect(csv.code).toBe('DMTS_OAuthTokenRefreshFailedError')
  })

  it('codes are whole tokens: a longer code is not taken for a shorter one inside it', () => {
    expect(d.diagnose('AADSTS650057: Invalid resource.').code).toBe('AADSTS650057')
    const gw = d.diagnose('{"error":{"code":"DM_GWPipeline_Gateway_InvalidConnectionCredentials"}}')
    expect(gw.code).toBe('DM_GWPipeline_Gateway_InvalidConnectionCredentials')
  })
})

describe('codes the reference does not list', () => {
  it("Spark's bracketed error classes and CamelCase …Failure names are the error's code", () => {
    const spark = d.diagnose(
      'AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view `sales` cannot be found.',
    )
    expect(spark.code).toBe('TABLE_OR_VIEW_NOT_FOUND')
    const livy = d.diagnose(
      'LivyHttpRequestFailure: something went wrong while processing your request. Please try again. HTTP status code: 500.',
    )
    expect(livy.context.codes).toContain('LivyHttpRequestFailure')
    // A full-text guess of the entry still reports the code the text states.
    expect(livy.code).toBe('LivyHttpRequestFailure')
  })

  it('bracketed driver and state tags are not codes', () => {
    const r = d.diagnose(
      '[Microsoft][ODBC Driver 17 for SQL Server][SQL Server] [HY000] [X_1] failed',
    )
    expect(r.context.codes).not.toContain('HY000')
    expect(r.context.codes).not.toContain('X_1')
    expect(r.context.codes.some((c) => c.includes('Microsoft'))).toBe(false)
  })
})

describe('honesty', () => {
  it.each(['my cat walked over the keyboard', '', '   ', '12345', '{}', '[]', 'null'])(
    'says "no match" for %j',
    (text) => {
      const r = d.diagnose(text)
      expect(r.slug).toBeNull()
      expect(r.code).toBeNull()
      expect(r.confidence).toBeLessThanOrEqual(0.2)
      expect(r.matchedBy).toBe('none')
    },
  )

  it('ranks alternatives below the answer', () => {
    const r = d.diagnose(GW_FLAT)
    for (const a of r.alternatives) expect(a.confidence).toBeLessThanOrEqual(r.confidence)
  })

  it('with no match, guesses the category from its words, word endings included', () => {
    const r = d.diagnose('Zorblat job 7 stopped: the caller lacks the permissions it needs')
    expect(r.slug).toBeNull()
    expect(r.category).toBe('permissions')
    const s = d.diagnose("Zorblat job 7 stopped: this user doesn't have access to it")
    expect(s.category).toBe('permissions')
  })

  it('never accepts a non-string input as text', () => {
    expect(d.diagnose(42).slug).toBeNull()
    expect(d.diagnose(undefined as unknown as string).slug).toBeNull()
  })
})

describe('personalise', () => {
  it('fills known placeholders, uses a neutral phrase for missing ones and keeps unknown ones', () => {
    expect(
      personalise(['Update {server}/{database} for {user}', 'GET /groups/{groupId}/x'], {
        codes: [],
        server: 'sql01',
      }),
    ).toEqual(['Update sql01/<database> for the account', 'GET /groups/{groupId}/x'])
  })

  it('network tools get the host of a SQL-style server, without instance or port', () => {
    const steps = [
      'Run Test-NetConnection {server} -Port 1433 and nslookup {server}.',
      'Edit {server}.',
    ]
    expect(personalise(steps, { codes: [], server: 'tcp:sql01\\finance,1433' })).toEqual([
      'Run Test-NetConnection sql01 -Port 1433 and nslookup sql01.',
      'Edit tcp:sql01\\finance,1433.',
    ])
  })

  it('a missing value inside a command stays a visible placeholder, in prose a neutral phrase', () => {
    expect(
      personalise(
        [
          'On the gateway host run Test-NetConnection {server} -Port 1433.',
          'Open the connection used for {server} and enter the password.',
          'Run DESCRIBE {table} in a notebook, or Sql.Database("{server}", "{database}").',
          'Set User ID=app:{appId}@{tenantId}, or run az ad sp show --id {appId}; nslookup {server}.',
        ],
        { codes: [] },
      ),
    ).toEqual([
      'On the gateway host run Test-NetConnection <server> -Port 1433.',
      'Open the connection used for the server and enter the password.',
      'Run DESCRIBE <table> in a notebook, or Sql.Database("<server>", "<database>").',
      'Set User ID=app:<appId>@<tenantId>, or run az ad sp show --id <appId>; nslookup <server>.',
    ])
  })
})

describe('every entry recognises its own example', () => {
  it('diagnoses each entry example as that entry or one of the same category', () => {
    const wrong: string[] = []
    for (const e of kb.entries) {
      const r = d.diagnose(e.example)
      if (r.slug !== e.slug && r.category !== e.category)
        wrong.push(`${e.slug} → ${r.slug ?? 'none'} (${r.category})`)
    }
    // Some examples are state snapshots (schedule JSON), not texts; allow a handful, list them.
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(Math.ceil(kb.entries.length * 0.08))
  })
})
