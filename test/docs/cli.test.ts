// docs/cli.md is the help text of the built `flowkit` command (scripts/cli-reference.ts), so it
// cannot disagree with it: regenerated in memory, it must match the committed file. Needs
// `npm run build` first (`npm test` does it).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from '../helpers/cli.ts'
import { CLI_REFERENCE, cliReference, commandsOf } from '../../scripts/cli-reference.ts'

t.test('the commands, verbs and modes are read from the top-level help', async (t) => {
  const commands = commandsOf('usage: flowkit <command>\n\ncommands:\n  init [DIR]  create\n  raw spec|discover\n              run one request (or, with --materialization, a\n              materialization; with --derivation, a derivation)\n\nRun it.')
  t.same(commands, [
    { name: 'init', verbs: [], modes: [] },
    { name: 'raw', verbs: ['spec', 'discover'], modes: ['--materialization', '--derivation'] },
  ])
})

t.test(`${CLI_REFERENCE} is the help the CLI prints`, async (t) => {
  const generated = await cliReference()
  const committed = readFileSync(join(root, CLI_REFERENCE), 'utf8')
  for (const command of ['flowkit', 'flowkit raw', 'flowkit preview', 'flowkit shim', 'flowkit bundle']) t.match(generated, `\n## ${command}\n`, `a section for ${command}`)
  if (committed === generated) return t.pass(`${CLI_REFERENCE} is current`)
  const a = committed.split('\n')
  const b = generated.split('\n')
  const differs = a.findIndex((text, index) => text !== b[index])
  const line = differs === -1 ? a.length : differs
  t.equal(a[line], b[line], `${CLI_REFERENCE} differs from the CLI's help, first at line ${line + 1}: run npm run docs:cli`)
})
