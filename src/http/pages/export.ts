import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { KnowledgeBase } from '../../kb/kb.ts'
import { ASSETS_DIR } from '../server.ts'
import { entryPage, errorsIndexPage } from './errors.page.ts'
import { exportLinks } from './links.ts'

/**
 * Writes the error reference as a static site: <out>/index.html redirects to errors/index.html,
 * one page per entry beside it, assets in <out>/assets. Returns the number of pages written.
 */
export async function exportSite(
  kb: KnowledgeBase,
  out: string,
  progress?: (n: number, total: number) => void,
): Promise<number> {
  const errorsDir = path.join(out, 'errors')
  const assetsDir = path.join(out, 'assets')
  await mkdir(errorsDir, { recursive: true })
  await mkdir(assetsDir, { recursive: true })
  for (const name of await readdir(ASSETS_DIR))
    await copyFile(path.join(ASSETS_DIR, name), path.join(assetsDir, name))
  await writeFile(
    path.join(out, 'index.html'),
    '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=errors/index.html"><a href="errors/index.html">Power BI error reference</a>\n',
  )
  await writeFile(path.join(errorsDir, 'index.html'), errorsIndexPage(kb, {}, exportLinks))
  const total = kb.entries.length + 1
  let written = 1
  for (const entry of kb.entries) {
    await writeFile(path.join(errorsDir, `${entry.slug}.html`), entryPage(kb, entry, exportLinks))
    written++
    progress?.(written, total)
  }
  return written
}
