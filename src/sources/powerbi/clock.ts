import { UnexpectedError } from '../../shared/errors.ts'

/**
 * Time for the Power BI client, injected so retries, throttling waits and token renewal are tested
 * without real sleeps (style-anchors §4.6).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  /** Resolves after `ms`; rejects early with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      const reason = () =>
        signal?.reason instanceof Error
          ? signal.reason
          : new DOMException('The operation was aborted', 'AbortError')
      if (signal?.aborted) {
        reject(reason())
        return
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        Math.max(0, ms),
      )
      const onAbort = () => {
        clearTimeout(timer)
        reject(reason())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

interface Sleeper {
  readonly until: number
  readonly resolve: () => void
}

/**
 * A clock for tests. In `auto` mode every sleep advances time at once and resolves, and the
 * durations are recorded in `sleeps`. In `manual` mode sleeps stay pending until `advance()`
 * moves time past them, which lets a test look at what happens *while* the client waits.
 */
export class ManualClock implements Clock {
  private current: number
  private readonly auto: boolean
  private sleepers: Sleeper[] = []
  /** Every sleep requested, in order, in ms. */
  readonly sleeps: number[] = []

  constructor(options: { start?: number; mode?: 'auto' | 'manual' } = {}) {
    this.current = options.start ?? Date.parse('2025-03-10T12:00:00Z')
    this.auto = (options.mode ?? 'auto') === 'auto'
  }

  now(): number {
    return this.current
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms)
    if (this.auto) {
      this.current += Math.max(0, ms)
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      this.sleepers.push({ until: this.current + Math.max(0, ms), resolve })
    })
  }

  /** Sleeps not yet resolved (manual mode). */
  get pending(): number {
    return this.sleepers.length
  }

  /** Moves time forward and wakes every sleeper whose time has come, earliest first. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (;;) {
      const due = this.sleepers
        .filter((s) => s.until <= target)
        .sort((a, b) => a.until - b.until)[0]
      if (!due) break
      this.sleepers = this.sleepers.filter((s) => s !== due)
      this.current = Math.max(this.current, due.until)
      due.resolve()
      // Let the woken task run (and maybe sleep again) before the next one wakes.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    this.current = target
  }

  /** Waits (on real microtasks, not time) until `count` sleeps are pending. */
  async waitForSleepers(count: number, maxTurns = 1000): Promise<void> {
    for (let i = 0; i < maxTurns && this.sleepers.length < count; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    if (this.sleepers.length < count) {
      throw new UnexpectedError('ERR_INTERNAL', {
        reason: `expected ${String(count)} pending sleeps, found ${String(this.sleepers.length)}`,
      })
    }
  }
}
