// Every name the package exports has a doc comment that says what it guarantees. The entry
// points are the package's own: each subpath of package.json `exports` maps from its
// dist/*.d.ts back to the lib/*.ts source it is built from; the TypeScript compiler resolves
// every export of each, re-exports included, to the declaration that carries (or lacks) the
// comment. The API reference (`npm run docs`) is built from these same comments.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { root } from '../helpers/cli.ts'

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> }

/** Each subpath of `exports` (`flowkit`, `flowkit/capture`, ...) and the lib/ source of its types. */
const entries = Object.entries(manifest.exports).flatMap(([subpath, target]) => {
  const types = typeof target === 'string' ? target : target.types
  const match = types === undefined ? null : /^\.\/dist\/(.+)\.d\.ts$/.exec(types)
  return match === null ? [] : [{ name: join('flowkit', subpath).replace(/\/$/, ''), file: join(root, 'lib', `${match[1]}.ts`) }]
})

t.test('every subpath of package.json exports maps to a lib/ source', async (t) => {
  t.ok(entries.length >= 10, `${entries.length} entry points`)
  for (const entry of entries) t.ok(existsSync(entry.file), `${entry.name}: ${relative(root, entry.file)} exists`)
})

t.test('every exported name has a doc comment', async (t) => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (config === undefined) throw new Error('tsconfig.json does not parse')
  const program = ts.createProgram(
    entries.map((entry) => entry.file),
    config.options,
  )
  const checker = program.getTypeChecker()
  /** Declarations by the symbol they declare, with every public name they go by. */
  const exported = new Map<ts.Symbol, string[]>()
  let names = 0
  for (const entry of entries) {
    const source = program.getSourceFile(entry.file)
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    if (module === undefined) {
      t.fail(`${entry.name}: ${relative(root, entry.file)} is not a module`)
      continue
    }
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      const list = exported.get(target) ?? []
      list.push(`${entry.name}: ${symbol.name}`)
      exported.set(target, list)
      names++
    }
  }

  let undocumented = 0
  for (const [symbol, publicNames] of exported) {
    const documentation = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()
    if (documentation !== '') continue
    const declaration = symbol.getDeclarations()?.[0]
    const where = declaration === undefined ? '(no declaration)' : locate(declaration)
    undocumented++
    const message = `${publicNames.join(', ')} has no doc comment, at ${where}: say what it does and guarantees`
    t.fail(message)
  }
  t.comment(`${names} exported names of ${entries.length} entry points, ${exported.size} declarations, ${undocumented} without a doc comment`)
  t.ok(exported.size > 100, `checked ${exported.size} declarations`)
})

function locate(declaration: ts.Declaration): string {
  const source = declaration.getSourceFile()
  const { line } = source.getLineAndCharacterOfPosition(declaration.getStart(source))
  return `${relative(root, source.fileName)}:${line + 1}`
}
