import type { Category } from '../kb/taxonomy.ts'

/**
 * Words that point to a category when nothing in the reference matches: the last resort of the
 * diagnosis, tried in this order (the first category with a word in the text wins). Matched as
 * whole words in the same one-pass scan as codes and anchors; a trailing `*` allows any ending.
 */
export const CATEGORY_HINTS: readonly (readonly [Category, readonly string[]])[] = [
  ['timeout', ['timed out', 'time out', 'timeout', 'took too long', 'time limit']],
  ['capacity', ['out of memory', 'memory', 'resource governing', 'capacity']],
  [
    'throttling',
    [
      '429',
      'too many requests',
      'throttl*',
      'rate limit',
      'quota',
      'exceeded the limit',
      'exceeded the maximum',
    ],
  ],
  ['gateway', ['gateway']],
  ['credentials', ['credential', 'credentials', 'password', 'login failed', 'oauth']],
  [
    'permissions',
    [
      'permission*',
      'does not have access',
      "doesn't have access",
      'insufficient privileges',
      'forbidden',
      'access denied',
      'access is denied',
      'not authorized',
      'not authorised',
      '403',
    ],
  ],
  [
    'authentication',
    ['sign-in', 'sign in', 'signin', 'token', '401', 'unauthorized', 'unauthorised', 'aadsts*'],
  ],
  [
    'connectivity',
    ['network', 'host', 'connection', 'socket', 'certificate', 'ssl', 'tls', 'dns', 'unreachable'],
  ],
  ['schema', ['column', 'table', 'field', 'schema']],
  ['data_format', ['convert', 'format', 'parse', 'type mismatch', 'invalid value']],
  ['licensing', ['license', 'licence', 'premium', 'pro workspace', 'ppu', 'trial']],
  ['query', ['expression', 'formula', 'syntax', 'evaluation', 'dax']],
  [
    'service',
    [
      'internal service error',
      'internal server error',
      'internal error',
      'unexpected error',
      'try again later',
      '503',
      '500',
    ],
  ],
]

/**
 * The schema words above name a subject; they count only with a "missing" phrase after them,
 * since "table" or "column" alone appears in errors of every kind.
 */
export const SCHEMA_MISSING =
  /\b(?:column|table|field|schema)\b.{0,60}\b(?:not found|missing|does not exist|wasn't found)\b/i

/** What a bare HTTP status most often means when nothing else in the text does. */
export const STATUS_CATEGORIES: Partial<Record<number, Category>> = {
  400: 'configuration',
  401: 'authentication',
  403: 'permissions',
  404: 'configuration',
  408: 'timeout',
  429: 'throttling',
  500: 'service',
  502: 'connectivity',
  503: 'service',
  504: 'timeout',
}
