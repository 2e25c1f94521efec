/**
 * A `fetch` that answers from an emulator instance through Fastify's `inject()`, without a socket.
 * The client under test cannot tell the difference (same URLs, headers and bodies), and contract
 * tests stay fast and never collide on ports. Aborting the signal rejects like a real fetch.
 */
import type { FastifyInstance } from 'fastify'

const NO_BODY = new Set([101, 204, 205, 304])

export function injectFetch(app: FastifyInstance): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const headers: Record<string, string> = {}
    request.headers.forEach((value, key) => {
      headers[key] = value
    })
    const payload = request.body ? await request.text() : undefined
    const pending = app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    })
    const signal = init?.signal ?? undefined
    const res = signal
      ? await new Promise<Awaited<typeof pending>>((resolve, reject) => {
          const abort = () => {
            reject(
              signal.reason instanceof Error
                ? signal.reason
                : new DOMException('The operation was aborted', 'AbortError'),
            )
          }
          if (signal.aborted) {
            abort()
            return
          }
          signal.addEventListener('abort', abort, { once: true })
          pending.then(resolve, reject)
        })
      : await pending
    const responseHeaders = new Headers()
    for (const [key, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, String(v))
    }
    return new Response(NO_BODY.has(res.statusCode) ? null : res.rawPayload, {
      status: res.statusCode,
      headers: responseHeaders,
    })
  }
}
