/**
 * The emulator's virtual clock. Scenario time runs `speed` times faster than real time
 * (`--speed 60` = an hour a minute) and can be moved forward by the control API, so a demo shows a
 * day of refreshes in minutes and a test jumps straight to the next schedule slot. Speed 0 freezes
 * time: only `advance()` moves it, which is what tests use.
 */
export class VirtualClock {
  private readonly start: number
  private readonly realNow: () => number
  private realAnchor: number
  private virtualAnchor: number
  private speedFactor: number

  constructor(options: { start: number; speed: number; realNow?: () => number }) {
    this.start = options.start
    this.realNow = options.realNow ?? Date.now
    this.realAnchor = this.realNow()
    this.virtualAnchor = options.start
    this.speedFactor = options.speed
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.virtualAnchor + (this.realNow() - this.realAnchor) * this.speedFactor
  }

  /** When the scenario started (the end of the generated history). */
  get startedAt(): number {
    return this.start
  }

  get speed(): number {
    return this.speedFactor
  }

  /** Moves virtual time forward; never backward, so histories stay ordered. */
  advance(ms: number): number {
    this.rebase()
    this.virtualAnchor += Math.max(0, ms)
    return this.now()
  }

  setSpeed(speed: number): void {
    this.rebase()
    this.speedFactor = Math.max(0, speed)
  }

  /** Converts a virtual duration to real seconds, for `Retry-After` headers read by real clients. */
  toRealSeconds(virtualMs: number): number {
    const seconds = this.speedFactor > 0 ? virtualMs / 1000 / this.speedFactor : virtualMs / 1000
    return Math.max(1, Math.ceil(seconds))
  }

  private rebase(): void {
    this.virtualAnchor = this.now()
    this.realAnchor = this.realNow()
  }
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
