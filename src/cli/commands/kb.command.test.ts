import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBin, runCli } from '../../../test/helpers/cli.ts'
import { validEntry, writeKb } from '../../../test/helpers/kb-fixture.ts'

describe('vigil kb (in process, small reference)', () => {
  const saved = process.env.VIGIL_KB_DIR
  beforeAll(async () => {
    process.env.VIGIL_KB_DIR = await writeKb({
      'gateway/gateway-offline.md': validEntry('gateway-offline', {
        title: 'The gateway is offline',
        codes: ['DM_GWPipeline_Client_GatewayUnreachable'],
        platform: 'gateway',
        category: 'gateway',
        severity: 'critical',
      }),
      'power-bi/memory-exceeded.md': validEntry('memory-exceeded', {
        title: 'Refresh exceeded memory',
        category: 'capacity',
      }),
    })
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.VIGIL_KB_DIR
    else process.env.VIGIL_KB_DIR = saved
  })

  it('list prints a table and filters', async () => {
    const all = await runCli(['kb', 'list'])
    expect(all.code).toBe(0)
    expect(all.stdout.split('\n')[0]).toMatch(/^SLUG\s+SEVERITY\s+CATEGORY\s+TITLE$/)
    const gw = await runCli(['kb', 'list', '--category', 'gateway'])
    expect(gw.stdout).toContain('gateway-offline')
    expect(gw.stdout).not.toContain('memory-exceeded')
  })

  it('list --json prints the fixed interface', async () => {
    const { stdout } = await runCli(['kb', 'list', '--json', '--severity', 'critical'])
    const entries = JSON.parse(stdout) as Record<string, unknown>[]
    expect(entries.map((e) => e.slug)).toEqual(['gateway-offline'])
    expect(entries[0]).toMatchObject({
      codes: ['DM_GWPipeline_Client_GatewayUnreachable'],
      platform: 'gateway',
      category: 'gateway',
    })
    expect(entries[0]?.related).toEqual([])
  })

  it('list rejects a value outside the taxonomy, naming the allowed ones', async () => {
    const res = await runCli(['kb', 'list', '--category', 'network'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('--category "network" is not one of: authentication, credentials')
  })

  it('show finds an entry by code and prints its sections', async () => {
    const res = await runCli(['kb', 'show', 'DM_GWPipeline_Client_GatewayUnreachable'])
    expect(res.stdout).toContain('The gateway is offline')
    expect(res.stdout).toContain('How to fix it\n  1. first fix for gateway-offline')
    const json = await runCli(['kb', 'show', 'memory-exceeded', '--json'])
    expect((JSON.parse(json.stdout) as { slug: string }).slug).toBe('memory-exceeded')
    const missing = await runCli(['kb', 'show', 'nope'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('ERR_KB_ENTRY_NOT_FOUND')
  })

  it('search ranks entries', async () => {
    const res = await runCli(['kb', 'search', 'gateway', '--json'])
    expect((JSON.parse(res.stdout) as { slug: string }[])[0]?.slug).toBe('gateway-offline')
    expect((await runCli(['kb', 'search', 'qqqq'])).stdout).toContain('No entry matches')
  })

  it('check reports a valid reference, and lists problems with exit code 1', async () => {
    expect((await runCli(['kb', 'check'])).stdout).toContain('valid: 2 entries')
    process.env.VIGIL_KB_DIR = await writeKb({
      'power-bi/bad.md': validEntry('bad', { severity: 'urgent' }),
    })
    const res = await runCli(['kb', 'check'])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('kb/entries/power-bi/bad.md\n    - severity:')
  })

  it('unknown commands and flags fail with usage', async () => {
    expect((await runCli(['kb', 'frobnicate'])).stderr).toContain('Usage:')
    expect((await runCli(['kb', 'list', '--bogus'])).stderr).toContain("Unknown option '--bogus'")
    expect((await runCli(['nope'])).code).toBe(2)
  })
})

describe('vigil kb export', () => {
  it('writes a static site whose links all resolve', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'vigil-site-'))
    process.env.VIGIL_KB_DIR = await writeKb({
      'power-bi/one.md': validEntry('one', { related: ['two'] }),
      'gateway/two.md': validEntry('two', { platform: 'gateway' }),
    })
    const res = await runCli(['kb', 'export', '--out', out])
    delete process.env.VIGIL_KB_DIR
    expect(res.code).toBe(0)
    const pages = await readdir(path.join(out, 'errors'))
    expect(pages.sort()).toEqual(['index.html', 'one.html', 'two.html'])
    for (const page of pages) {
      const htmlText = await readFile(path.join(out, 'errors', page), 'utf8')
      for (const [, href] of htmlText.matchAll(/(?:href|src)="([^"#]+)"/g)) {
        if (!href || /^https?:/.test(href)) continue
        await expect(
          readFile(path.join(out, 'errors', href)),
          `${page} → ${href}`,
        ).resolves.toBeDefined()
      }
    }
  })
})

describe('vigil kb (subprocess, real reference)', () => {
  it('kb check, list --json, show and search run through bin/vigil.js', async () => {
    const check = await runBin(['kb', 'check'])
    expect(check.stdout + check.stderr).toMatch(/error reference/)
    const list = await runBin(['kb', 'list', '--json'])
    const entries = JSON.parse(list.stdout) as { slug: string }[]
    expect(entries.length).toBeGreaterThan(0)
    const show = await runBin(['kb', 'show', 'PowerBINotAuthorizedException'])
    expect(show.stdout).toContain('What it means')
    const search = await runBin(['kb', 'search', 'workspace', 'authorised'])
    expect(search.stdout).toContain('powerbi-not-authorized')
  }, 60_000)
})
