import { UnexpectedError } from '../shared/errors.ts'

/**
 * Seeded randomness for the emulator. Every draw comes from a stream derived from the seed, so a
 * seed always produces the same tenants, schedules and refresh outcomes (the "deterministic
 * for a seed"). Math.random is never used here.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  guid(): string
}

/** 32-bit string hash (FNV-1a), used to derive independent streams from one seed. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: small, fast and good enough for simulation (not for secrets). */
export function createRng(seed: number, stream = ''): Rng {
  let state = (hash(`${String(seed)}:${stream}`) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)]
      if (item === undefined)
        throw new UnexpectedError('ERR_INTERNAL', { reason: 'pick() from an empty list' })
      return item
    },
    guid: () => {
      const word = () =>
        Math.floor(next() * 0x100000000)
          .toString(16)
          .padStart(8, '0')
      const a = word()
      const b = word()
      const c = word()
      const d = word()
      // Version 4, variant 10xx, like the GUIDs Power BI hands out.
      const variant = (8 + (Number.parseInt(c.charAt(0), 16) & 3)).toString(16)
      return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`
    },
  }
}

/** A log-normal draw around `median` with multiplicative spread `sigma` (realistic durations). */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  // Box-Muller; 1 - next() keeps the log argument in (0, 1].
  const u = 1 - rng.next()
  const v = rng.next()
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  return median * Math.exp(sigma * z)
}
