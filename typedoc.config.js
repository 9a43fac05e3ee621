// `npm run docs`: the API reference, HTML in docs/api/ (git-ignored, not packed). Its entry
// points are the package's own: each subpath of package.json `exports`, from the lib/ source
// its dist/*.d.ts is built from, so a new subpath is documented without touching this file.
// Each module is named after its subpath (`flowkit/capture`), not after its folder.
import { readFileSync } from 'node:fs'

const { exports } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))

/** lib/ source of each subpath's types, and the name a user imports it by. */
const entries = Object.entries(exports).flatMap(([subpath, target]) => {
  const match = typeof target === 'object' ? /^\.\/dist\/(.+)\.d\.ts$/.exec(target.types) : null
  // TypeDoc's own name for a module is its path under lib/, less a trailing /index.
  return match === null ? [] : [{ source: `lib/${match[1]}.ts`, folder: match[1].replace(/\/index$/, ''), name: `flowkit${subpath.slice(1)}` }]
})

/** Loaded as a TypeDoc plugin (see `plugin` below): names each module after its subpath. */
export function load(app) {
  app.converter.on('resolveBegin', (context) => {
    for (const module of context.project.children ?? []) {
      const entry = entries.find(({ folder }) => folder === module.name)
      if (entry !== undefined) module.name = entry.name
    }
  })
}

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'flowkit',
  entryPoints: entries.map(({ source }) => source),
  tsconfig: 'lib/tsconfig.build.json',
  out: 'docs/api',
  plugin: ['./typedoc.config.js'],
  readme: 'none',
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  skipErrorChecking: true,
  validation: { notExported: false, invalidLink: true, notDocumented: false },
}
