/**
 * The one place that decides how values the two dialects disagree on are stored
 * (style-anchors §4.3.3 "Column types", §6 item 3):
 *
 * - timestamps: epoch milliseconds as an integer (`integer` in SQLite, `bigint` in PostgreSQL).
 *   No time-zone conversions, sortable, and identical on both; pg returns int8 as a string, so
 *   reads go through `fromTime`.
 * - booleans: 0/1 integers on both. SQLite has no boolean and refuses to bind a JS boolean
 *   (kysely#123); using the same encoding on PostgreSQL keeps queries dialect-free.
 * - JSON: text on both (`fromJson` parses); PostgreSQL's jsonb is not needed for what we query.
 */

/** A stored timestamp: number on SQLite, string (int8) on PostgreSQL. */
export type DbTime = number | string | bigint

export const toTime = (ms: number): number => Math.round(ms)

export function fromTime(value: DbTime): number
export function fromTime(value: DbTime | null): number | null
export function fromTime(value: DbTime | null): number | null {
  if (value === null) return null
  return typeof value === 'number' ? value : Number(value)
}

export type DbBool = number

export const toBool = (value: boolean): DbBool => (value ? 1 : 0)

export function fromBool(value: DbBool | string): boolean
export function fromBool(value: DbBool | string | null): boolean | null
export function fromBool(value: DbBool | string | null): boolean | null {
  if (value === null) return null
  return Number(value) === 1
}

export const toJson = (value: unknown): string => JSON.stringify(value)

export function fromJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

/** UTC calendar day of a timestamp, `YYYY-MM-DD` (the key of daily roll-ups). */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/** Integer count/sum columns: pg returns int8 aggregates as strings. */
export const num = (value: number | string | bigint | null | undefined): number =>
  value === null || value === undefined ? 0 : Number(value)
