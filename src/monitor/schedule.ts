/**
 * Power BI refresh schedules: days, `HH:mm` times and a Windows time-zone id (contract §3.7).
 * Slots are computed with Intl, so zones with daylight saving are right; an id not in the table
 * falls back to UTC and is reported by `knownTimeZone`.
 */
import type { RefreshSchedule } from '../sources/powerbi/schemas.ts'

/** Windows zone ids Power BI uses → IANA. Extend as tenants show new ones. */
const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Russian Standard Time': 'Europe/Moscow',
  'Arabian Standard Time': 'Asia/Dubai',
  'India Standard Time': 'Asia/Kolkata',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'Singapore Standard Time': 'Asia/Singapore',
  'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'South Africa Standard Time': 'Africa/Johannesburg',
}

export const knownTimeZone = (id: string | undefined): boolean =>
  id === undefined || id in WINDOWS_ZONES

const formatters = new Map<string, Intl.DateTimeFormat>()

function parts(zone: string, t: number): Record<string, number> {
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(zone, f)
  }
  const out: Record<string, number> = {}
  for (const p of f.formatToParts(t)) if (p.type !== 'literal') out[p.type] = Number(p.value)
  return out
}

/** Offset of `zone` from UTC at instant `t`, in ms. */
function offsetAt(zone: string, t: number): number {
  const p = parts(zone, t)
  const asUtc = Date.UTC(
    p.year ?? 1970,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  )
  return asUtc - Math.floor(t / 1000) * 1000
}

/** The UTC instant of a local wall-clock time in `zone`. */
function zonedToUtc(zone: string, y: number, m: number, d: number, minutes: number): number {
  const guess = Date.UTC(y, m, d) + minutes * 60_000
  const first = guess - offsetAt(zone, guess)
  const second = guess - offsetAt(zone, first)
  return second
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const DAY = 86_400_000

/** Every slot of the schedule in [from, to], oldest first. Empty when the schedule has no times. */
export function slotsBetween(schedule: RefreshSchedule, from: number, to: number): number[] {
  const times = (schedule.times ?? [])
    .map((hhmm) => {
      const [h = '0', m = '0'] = hhmm.split(':')
      return Number(h) * 60 + Number(m)
    })
    .filter((n) => Number.isFinite(n))
    .sort((a, b) => a - b)
  if (times.length === 0 || to < from) return []
  const zone = WINDOWS_ZONES[schedule.localTimeZoneId ?? 'UTC'] ?? 'UTC'
  const days = new Set((schedule.days ?? DAY_NAMES).map((d) => d.toLowerCase()))
  const out: number[] = []
  for (let t = from - DAY; t <= to + DAY; t += DAY) {
    const p = parts(zone, t)
    const y = p.year ?? 1970
    const m = (p.month ?? 1) - 1
    const d = p.day ?? 1
    const weekday = DAY_NAMES[new Date(Date.UTC(y, m, d)).getUTCDay()] ?? ''
    if (!days.has(weekday.toLowerCase())) continue
    for (const minutes of times) {
      const slot = zonedToUtc(zone, y, m, d, minutes)
      if (slot >= from && slot <= to && out[out.length - 1] !== slot) out.push(slot)
    }
  }
  return [...new Set(out)].sort((a, b) => a - b)
}

/** The latest slot at or before `t` (looking back up to 8 days). */
export function lastSlotAtOrBefore(schedule: RefreshSchedule, t: number): number | undefined {
  return slotsBetween(schedule, t - 8 * DAY, t).at(-1)
}
