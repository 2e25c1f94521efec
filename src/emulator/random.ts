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
      const hex = Array.from({ length: 32 }, () => int(0, 15).toString(16))
      hex[12] = '4'
      hex[16] = (8 + int(0, 3)).toString(16)
      const s = hex.join('')
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
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
