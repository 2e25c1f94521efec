// Needs Chromium (Debian package `chromium`, /usr/bin/chromium). Skips without it, fails under CI=true.
import type { FastifyInstance } from 'fastify'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../src/http/server.ts'
import { openKb } from '../../src/kb/kb.ts'
import { CHROMIUM_ARGS, CHROMIUM_PATH, hasChromium } from '../helpers/services.ts'

describe.runIf(hasChromium())('error reference and diagnose page in a real browser', () => {
  let app: FastifyInstance
  let browser: Browser
  let base: string

  beforeAll(async () => {
    app = await buildServer({ kb: await openKb() })
    base = await app.listen({ port: 0, host: '127.0.0.1' })
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
  })
  afterAll(async () => {
    await browser.close()
    await app.close()
  })

  it('searches "gateway", opens an entry and finds its sections', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await page.goto(`${base}/errors`)
    const total = await page.locator('.entry-card').count()
    await page.fill('input[name=q]', 'gateway')
    // The script filters as the reader types; without it the form would submit to the server.
    const visible = page.locator('.entry-card:visible')
    await expect.poll(() => visible.count()).toBeLessThan(total)
    expect(await visible.count()).toBeGreaterThan(0)
    const first = visible.first()
    // The card shows a shortened summary; the filter reads the whole text kept in data-text.
    expect(await first.getAttribute('data-text')).toContain('gateway')
    await first.locator('a').click()
    await page.waitForURL(/\/errors\/[a-z0-9-]+$/)
    for (const heading of [
      'What it means',
      'Common causes',
      'How to fix it',
      'Example',
      'FAQ',
      'References',
    ]) {
      expect(await page.getByRole('heading', { name: heading, exact: true }).count(), heading).toBe(
        1,
      )
    }
    expect(await page.locator('ol.fixes li').count()).toBeGreaterThanOrEqual(3)
    // Mobile width: the page must not scroll sideways.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    await page.close()
  })

  it('filters without JavaScript through the form', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${base}/errors`)
    await page.selectOption('select[name=category]', 'gateway')
    await page.click('form.filters button[type=submit]')
    await page.waitForURL(/category=gateway/)
    const categories = await Promise.all(
      (await page.locator('.entry-card').all()).map((card) => card.getAttribute('data-category')),
    )
    expect(categories.length).toBeGreaterThan(0)
    expect(new Set(categories)).toEqual(new Set(['gateway']))
    await context.close()
  })

  it('pastes an error, shows the entry with the context highlighted and links to the entry', async () => {
    const page = await browser.newPage()
    await page.goto(`${base}/diagnose`)
    await page.fill(
      'textarea[name=input]',
      "DataSource.Error: Microsoft SQL: Login failed for user 'svc_pbi'. Activity ID: 0d9c5b1e-3f44-4a2b-b6c1-7f2e9a8d4c10",
    )
    await page.click('button[type=submit]')
    await page.waitForSelector('#result')
    expect(await page.locator('#result h2').innerText()).toMatch(/login failed/i)
    expect(await page.locator('#result mark', { hasText: 'svc_pbi' }).count()).toBeGreaterThan(0)
    await page.click('text=Read the full entry')
    await page.waitForURL(/\/errors\/[a-z0-9-]+$/)
    expect(await page.getByRole('heading', { name: 'How to fix it', exact: true }).count()).toBe(1)
    await page.close()
  })
})
