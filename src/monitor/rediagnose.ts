/**
 * Stored failures are diagnosed again when the error reference changes (its fingerprint differs
 * from the one stored with the diagnosis). Open incidents pick the new diagnosis up on the next
 * detector pass, with a `rediagnosed` event in their timeline.
 */
import type { Diagnoser } from '../diagnosis/diagnose.ts'
import { RefreshSchema } from '../sources/powerbi/schemas.ts'
import { toJson, toTime } from '../store/codecs.ts'
import type { Db } from '../store/database.ts'
import { diagnoseRefresh, normaliseRefresh } from './normalise.ts'

export async function rediagnose(
  db: Db,
  diagnoser: Diagnoser,
  fingerprint: string,
  now: number,
): Promise<number> {
  let changed = 0
  for (;;) {
    const rows = await db
      .selectFrom('refreshes')
      .select(['id', 'raw_json', 'diagnosis_json'])
      .where('status', '=', 'Failed')
      .where('item_kind', '=', 'model')
      .where((eb) =>
        eb.or([eb('kb_fingerprint', 'is', null), eb('kb_fingerprint', '<>', fingerprint)]),
      )
      .orderBy('id')
      .limit(500)
      .execute()
    if (rows.length === 0) return changed
    for (const row of rows) {
      const parsed = RefreshSchema.safeParse(JSON.parse(row.raw_json))
      const n = parsed.success ? normaliseRefresh(parsed.data, null) : undefined
      const d = n ? diagnoseRefresh(diagnoser, n) : null
      const json = d ? toJson(d) : null
      if (json !== row.diagnosis_json) changed++
      await db
        .updateTable('refreshes')
        .set({
          diagnosis_slug: d?.slug ?? null,
          diagnosis_category: d?.category ?? null,
          diagnosis_json: json,
          kb_fingerprint: fingerprint,
          updated_at: toTime(now),
        })
        .where('id', '=', row.id)
        .execute()
    }
  }
}
