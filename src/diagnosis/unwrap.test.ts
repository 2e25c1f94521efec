import { describe, expect, it } from 'vitest'
import { jsonSpans, unwrap } from './unwrap.ts'

const values = (text: string) => unwrap(text).leaves.map((l) => l.value)

describe('unwrap', () => {
  it('reads a REST error body and pbi.error details', () => {
    const u = unwrap(
      '{"error":{"code":"DM_GWPipeline_Gateway_DataSourceAccessError","pbi.error":{"code":"X","parameters":{},"details":[{"code":"DM_ErrorDetailNameCode_UnderlyingErrorMessage","detail":{"type":1,"value":"Login failed for user \'svc\'."}},{"code":"Server","detail":{"type":1,"value":"sql01"}}],"exceptionCulprit":1}}}',
    )
    expect(u.json).toBe(true)
    expect(u.leaves).toContainEqual({
      key: 'detail',
      value: "Login failed for user 'svc'.",
      detail: 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
    })
    expect(u.leaves).toContainEqual({ key: 'detail', value: 'sql01', detail: 'Server' })
  })

  it('unwraps JSON inside a JSON string, several levels deep', () => {
    const inner = JSON.stringify({ errorCode: 'DM_GWPipeline_Client_GatewayUnreachable' })
    const middle = JSON.stringify({ serviceExceptionJson: inner })
    const outer = JSON.stringify({ value: [{ status: 'Failed', payload: middle }] })
    expect(values(outer)).toEqual(['Failed', 'DM_GWPipeline_Client_GatewayUnreachable'])
  })

  it('finds JSON embedded in free text, escaped or CSV-quoted', () => {
    expect(
      values(
        'Error returned: \'{\\"error\\":{\\"code\\":\\"DMTS_DatasourceHasNoCredentialError\\"}}\'.',
      ),
    ).toContain('DMTS_DatasourceHasNoCredentialError')
    expect(values('"{""error"":{""code"":""DMTS_OAuthTokenRefreshFailedError""}}"')).toContain(
      'DMTS_OAuthTokenRefreshFailedError',
    )
    expect(values('prefix {"a":"b"} middle {"c":["d"]} end')).toEqual(['b', 'd'])
  })

  it('collects Entra error_codes and statuses as numbers', () => {
    expect(
      unwrap('{"error":"invalid_client","error_codes":[7000215],"status":401}').numbers,
    ).toEqual([
      { key: 'error_codes', value: 7000215 },
      { key: 'status', value: 401 },
    ])
  })

  it('survives broken, truncated and pathological JSON', () => {
    expect(values('{"error":{"code":"MultiPartMimeStreamFormatrs":{},"details":[]')).toEqual([])
    expect(unwrap('['.repeat(100_000) + ']'.repeat(100_000)).json).toBe(true)
    expect(unwrap('{'.repeat(50_000)).leaves).toEqual([])
    const deep = '{"a":'.repeat(5_000) + '"x"' + '}'.repeat(5_000)
    expect(() => unwrap(deep)).not.toThrow()
  })
})

describe('jsonSpans', () => {
  it('ignores quotes outside JSON and finds top-level spans in one pass', () => {
    expect(jsonSpans('it said "hi {there}" and {"k":"}"} ok')).toEqual([
      [12, 19],
      [25, 34],
    ])
  })
})
