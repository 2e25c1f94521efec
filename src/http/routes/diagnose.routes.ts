import type { FastifyInstance } from 'fastify'
import { diagnoserFor, diagnosisLine } from '../../diagnosis/diagnosis.service.ts'
import type { KnowledgeBase } from '../../kb/kb.ts'
import { CATEGORIES, SEVERITIES } from '../../kb/taxonomy.ts'
import { diagnosePage } from '../pages/diagnose.page.ts'
import { serverLinks } from '../pages/links.ts'

/** Large enough for a whole gateway log excerpt, small enough to keep one request cheap. */
export const MAX_DIAGNOSE_INPUT = 1024 * 1024

const str = { type: 'string' } as const
const nullableStr = { type: ['string', 'null'] } as const

const diagnosisResponse = {
  type: 'object',
  properties: {
    id: str,
    slug: nullableStr,
    code: nullableStr,
    title: nullableStr,
    category: { type: 'string', enum: [...CATEGORIES, 'unknown'] },
    severity: { type: ['string', 'null'], enum: [...SEVERITIES, null] },
    confidence: { type: 'number' },
    matchedBy: str,
    why: str,
    fixes: { type: 'array', items: str },
    entryUrl: nullableStr,
    context: { type: 'object', additionalProperties: true },
    alternatives: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          slug: str,
          title: str,
          category: str,
          confidence: { type: 'number' },
          matchedBy: str,
        },
      },
    },
  },
} as const

export function diagnoseRoutes(app: FastifyInstance, kb: KnowledgeBase): void {
  const diagnoser = diagnoserFor(kb)

  app.post<{ Body: { input: string; id?: string } }>(
    '/api/v1/diagnose',
    {
      bodyLimit: MAX_DIAGNOSE_INPUT + 4096,
      schema: {
        summary: 'Diagnose a raw Power BI error text',
        description:
          'Accepts any failure text (serviceExceptionJson, REST error body, failure e-mail, portal dialog, gateway log line, M error, AADSTS message) and returns the matching error-reference entry, the confidence, why it matched, the context found in the text and personalised fix steps. `slug` is null when no entry fits.',
        tags: ['diagnosis'],
        body: {
          type: 'object',
          required: ['input'],
          additionalProperties: false,
          properties: {
            input: { type: 'string', maxLength: MAX_DIAGNOSE_INPUT },
            id: { type: 'string', maxLength: 200 },
          },
        },
        response: { 200: diagnosisResponse },
      },
    },
    async (req) => {
      const d = diagnoser.diagnose(req.body.input)
      return {
        ...diagnosisLine(req.body.id ?? '1', d),
        why: d.why,
        fixes: d.fixes,
        entryUrl: d.slug === null ? null : serverLinks.entry(d.slug),
      }
    },
  )

  app.get('/diagnose', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(diagnosePage(kb, '', null, serverLinks)),
  )

  // The form posts here so the page works without JavaScript.
  app.post<{ Body: { input?: string } }>(
    '/diagnose',
    {
      bodyLimit: MAX_DIAGNOSE_INPUT * 3 + 4096,
      schema: {
        hide: true,
        body: {
          type: 'object',
          properties: { input: { type: 'string', maxLength: MAX_DIAGNOSE_INPUT } },
        },
      },
    },
    async (req, reply) => {
      const input = req.body.input ?? ''
      const d = input.trim() === '' ? null : diagnoser.diagnose(input)
      return reply.type('text/html; charset=utf-8').send(diagnosePage(kb, input, d, serverLinks))
    },
  )
}
