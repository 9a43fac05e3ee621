// The project's layout and import direction (see DESIGN.md): codec/, json/ and ops/ stand
// alone; protocol/ alone reads gen/; the protocol runtimes build on protocol/, codec/, json/,
// ops/ and io/; runtime/ plays Flow's runtime on protocol/ and below; testing/ is a thin layer
// over runtime/; only cli/ and the root index may import anything. Every thrown error is a
// coded FlowkitError.
import t from 'tap'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const lib = fileURLToPath(new URL('../lib/', import.meta.url))

/** Which top-level parts of lib/ each part may import (errors.ts is open to all). */
const allowed: Record<string, readonly string[]> = {
  gen: [],
  'errors.ts': [],
  json: [],
  codec: ['json'],
  ops: ['json'],
  protocol: ['gen', 'codec', 'json'],
  io: ['codec', 'json'],
  capture: ['protocol', 'codec', 'json', 'ops', 'io', 'http'],
  runtime: ['protocol', 'codec', 'json', 'io'],
  testing: ['runtime', 'protocol', 'codec', 'json', 'io'],
  shims: ['capture', 'protocol', 'codec', 'json', 'ops', 'io', 'http'],
  cli: ['*'],
  'index.ts': ['*'],
  materialize: ['protocol', 'codec', 'json', 'ops', 'io'],
  derive: ['protocol', 'codec', 'json', 'ops', 'io'],
  http: ['json', 'io'],
}
/** Parts still to come, with the rule they will follow. */
const planned = new Set<string>()

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

const part = (path: string) => relative(lib, path).split('/')[0] as string
const sources = files(lib).filter((file) => part(file) !== 'gen')

t.test('every part of lib/ has a rule, and every rule but the planned ones a part', async (t) => {
  for (const entry of readdirSync(lib).filter((name) => !/\.(md|json)$/.test(name))) t.ok(allowed[entry], `lib/${entry} is a known part of the layout`)
  for (const name of Object.keys(allowed)) {
    const exists = existsSync(join(lib, name))
    if (planned.has(name)) t.notOk(exists, `lib/${name} exists: move its rule out of the planned parts`)
    else t.ok(exists, `lib/${name} has a rule but does not exist`)
  }
})

t.test('imports inside lib/ follow the layering', async (t) => {
  let checked = 0
  for (const file of sources) {
    const from = part(file)
    const rules = allowed[from] ?? []
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const target = resolve(dirname(file), (match[1] ?? match[2]) as string)
      if (!target.startsWith(lib)) continue
      const to = part(target)
      checked++
      if (to === from || to === 'errors.ts' || rules.includes('*') || rules.includes(to)) continue
      t.fail(`lib/${relative(lib, file)} imports lib/${relative(lib, target)}: ${from}/ may not import ${to}/`)
    }
  }
  t.ok(checked > 10, `checked ${checked} imports`)
})

t.test('every error lib/ throws is a coded FlowkitError', async (t) => {
  for (const file of sources) {
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/throw new (Error|RangeError|TypeError|SyntaxError)\(/g)) {
      const line = source.slice(0, match.index).split('\n').length
      t.fail(`lib/${relative(lib, file)}:${line} throws a plain ${match[1]}; throw a FlowkitError subclass with a code that matches the cause`)
    }
  }
})
