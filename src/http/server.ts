import { readFile } from 'node:fs/promises'
import path from 'node:path'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { KnowledgeBase } from '../kb/kb.ts'
import type { Monitor } from '../monitor/monitor.service.ts'
import { AppError } from '../shared/errors.ts'
import { diagnoseRoutes } from './routes/diagnose.routes.ts'
import { errorsRoutes } from './routes/errors.routes.ts'
import { monitorRoutes } from './routes/monitor.routes.ts'

export interface ServerDeps {
  readonly kb: KnowledgeBase
  /** When given, the incidents and tenants API (/api/v1/incidents, /api/v1/tenants) is served. */
  readonly monitor?: Monitor | undefined
  readonly logger?: FastifyServerOptions['logger']
}

export const ASSETS_DIR = path.resolve(import.meta.dirname, 'assets')
const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
}

interface ValidationIssue {
  readonly instancePath?: string
  readonly message?: string
  readonly params?: {
    readonly allowedValues?: readonly unknown[]
    readonly additionalProperty?: string
  }
}

/** Names the field and, for enums, the values it accepts — so the caller knows the fix. */
function describeValidation(
  issues: readonly ValidationIssue[],
  fallback = 'invalid input',
): string {
  const parts = issues.map((i) => {
    const field = (i.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || 'body'
    const allowed = i.params?.allowedValues?.filter((v) => v !== '')
    const extra = i.params?.additionalProperty
    return `${field} ${i.message ?? 'is invalid'}${allowed ? `: ${allowed.join(', ')}` : ''}${extra ? `: ${extra}` : ''}`
  })
  return parts.length > 0 ? parts.join('; ') : fallback
}

/** Builds the web app without listening, so tests call `inject()` and only main code opens a port. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    // Query strings like ?category= must be validated, not silently coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  })

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vigil API',
        version: '1',
        description: 'Power BI refresh monitoring and error reference.',
      },
    },
  })

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) return reply.code(err.status).send({ error: err.toJSON() })
    const e = err as { validation?: ValidationIssue[]; message?: string; statusCode?: number }
    if (e.validation) {
      return reply.code(400).send({
        error: {
          code: 'ERR_INPUT_INVALID',
          message: 'Invalid input',
          details: { reason: describeValidation(e.validation, e.message) },
        },
      })
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({
        error: {
          code: 'ERR_INPUT_INVALID',
          message: 'Invalid input',
          details: { reason: e.message ?? '' },
        },
      })
    }
    req.log.error({ err }, 'unhandled error')
    return reply.code(500).send({ error: { code: 'ERR_INTERNAL', message: 'Internal error' } })
  })

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/errors'))

  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    {
      schema: {
        hide: true,
        params: {
          type: 'object',
          properties: { name: { type: 'string', pattern: '^[a-z0-9.-]+$' } },
        },
      },
    },
    async (req, reply) => {
      const type = ASSET_TYPES[path.extname(req.params.name)]
      if (!type)
        return reply
          .code(404)
          .send({ error: { code: 'ERR_INPUT_INVALID', message: 'Invalid input' } })
      let body: Buffer
      try {
        body = await readFile(path.join(ASSETS_DIR, req.params.name))
      } catch {
        return reply.code(404).send({
          error: {
            code: 'ERR_INPUT_INVALID',
            message: 'Invalid input',
            details: { asset: req.params.name },
          },
        })
      }
      return reply.type(type).header('cache-control', 'public, max-age=300').send(body)
    },
  )

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get(
    '/healthz',
    {
      schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
    },
    async () => ({ status: 'ok' }),
  )

  // HTML forms post url-encoded bodies; parsed here rather than with another plugin.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    },
  )
  errorsRoutes(app, deps.kb)
  diagnoseRoutes(app, deps.kb)
  if (deps.monitor) monitorRoutes(app, deps.monitor)
  return app
}
