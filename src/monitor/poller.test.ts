import { beforeAll, describe, expect, it } from 'vitest'
import { injectFetch } from '../emulator/inject-fetch.ts'
import { buildEmulator } from '../emulator/server.ts'
import { type KnowledgeBase, openKb } from '../kb/kb.ts'
import { createDb, type Store } from '../store/create-db.ts'
import { testDialects } from '../../test/helpers/dialects.ts'
import { EMULATOR_START, monitorOnEmulator, tempDbPath } from './emulator-fixture.ts'

let kb: KnowledgeBase
beforeAll(async () => {
  kb = await openKb()
})

const emulator = () =>
  buildEmulator({ seed: 7, tenants: 1, workspaces: 3, models: 4, speed: 0, start: EMULATOR_START })

/** The rows that must match between two runs: every stored refresh and incident, by natural key. */
async function rows(store: Store) {
  const refreshes = await store.db
    .selectFrom('refreshes')
    .select([
      'tenant_key',
      'item_kind',
      'item_id',
      'request_id',
      'status',
      'start_at',
      'end_at',
      'duration_ms',
      'attempts',
      'error_code',
      'raw_json',
      'diagnosis_slug',
    ])
    .orderBy('item_id')
    .orderBy('request_id')
    .execute()
  const incidents = await store.db
    .selectFrom('incidents')
    .select([
      'subject_kind',
      'subject_id',
      'condition',
      'state',
      'severity',
      'occurrences',
      'last_key',
      'diagnosis_slug',
    ])
    .orderBy('subject_id')
    .orderBy('condition')
    .execute()
  return {
    refreshes: refreshes.map((r) => ({
      ...r,
      start_at: Number(r.start_at),
      end_at: r.end_at === null ? null : Number(r.end_at),
    })),
    incidents,
  }
}

describe.each(testDialects('poller'))('poller on $name', (dialect) => {
  it('stores the history once, then reads only what may have changed', async () => {
    const store = await dialect.open()
    try {
      const f = await monitorOnEmulator({ kb, store })
      const first = await f.monitor.cycle()
      expect(first).toMatchObject({ tenants: 1, workspaces: 3, models: 8 })
      expect(first.refreshesStored).toBeGreaterThan(100)
      const stored = (await rows(store)).refreshes.length
      // Same moment again: nothing new, no duplicates, and only the cheap change detector is read.
      const again = await f.monitor.cycle()
      expect(again.refreshesStored).toBe(0)
      expect((await rows(store)).refreshes.length).toBe(stored)
      expect(again.apiCalls).toBeLessThanOrEqual(2)
      // Five minutes later: a handful of calls, not one per model.
      f.advance(5)
      const later = await f.monitor.cycle()
      expect(later.apiCalls).toBeLessThan(first.apiCalls / 4)
      const ids = (await rows(store)).refreshes.map((r) => `${r.item_id}/${r.request_id}`)
      expect(new Set(ids).size).toBe(ids.length)
    } finally {
      await store.close()
      await dialect.cleanup()
    }
  })
})

describe('restart safety', () => {
  /** An uninterrupted run: cycle now, then two more, 40 and 80 minutes later. */
  async function reference(): Promise<Awaited<ReturnType<typeof rows>>> {
    const app = emulator()
    const f = await monitorOnEmulator({ kb, app })
    await f.monitor.cycle()
    f.advance(40)
    await f.monitor.cycle()
    f.advance(40)
    await f.monitor.cycle()
    const out = await rows(f.store)
    await f.store.close()
    return out
  }

  it.each([3, 17, 41, 58])(
    'killed after %i API calls and restarted: same rows as an uninterrupted run',
    async (killAt) => {
      const expected = await reference()
      const app = emulator()
      const dbPath = tempDbPath()
      const base = injectFetch(app)
      let calls = 0
      // "Kill": from call N on, Power BI never answers and the process is abandoned mid-cycle.
      const dying: typeof fetch = (input, init) => {
        const url = input instanceof Request ? input.url : String(input)
        if (url.includes('/v1.0/myorg/') && ++calls >= killAt)
          return new Promise<Response>(() => undefined)
        return base(input, init)
      }
      const killed = await monitorOnEmulator({ kb, app, dbPath, fetch: dying })
      const state = { settled: false }
      void killed.monitor.cycle().finally(() => {
        state.settled = true
      })
      // Let the doomed cycle run (on real microtasks, not time) until it hangs or ends.
      for (let i = 0; i < 100_000 && !state.settled && calls < killAt; i++)
        await new Promise((resolve) => setImmediate(resolve))

      // 1. A new process on the same database file, with the same key, at the same virtual time.
      const restarted = await monitorOnEmulator({
        kb,
        app,
        store: createDb({ dialect: 'sqlite', path: dbPath }),
        key: killed.key,
      })
      await restarted.monitor.cycle()
      restarted.advance(40)
      await restarted.monitor.cycle()
      restarted.advance(40)
      await restarted.monitor.cycle()
      const actual = await rows(restarted.store)
      expect(actual.refreshes.length).toBe(expected.refreshes.length)
      expect(actual.refreshes).toEqual(expected.refreshes)
      expect(actual.incidents).toEqual(expected.incidents)
      await restarted.store.close()
    },
  )
})
