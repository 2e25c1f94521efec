import { KnowledgeBase } from '../../src/kb/kb.ts'
import { loadKb } from '../../src/kb/loader.ts'
import { validEntry, writeKb } from './kb-fixture.ts'

/** A small, fixed knowledge base for route and CLI tests, independent of the real content. */
export async function smallKb(): Promise<KnowledgeBase> {
  const dir = await writeKb({
    'gateway/gateway-offline.md': validEntry('gateway-offline', {
      title: 'DM_GWPipeline_Client_GatewayUnreachable — the gateway is offline',
      codes: ['DM_GWPipeline_Client_GatewayUnreachable'],
      platform: 'gateway',
      category: 'gateway',
      severity: 'critical',
      summary: 'The on-premises data gateway did not answer, so every refresh through it fails.',
      diagnosis: [
        {
          id: 'service',
          question: 'Is the gateway service running on its machine?',
          yes: 'node:network',
          no: 'fix:1',
        },
        {
          id: 'network',
          question: 'Can the machine reach the Azure Relay endpoints?',
          yes: 'fix:3',
          no: 'fix:2',
        },
      ],
    }),
    'power-bi/credentials-missing.md': validEntry('credentials-missing', {
      title: 'Credentials not specified for a data source',
      category: 'credentials',
      severity: 'high',
      related: ['gateway-offline'],
    }),
    'power-bi/memory-exceeded.md': validEntry('memory-exceeded', {
      title: 'Refresh exceeded the memory limit',
      category: 'capacity',
      severity: 'medium',
    }),
  })
  const { entries, problems } = await loadKb(dir)
  if (problems.length > 0) throw new Error(JSON.stringify(problems))
  return new KnowledgeBase(entries)
}
