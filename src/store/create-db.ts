/**
 * The one place that picks the database (style-anchors §4.3.3):
 *
 *   VIGIL_DATABASE_URL unset          SQLite at ./data/vigil.db
 *   VIGIL_DATABASE_URL=sqlite:<path>  SQLite at <path> (`sqlite::memory:` for a throw-away one)
 *   VIGIL_DATABASE_URL=postgres://…   PostgreSQL (also postgresql://)
 *
 * SQLite runs with WAL, busy_timeout, synchronous=NORMAL and one connection: Kysely's SQLite
 * driver serialises every query on it, so there is a single writer by construction (Uptime Kuma's
 * lesson, style-anchors §5.2).
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import { UserError } from '../shared/errors.ts'
import type { Database } from './database.ts'

export type Dialect = 'sqlite' | 'postgres'

export const DEFAULT_SQLITE_PATH = './data/vigil.db'

/** What differs between the backends, as flags rather than subclasses (after pg-boss). */
export interface StoreCapabilities {
  readonly dialect: Dialect
  /** Several processes may write at once (PostgreSQL); SQLite has one writer. */
  readonly concurrentWriters: boolean
}

export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  readonly capabilities: StoreCapabilities
  /** Where it points, with any password removed (for logs and `vigil migrate`). */
  readonly location: string
  close(): Promise<void>
}

export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string }

/** Reads VIGIL_DATABASE_URL; an unknown scheme is a configuration error, not a silent default. */
export function databaseTarget(url: string | undefined): DatabaseTarget {
  const value = url?.trim()
  if (!value) return { dialect: 'sqlite', path: DEFAULT_SQLITE_PATH }
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (!file)
      throw new UserError('ERR_CONFIG_INVALID', {
        field: 'VIGIL_DATABASE_URL',
        reason: 'sqlite: needs a path',
      })
    return { dialect: 'sqlite', path: file }
  }
  if (/^postgres(?:ql)?:\/\//.test(value)) return { dialect: 'postgres', url: value }
  throw new UserError('ERR_CONFIG_INVALID', {
    field: 'VIGIL_DATABASE_URL',
    reason: 'use sqlite:<path> or postgres://user:password@host:port/database',
  })
}

export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')

export interface CreateDbOptions {
  /** PostgreSQL schema to use (created when missing); tests use one per file. */
  readonly schema?: string | undefined
}

export function createDb(target: DatabaseTarget, options: CreateDbOptions = {}): Store {
  if (target.dialect === 'sqlite') {
    if (target.path !== ':memory:')
      mkdirSync(path.dirname(path.resolve(target.path)), { recursive: true })
    const sqlite = new SQLite(target.path)
    // WAL lets readers run while the poller writes; busy_timeout waits for a lock instead of
    // failing with SQLITE_BUSY; NORMAL is durable in WAL mode except on power loss.
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('busy_timeout = 5000')
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
    return {
      db,
      dialect: 'sqlite',
      capabilities: { dialect: 'sqlite', concurrentWriters: false },
      location: `sqlite:${target.path}`,
      close: () => db.destroy(),
    }
  }
  const schema = options.schema
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new UserError('ERR_CONFIG_INVALID', { field: 'schema', reason: 'lowercase identifier' })
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 5,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client that loses its connection emits 'error' on the pool; unhandled, it would end
  // the process (style-anchors §5.4). The next query reconnects.
  pool.on('error', () => undefined)
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: async () => {
        if (schema) {
          const client = await pool.connect()
          try {
            await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
          } finally {
            client.release()
          }
        }
        return pool
      },
    }),
  })
  return {
    db,
    dialect: 'postgres',
    capabilities: { dialect: 'postgres', concurrentWriters: true },
    location: redactUrl(target.url),
    close: () => db.destroy(),
  }
}

/** createDb from VIGIL_DATABASE_URL. */
export const createDbFromEnv = (env: NodeJS.ProcessEnv = process.env): Store =>
  createDb(databaseTarget(env.VIGIL_DATABASE_URL))
