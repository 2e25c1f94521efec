import { beforeAll, describe, expect, it } from 'vitest'
import { diagnoserFor } from '../diagnosis/diagnosis.service.ts'
import type { Entry } from '../kb/entry.schema.ts'
import { KnowledgeBase } from '../kb/kb.ts'
import { loadKb } from '../kb/loader.ts'
import { parseServiceException } from '../sources/powerbi/schemas.ts'
import { createRng } from './random.ts'
import {
  drawFailure,
  EMITTED_API_CODES,
  EMITTED_REFRESH_CODES,
  EVICTION_ENGINE_CODE,
  FAILURES,
  failureSpec,
  renderFailure,
  SAMPLE_CONTEXT,
} from './failures.ts'

let entries: readonly Entry[] = []
let claimed = new Set<string>()

beforeAll(async () => {
  entries = (await loadKb()).entries
  claimed = new Set(
    entries.flatMap((e) => [...e.codes, ...e.match.codes]).map((c) => c.toLowerCase()),
  )
})

describe('failure catalogue against the error reference', () => {
  it('every refresh failure code the emulator can emit is claimed by an entry', () => {
    const missing = EMITTED_REFRESH_CODES.filter((c) => !claimed.has(c.toLowerCase()))
    expect(missing).toEqual([])
  })

  it('every API and sign-in error code the emulator can emit is claimed by an entry', () => {
    const missing = EMITTED_API_CODES.filter((c) => !claimed.has(c.toLowerCase()))
    expect(missing).toEqual([])
  })

  it('diagnoses every rendered failure, in both shapes, to a specific (non-wrapper) entry', () => {
    const diagnoser = diagnoserFor(new KnowledgeBase(entries))
    const wrong: string[] = []
    for (const spec of FAILURES) {
      for (const variant of spec.variants) {
        for (const shape of ['flat', 'envelope'] as const) {
          const d = diagnoser.diagnose(
            renderFailure(spec, variant.name, shape, SAMPLE_CONTEXT).serviceExceptionJson,
          )
          const entry = entries.find((e) => e.slug === d.slug)
          if (
            !entry ||
            entry.match.wrapper ||
            (d.matchedBy !== 'code' && d.matchedBy !== 'pattern')
          ) {
            wrong.push(`${spec.code}/${variant.name}/${shape} → ${String(d.slug)} (${d.matchedBy})`)
          }
        }
      }
    }
    expect(wrong).toEqual([])
  })
})

describe('renderFailure', () => {
  it('emits the documented flat shape and the observed envelope, both readable by the client', () => {
    const spec = failureSpec('DM_GWPipeline_Gateway_DataSourceAccessError')!
    const flat = renderFailure(spec, 'login-failed', 'flat', SAMPLE_CONTEXT)
    const envelope = renderFailure(spec, 'login-failed', 'envelope', SAMPLE_CONTEXT)
    expect(JSON.parse(flat.serviceExceptionJson)).toEqual({
      errorCode: 'DM_GWPipeline_Gateway_DataSourceAccessError',
      errorDescription: "Data source access error: Login failed for user 'svc_pbi'.",
    })
    const parsed = parseServiceException(envelope.serviceExceptionJson)
    expect(parsed.shape).toBe('envelope')
    expect(parsed.code).toBe('DM_GWPipeline_Gateway_DataSourceAccessError')
    expect(parsed.description).toBe("Login failed for user 'svc_pbi'.")
    expect(parsed.details).toContainEqual({
      code: 'DM_ErrorDetailNameCode_UnderlyingNativeErrorCode',
      value: '18456',
    })
    expect(parsed.details).toContainEqual({
      code: 'RequestIdText',
      value: SAMPLE_CONTEXT.requestId,
    })
    // Attempts carry only the short form (contract §6.2).
    expect(JSON.parse(flat.attemptExceptionJson)).toEqual({
      errorCode: 'DM_GWPipeline_Gateway_DataSourceAccessError',
    })
  })

  it('reports eviction as the processing error with the engine message for enhanced details', () => {
    const r = renderFailure(failureSpec(EVICTION_ENGINE_CODE)!, undefined, 'flat', SAMPLE_CONTEXT)
    expect(r.code).toBe('ModelRefresh_ShortMessage_ProcessingError')
    expect(r.engineMessages).toEqual([
      {
        code: '0xC11C0020',
        message:
          'Session cancelled because it is connected to a database that has been evicted to free up memory for other operations',
        type: 'Error',
      },
    ])
    expect(parseServiceException(r.serviceExceptionJson).description).toMatch(
      /^0xC11C0020: Session cancelled/,
    )
  })

  it('keeps the Resource Governing sentence verbatim and fills the missing column', () => {
    const spec = failureSpec('ModelRefresh_ShortMessage_ProcessingError')!
    expect(
      parseServiceException(
        renderFailure(spec, 'memory', 'flat', SAMPLE_CONTEXT).serviceExceptionJson,
      ).description,
    ).toMatch(
      /^Resource Governing: This operation was canceled because there wasn't enough memory to finish running it\./,
    )
    expect(
      parseServiceException(
        renderFailure(spec, 'missing-column', 'envelope', SAMPLE_CONTEXT).serviceExceptionJson,
      ).description,
    ).toBe("The 'CustomerKey' column does not exist in the rowset. Table: FactSales.")
  })

  it('draws chance failures only where they make sense', () => {
    const rng = createRng(7, 'draws')
    for (let i = 0; i < 300; i++) {
      const cloud = drawFailure(rng, { viaGateway: false, enhanced: false })
      expect(['processing']).toContain(cloud.spec.kind)
      const gateway = drawFailure(rng, { viaGateway: true, enhanced: true })
      expect(['processing', 'eviction', 'source']).toContain(gateway.spec.kind)
      if (gateway.spec.kind === 'source') expect(gateway.variant).toBe('network')
    }
  })
})
