import { describe, expect, it } from 'vitest'
import {
  AdminGroupSchema,
  ciEnum,
  isRunning,
  parseErrorBody,
  parsePowerBiTime,
  parseServiceException,
  RefreshDetailSchema,
  RefreshSchema,
} from './schemas.ts'

describe('case-insensitive parsing', () => {
  it('maps PascalCase and odd casing onto the declared keys and drops unknown ones', () => {
    const parsed = AdminGroupSchema.parse({
      Id: 'g1',
      NAME: 'Finance',
      State: 'Active',
      datasets: [
        { id: 'd1', name: 'Sales', ContentProviderType: 'PbixInImportMode', IsRefreshable: true },
      ],
      capacityMigrationStatus: 'Migrated',
    })
    expect(parsed).toEqual({
      id: 'g1',
      name: 'Finance',
      state: 'Active',
      datasets: [
        { id: 'd1', name: 'Sales', contentProviderType: 'PbixInImportMode', isRefreshable: true },
      ],
    })
  })

  it('prefers the exact-case key when both spellings are present', () => {
    expect(RefreshSchema.parse({ status: 'Failed', Status: 'Completed' }).status).toBe('Failed')
  })

  it('canonicalises known enum values and keeps new ones', () => {
    const e = ciEnum(['Completed', 'Failed'])
    expect(e.parse('completed')).toBe('Completed')
    expect(e.parse('Paused')).toBe('Paused')
  })

  it('accepts the enhanced detail without offsets and the in-progress entry without endTime', () => {
    const detail = RefreshDetailSchema.parse({
      startTime: '2025-03-10T08:05:54.157',
      type: 'Full',
      commitMode: 'Transactional',
      status: 'Unknown',
      extendedStatus: 'inprogress',
      objects: [{ table: 'FactSales', partition: 'FactSales-2025', status: 'InProgress' }],
    })
    expect(detail.extendedStatus).toBe('InProgress')
    expect(parsePowerBiTime(detail.startTime)).toBe(Date.parse('2025-03-10T08:05:54.157Z'))
    expect(parsePowerBiTime('2019-04-30T21:35:15.867-07:00')).toBe(
      Date.parse('2019-05-01T04:35:15.867Z'),
    )
    expect(parsePowerBiTime('garbage')).toBeUndefined()
    const entry = RefreshSchema.parse({
      requestId: 'r',
      refreshType: 'ViaEnhancedApi',
      startTime: '2025-03-10T08:05:54.157Z',
      status: 'Unknown',
      extendedStatus: 'InProgress',
    })
    expect(isRunning(entry)).toBe(true)
    expect(isRunning({ status: 'Unknown', endTime: '2025-03-10T09:00:00Z' })).toBe(false)
  })
})

describe('error envelopes (contract §4.1)', () => {
  it('A: code and message', () => {
    expect(
      parseErrorBody(
        '{"error":{"code":"TokenExpired","message":"Access token has expired, resubmit with a new access token"}}',
      ),
    ).toEqual({
      code: 'TokenExpired',
      message: 'Access token has expired, resubmit with a new access token',
    })
  })

  it('B: pbi.error with details, the underlying message becomes the message', () => {
    const body =
      '{"error":{"code":"DM_GWPipeline_Gateway_DataSourceAccessError","pbi.error":{"code":"DM_GWPipeline_Gateway_DataSourceAccessError","parameters":{},"details":[{"code":"DM_ErrorDetailNameCode_UnderlyingErrorMessage","detail":{"type":1,"value":"Login failed for user \'admin\'."}},{"code":"DM_ErrorDetailNameCode_UnderlyingNativeErrorCode","detail":{"type":1,"value":"18456"}}],"exceptionCulprit":1}}}'
    expect(parseErrorBody(body)).toEqual({
      code: 'DM_GWPipeline_Gateway_DataSourceAccessError',
      message: "Login failed for user 'admin'.",
      details: [
        {
          code: 'DM_ErrorDetailNameCode_UnderlyingErrorMessage',
          value: "Login failed for user 'admin'.",
        },
        { code: 'DM_ErrorDetailNameCode_UnderlyingNativeErrorCode', value: '18456' },
      ],
    })
  })

  it('C: the 429 message with "Retry in N seconds"', () => {
    expect(
      parseErrorBody(
        '{"message":"You have exceeded the amount of requests allowed in the current time frame and further requests will fail. Retry in 3392 seconds."}',
      ),
    ).toMatchObject({ retryInSec: 3392 })
  })

  it('D: capital-M Message, bare text, and E: empty body', () => {
    expect(parseErrorBody('{"Message":"An error has occurred."}')).toEqual({
      message: 'An error has occurred.',
    })
    expect(parseErrorBody('An error has occurred')).toEqual({ message: 'An error has occurred' })
    expect(parseErrorBody('')).toEqual({})
  })

  it('F: the OAuth2 body of Entra ID, first line of the description only', () => {
    const body = JSON.stringify({
      error: 'invalid_client',
      error_description:
        'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y',
      error_codes: [7000215],
    })
    expect(parseErrorBody(body)).toEqual({
      code: 'invalid_client',
      message: 'AADSTS7000215: Invalid client secret provided.',
      aadsts: 7000215,
    })
  })
})

describe('serviceExceptionJson', () => {
  it('reads the flat shape, the envelope shape, and falls back to raw', () => {
    expect(
      parseServiceException(
        '{"errorCode":"ModelRefreshFailed_CredentialsNotSpecified","errorDescription":"x"}',
      ),
    ).toMatchObject({
      shape: 'flat',
      code: 'ModelRefreshFailed_CredentialsNotSpecified',
      description: 'x',
    })
    expect(parseServiceException('{"ErrorCode":"X"}')).toMatchObject({ shape: 'flat', code: 'X' })
    expect(
      parseServiceException(
        '{"error":{"code":"DM_GWPipeline_Gateway_MashupDataAccessError","pbi.error":{"code":"DM_GWPipeline_Gateway_MashupDataAccessError","details":[{"code":"DM_ErrorDetailNameCode_UnderlyingErrorMessage","detail":{"type":1,"value":"Login failed"}}]}}}',
      ),
    ).toMatchObject({
      shape: 'envelope',
      code: 'DM_GWPipeline_Gateway_MashupDataAccessError',
      description: 'Login failed',
    })
    expect(parseServiceException('not json')).toEqual({
      shape: 'raw',
      details: [],
      raw: 'not json',
    })
    expect(parseServiceException('{"other":1}').shape).toBe('raw')
  })
})
