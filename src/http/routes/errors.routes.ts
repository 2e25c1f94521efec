import type { FastifyInstance } from 'fastify'
import { entryJson } from '../../cli/commands/kb.command.ts'
import type { KnowledgeBase } from '../../kb/kb.ts'
import { CATEGORIES, PLATFORMS, SEVERITIES } from '../../kb/taxonomy.ts'
import { entryPage, errorsIndexPage } from '../pages/errors.page.ts'
import { serverLinks } from '../pages/links.ts'

const str = { type: 'string' } as const
const strArray = { type: 'array', items: str } as const

/** JSON Schema of an entry as the API returns it (also documents it in OpenAPI). */
export const entryResponseSchema = {
  type: 'object',
  required: [
    'slug',
    'title',
    'codes',
    'platform',
    'category',
    'severity',
    'summary',
    'causes',
    'fixes',
    'faq',
    'related',
    'references',
  ],
  properties: {
    slug: str,
    title: str,
    codes: strArray,
    platform: { type: 'string', enum: [...PLATFORMS] },
    category: { type: 'string', enum: [...CATEGORIES] },
    severity: { type: 'string', enum: [...SEVERITIES] },
    summary: str,
    details: str,
    causes: strArray,
    fixes: strArray,
    faq: { type: 'array', items: { type: 'object', properties: { q: str, a: str } } },
    related: strArray,
    references: strArray,
    example: str,
    match: {
      type: 'object',
      properties: {
        codes: strArray,
        httpStatus: { type: 'array', items: { type: 'integer' } },
        patterns: strArray,
        wrapper: { type: 'boolean' },
      },
    },
    diagnosis: {
      type: ['array', 'null'],
      items: { type: 'object', properties: { id: str, question: str, yes: str, no: str } },
    },
    seenIn: strArray,
  },
} as const

const filterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 500 },
    category: { type: 'string', enum: ['', ...CATEGORIES] },
    severity: { type: 'string', enum: ['', ...SEVERITIES] },
    platform: { type: 'string', enum: ['', ...PLATFORMS] },
  },
} as const

interface FilterQuery {
  q?: string
  category?: (typeof CATEGORIES)[number] | ''
  severity?: (typeof SEVERITIES)[number] | ''
  platform?: (typeof PLATFORMS)[number] | ''
}

const notFound = (slug: string) => ({
  error: {
    code: 'ERR_KB_ENTRY_NOT_FOUND',
    message: 'No error-reference entry has that slug or code',
    details: { query: slug },
  },
})

export const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: str,
        message: str,
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const

export function errorsRoutes(app: FastifyInstance, kb: KnowledgeBase): void {
  const cleaned = (q: FilterQuery) => ({
    q: q.q || undefined,
    category: q.category || undefined,
    severity: q.severity || undefined,
    platform: q.platform || undefined,
  })

  app.get<{ Querystring: FilterQuery }>(
    '/api/v1/errors',
    {
      schema: {
        summary: 'List error-reference entries',
        description:
          'Filters combine; `q` ranks entries by full-text relevance over title, codes, summary and causes.',
        tags: ['error reference'],
        querystring: filterQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              count: { type: 'integer' },
              entries: { type: 'array', items: entryResponseSchema },
            },
          },
        },
      },
    },
    async (req) => {
      const entries = kb.filter(cleaned(req.query)).map((e) => entryJson(kb, e))
      return { count: entries.length, entries }
    },
  )

  app.get<{ Params: { slug: string } }>(
    '/api/v1/errors/:slug',
    {
      schema: {
        summary: 'One error-reference entry, by slug or by error code',
        tags: ['error reference'],
        params: {
          type: 'object',
          properties: { slug: { type: 'string', maxLength: 200 } },
          required: ['slug'],
        },
        response: { 200: entryResponseSchema, 404: errorBody },
      },
    },
    async (req, reply) => {
      const entry = kb.get(req.params.slug) ?? kb.byErrorCode(req.params.slug)
      if (!entry) return reply.code(404).send(notFound(req.params.slug))
      return entryJson(kb, entry)
    },
  )

  app.get<{ Querystring: FilterQuery }>(
    '/errors',
    {
      schema: { hide: true, querystring: filterQuery },
    },
    async (req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(errorsIndexPage(kb, cleaned(req.query), serverLinks)),
  )

  app.get<{ Params: { slug: string } }>(
    '/errors/:slug',
    {
      schema: {
        hide: true,
        params: {
          type: 'object',
          properties: { slug: { type: 'string', maxLength: 200 } },
          required: ['slug'],
        },
      },
    },
    async (req, reply) => {
      const entry = kb.get(req.params.slug) ?? kb.byErrorCode(req.params.slug)
      if (!entry) {
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(errorsIndexPage(kb, { q: req.params.slug }, serverLinks))
      }
      if (entry.slug !== req.params.slug) return reply.redirect(serverLinks.entry(entry.slug))
      return reply.type('text/html; charset=utf-8').send(entryPage(kb, entry, serverLinks))
    },
  )
}
