/** Composition for the CLI and `npm start`: env → config, store, secret key, error reference → Monitor. */
import path from 'node:path'
import { loadConfig } from '../config/load.ts'
import { loadSecretKey } from '../config/secrets.ts'
import { openKb } from '../kb/kb.ts'
import { createDb, databaseTarget } from '../store/create-db.ts'
import { Monitor } from './monitor.service.ts'

/** Where the key file lives: next to the SQLite file, or ./data (VIGIL_DATA_DIR overrides). */
export function dataDir(env: NodeJS.ProcessEnv): string {
  if (env.VIGIL_DATA_DIR?.trim()) return env.VIGIL_DATA_DIR.trim()
  const target = databaseTarget(env.VIGIL_DATABASE_URL)
  return target.dialect === 'sqlite' && target.path !== ':memory:'
    ? path.dirname(target.path)
    : './data'
}

export async function openMonitor(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ monitor: Monitor; close: () => Promise<void> }> {
  const config = await loadConfig(env)
  const store = createDb(databaseTarget(env.VIGIL_DATABASE_URL))
  try {
    const secretKey = loadSecretKey(env, dataDir(env))
    const kb = await openKb()
    const monitor = new Monitor({ store, kb, config, secretKey })
    await monitor.prepare(env)
    return { monitor, close: () => store.close() }
  } catch (err) {
    await store.close()
    throw err
  }
}
