// lib/gen/ is checked in; it must be exactly what `npm run gen` makes of proto/ today.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

t.test('lib/gen matches a fresh generation from proto/', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'flowkit-gen-'))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  execFileSync(process.execPath, [join(root, 'proto', 'generate.js'), out], { stdio: 'pipe' })
  const generated = readdirSync(out).sort()
  t.same(readdirSync(join(root, 'lib', 'gen')).sort(), generated, 'same files')
  for (const name of generated) {
    const fresh = readFileSync(join(out, name), 'utf8')
    const checkedIn = readFileSync(join(root, 'lib', 'gen', name), 'utf8')
    t.ok(fresh === checkedIn, `lib/gen/${name} is up to date (run \`npm run gen\` if not)`)
  }
})
