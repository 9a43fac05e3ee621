#!/usr/bin/env node
// The `flowkit` command as installed: runs the compiled CLI (dist/) under plain node. In a
// checkout that has not been built yet, it runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs'

const compiled = new URL('../dist/cli/main.js', import.meta.url)
const sources = new URL('../lib/cli/flowkit.js', import.meta.url)

if (existsSync(compiled)) {
  const { main } = await import(compiled.href)
  process.exitCode = await main(process.argv.slice(2))
} else if (existsSync(sources)) {
  await import(sources.href)
} else {
  process.stderr.write('flowkit: the package is incomplete: dist/cli/main.js is missing (run `npm run build` in a checkout)\n')
  process.exitCode = 1
}
