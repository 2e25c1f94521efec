/**
 * Test support: the dialects a store test runs on. SQLite (temp file) always; PostgreSQL when
 * VIGIL_TEST_POSTGRES_URL is set, in a schema of its own that is dropped afterwards. Under CI=true
 * a missing PostgreSQL is a failure (test/helpers/services.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { requireService } from './services.ts'
import { createDb, type Dialect, type Store } from '../../src/store/create-db.ts'

export interface TestDialect {
  readonly name: Dialect
  open(): Promise<Store>
  /** Drops what `open` created. */
  cleanup(): Promise<void>
}

export function testDialects(label: string): TestDialect[] {
  const out: TestDialect[] = [
    {
      name: 'sqlite',
      open: async () =>
        createDb({
          dialect: 'sqlite',
          path: path.join(mkdtempSync(path.join(tmpdir(), `vigil-${label}-`)), 'vigil.db'),
        }),
      cleanup: async () => undefined,
    },
  ]
  const url = process.env.VIGIL_TEST_POSTGRES_URL
  if (requireService('PostgreSQL (VIGIL_TEST_POSTGRES_URL)', Boolean(url)) && url) {
    const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`
    out.push({
      name: 'postgres',
      open: async () => createDb({ dialect: 'postgres', url }, { schema }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        await client.end()
      },
    })
  }
  return out
}
