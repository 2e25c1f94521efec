/**
 * Retention (style-anchors §5.2): raw refresh rows older than `rawDays` are folded into daily
 * roll-ups, then deleted, in one transaction per batch, so a kill in between never counts a row
 * twice. Old roll-ups and old resolved incidents go too.
 */
import type { Kysely } from 'kysely'
import type { RetentionConfig } from '../config/config.schema.ts'
import { num, toTime, utcDay } from '../store/codecs.ts'
import type { Database } from '../store/database.ts'

const DAY = 86_400_000

export interface RetentionResult {
  readonly rolledUp: number
  readonly rollupsDeleted: number
  readonly incidentsDeleted: number
}

/** Raw rows older than this are not stored at all (Power BI may still list them). */
export const rawCutoff = (config: RetentionConfig, now: number): number =>
  now - config.rawDays * DAY

export async function applyRetention(
  db: Kysely<Database>,
  config: RetentionConfig,
  now: number,
): Promise<RetentionResult> {
  const cutoff = rawCutoff(config, now)
  let rolledUp = 0
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('refreshes')
        .select(['id', 'tenant_key', 'item_kind', 'item_id', 'status', 'start_at', 'duration_ms'])
        .where('start_at', '<', toTime(cutoff))
        .orderBy('id')
        .limit(2000)
        .execute()
      if (rows.length === 0) return 0
      const groups = new Map<
        string,
        {
          tenant: string
          kind: string
          item: string
          day: string
          n: number
          failed: number
          total: number
          max: number
        }
      >()
      for (const r of rows) {
        const day = utcDay(num(r.start_at))
        const k = `${r.tenant_key}|${r.item_kind}|${r.item_id}|${day}`
        const g = groups.get(k) ?? {
          tenant: r.tenant_key,
          kind: r.item_kind,
          item: r.item_id,
          day,
          n: 0,
          failed: 0,
          total: 0,
          max: 0,
        }
        g.n += 1
        if (r.status === 'Failed') g.failed += 1
        g.total += r.duration_ms ?? 0
        g.max = Math.max(g.max, r.duration_ms ?? 0)
        groups.set(k, g)
      }
      for (const g of groups.values()) {
        // Read-modify-write inside the transaction: portable (no GREATEST vs max() branch).
        const before = await trx
          .selectFrom('daily_rollups')
          .selectAll()
          .where('tenant_key', '=', g.tenant)
          .where('item_kind', '=', g.kind)
          .where('item_id', '=', g.item)
          .where('day', '=', g.day)
          .executeTakeFirst()
        const values = {
          refreshes: g.n + num(before?.refreshes),
          failures: g.failed + num(before?.failures),
          total_duration_ms: g.total + num(before?.total_duration_ms),
          max_duration_ms: Math.max(g.max, num(before?.max_duration_ms)),
        }
        await trx
          .insertInto('daily_rollups')
          .values({
            tenant_key: g.tenant,
            item_kind: g.kind,
            item_id: g.item,
            day: g.day,
            ...values,
          })
          .onConflict((oc) =>
            oc.columns(['tenant_key', 'item_kind', 'item_id', 'day']).doUpdateSet(values),
          )
          .execute()
      }
      await trx
        .deleteFrom('refreshes')
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
      return rows.length
    })
    rolledUp += batch
    if (batch === 0) break
  }
  const rollups = await db
    .deleteFrom('daily_rollups')
    .where('day', '<', utcDay(now - config.rollupDays * DAY))
    .executeTakeFirst()
  const incidents = await db
    .deleteFrom('incidents')
    .where('state', '=', 'resolved')
    .where('resolved_at', '<', toTime(now - config.incidentDays * DAY))
    .executeTakeFirst()
  return {
    rolledUp,
    rollupsDeleted: Number(rollups.numDeletedRows),
    incidentsDeleted: Number(incidents.numDeletedRows),
  }
}
