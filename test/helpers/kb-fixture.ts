import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { dump } from 'js-yaml'

/** A valid entry's frontmatter; tests override fields to break it on purpose. */
export function validEntry(
  slug: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    slug,
    title: `Test error ${slug}`,
    codes: [`Code_${slug.replaceAll('-', '_')}`],
    seenIn: ['https://example.org/issue — seen in a test'],
    platform: 'power-bi',
    category: 'service',
    severity: 'low',
    summary: `The ${slug} test error means something went wrong in a way a reader can understand.`,
    causes: [`first cause of ${slug}`, `second cause of ${slug}`, `third cause of ${slug}`],
    fixes: [`first fix for ${slug}`, `second fix for ${slug}`, `third fix for ${slug}`],
    faq: [
      { q: `Why does ${slug} happen?`, a: `Because ${slug} is a test entry written for a test.` },
      { q: `Is ${slug} serious at all?`, a: `No, ${slug} only exists inside the test suite.` },
    ],
    example: `raw text of ${slug}`,
    references: ['https://learn.microsoft.com/power-bi/'],
    ...over,
  }
}

/** Writes entries to kb/entries/<platform>/<slug>.md under a new temp root; returns the entries dir. */
export async function writeKb(
  files: Record<string, Record<string, unknown> | string>,
): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'vigil-kb-'))
  const dir = path.join(root, 'kb', 'entries')
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel)
    await mkdir(path.dirname(full), { recursive: true })
    await writeFile(
      full,
      typeof content === 'string' ? content : `---\n${dump(content)}---\nBody of ${rel}.\n`,
    )
  }
  return dir
}
