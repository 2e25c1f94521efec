import { describe, expect, it } from 'vitest'
import { runBin, runCli } from '../../../test/helpers/cli.ts'

const GATEWAY =
  '{"errorCode":"DM_GWPipeline_Client_GatewayUnreachable","errorDescription":"The on-premises data gateway is unreachable. Activity ID: 0d9c5b1e-3f44-4a2b-b6c1-7f2e9a8d4c10"}'

describe('vigil diagnose (in process)', () => {
  it('prints a readable diagnosis with meaning, causes, fixes and context', async () => {
    const res = await runCli(['diagnose', GATEWAY])
    expect(res.code).toBe(0)
    for (const part of [
      'What it means',
      'Common causes',
      'How to fix it',
      'Context found in the text',
      'Activity ID: 0d9c5b1e-3f44-4a2b-b6c1-7f2e9a8d4c10',
    ]) {
      expect(res.stdout).toContain(part)
    }
  })

  it('reads the text from standard input and prints one JSON object with --json', async () => {
    const res = await runCli(['diagnose', '--json'], GATEWAY)
    const out = JSON.parse(res.stdout) as Record<string, unknown>
    expect(out).toMatchObject({
      slug: 'dm-gwpipeline-gateway-unreachable',
      code: 'DM_GWPipeline_Client_GatewayUnreachable',
      category: 'gateway',
      matchedBy: 'code',
    })
    expect(Array.isArray(out.fixes)).toBe(true)
  })

  it('--jsonl answers one line per input line, in order, with the fixed fields', async () => {
    const input = [
      JSON.stringify({ id: 'a', input: GATEWAY }),
      JSON.stringify({ id: 'b', input: 'my cat walked over the keyboard' }),
      JSON.stringify({
        id: 'c',
        input: "Expression.Error: The column 'Region' of the table wasn't found.",
      }),
    ].join('\n')
    const res = await runCli(['diagnose', '--jsonl'], `${input}\n`)
    expect(res.code).toBe(0)
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map((l) => l.id)).toEqual(['a', 'b', 'c'])
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining([
          'id',
          'slug',
          'code',
          'title',
          'category',
          'severity',
          'confidence',
          'matchedBy',
          'context',
        ]),
      )
    }
    expect(lines[1]).toMatchObject({ slug: null, code: null })
    expect(lines[2]).toMatchObject({ category: 'schema' })
  })

  it('--jsonl reports a bad line by number and keeps going', async () => {
    const res = await runCli(
      ['diagnose', '--jsonl'],
      `not json\n${JSON.stringify({ id: 'ok', input: GATEWAY })}\n{"id":"x"}\n`,
    )
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('line 1: not valid JSON')
    expect(res.stderr).toContain('line 3: field "input" must be a string')
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string })
    expect(lines.map((l) => l.id)).toEqual(['1', 'ok', '3'])
  })

  it('refuses an empty text with the usage', async () => {
    const res = await runCli(['diagnose'], '')
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('give the error text as an argument or on standard input')
  })
})

describe('vigil diagnose (subprocess)', () => {
  it('npx vigil diagnose --jsonl works through bin/vigil.js', async () => {
    const res = await runBin(
      ['diagnose', '--jsonl'],
      {},
      `${JSON.stringify({ id: '1', input: GATEWAY })}\n`,
    )
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout.trim())).toMatchObject({
      id: '1',
      slug: 'dm-gwpipeline-gateway-unreachable',
    })
  }, 60_000)
})
