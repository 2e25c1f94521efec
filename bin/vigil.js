#!/usr/bin/env node
// Runs the TypeScript sources through tsx so `npx vigil` works right after `npm install`,
// without a build step that could leave dist/ stale.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
