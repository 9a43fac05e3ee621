// The project's import direction: codec/ and ops/ stand alone, protocol/ alone reads gen/,
// the protocol runtimes build on protocol/, codec/, ops/ and io/, and only cli/ may import anything.
import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const lib = fileURLToPath(new URL('../lib/', import.meta.url))

/** Which top-level parts of lib/ each part may import (errors.ts is open to all). */
const allowed: Record<string, readonly string[]> = {
  gen: [],
  codec: [],
  ops: [],
  protocol: ['gen'],
  io: ['codec', 'ops', 'protocol'],
  capture: ['protocol', 'codec', 'ops', 'io'],
  materialize: ['protocol', 'codec', 'ops', 'io'],
  derive: ['protocol', 'codec', 'ops', 'io'],
  shims: ['capture', 'protocol', 'codec', 'ops', 'io'],
  testing: ['capture', 'materialize', 'derive', 'protocol', 'codec', 'ops', 'io'],
  cli: ['*'],
  'index.ts': ['*'],
  'errors.ts': [],
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

const part = (path: string) => relative(lib, path).split('/')[0] as string

t.test('imports inside lib/ follow the layering', async (t) => {
  let checked = 0
  for (const file of files(lib)) {
    const from = part(file)
    const rules = allowed[from]
    t.ok(rules, `lib/${from} is a known part of the layout`)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const target = resolve(dirname(file), (match[1] ?? match[2]) as string)
      if (!target.startsWith(lib)) continue
      const to = part(target)
      checked++
      if (to === from || to === 'errors.ts' || rules?.includes('*') || rules?.includes(to)) continue
      t.fail(`lib/${relative(lib, file)} imports lib/${relative(lib, target)}: ${from}/ may not import ${to}/`)
    }
  }
  t.ok(checked > 10, `checked ${checked} imports`)
})
