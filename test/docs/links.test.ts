// No broken internal link in the documentation: the API reference TypeDoc builds (`npm run docs`,
// here into a temp dir), and the Markdown a reader opens on GitHub (README.md, CONTRIBUTING.md,
// CHANGELOG.md, docs/**/*.md). A link must name a file that exists, and its #anchor an id in
// that file: in HTML an `id`/`name`, in Markdown a heading's anchor as GitHub computes it.
// External links (any scheme: https:, mailto:) are not fetched.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, extname, join, relative, resolve } from 'node:path'
import { root } from '../helpers/cli.ts'

/** The anchor GitHub gives a heading: its text lowercased, punctuation dropped, spaces to '-'. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '') // code and emphasis marks
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

const blank = (text: string) => text.replace(/[^\n]/g, ' ')

/** Blanks out fenced code blocks and HTML comments, keeping every offset and line break. */
function withoutBlocks(markdown: string): string {
  return markdown.replace(/<!--[\s\S]*?-->/g, blank).replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[`~]*[ \t]*$|(?![\s\S]))/gm, blank)
}

/** Blanks out code spans too: what is left is where links are. */
function withoutCode(markdown: string): string {
  return withoutBlocks(markdown).replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, blank)
}

/** The anchors of a Markdown file: each heading's slug (repeats suffixed -1, -2, ...) and explicit `<a id|name>`s. */
function markdownAnchors(markdown: string): Set<string> {
  const text = withoutBlocks(markdown)
  const anchors = new Set<string>()
  const counts = new Map<string, number>()
  for (const match of text.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$|^ {0,3}(\S[^\n]*)\n {0,3}(?:=+|-+)[ \t]*$/gm)) {
    const heading = match[1] ?? match[2] ?? ''
    if (match[2] !== undefined && /^([-*_]\s*){3,}$|^[-*+] |^\d+[.)] |^\||^>/.test(heading)) continue // a rule, list item, table or quote: not a setext heading
    const base = githubSlug(heading)
    let slug = base
    while (anchors.has(slug)) {
      const count = (counts.get(base) ?? 0) + 1
      counts.set(base, count)
      slug = `${base}-${count}`
    }
    anchors.add(slug)
  }
  for (const match of withoutCode(markdown).matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string)
  return anchors
}

/** The link targets of a Markdown file, outside code, with their lines. */
function markdownLinks(markdown: string): { target: string; line: number }[] {
  const text = withoutCode(markdown)
  const links: { target: string; line: number }[] = []
  const patterns = [
    /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, // [text](target), ![alt](target)
    /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm, // [label]: target
    /<(?:a|img)\s[^>]*\b(?:href|src)="([^"]*)"/g, // <a href>, <img src>
  ]
  for (const pattern of patterns)
    for (const match of text.matchAll(pattern)) {
      links.push({ target: (match[1] as string).replace(/^<|>$/g, ''), line: text.slice(0, match.index).split('\n').length })
    }
  return links.sort((a, b) => a.line - b.line)
}

function filesUnder(dir: string, extension: RegExp): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(path, extension) : extension.test(entry.name) ? [path] : []
  })
}

const external = /^[a-z][a-z0-9+.-]*:/i

t.test('slugs and anchors as GitHub computes them', async (t) => {
  t.equal(githubSlug('Adding a protocol (materialize, derive)'), 'adding-a-protocol-materialize-derive')
  t.equal(githubSlug('`flowkit raw` --help: **options**'), 'flowkit-raw---help-options')
  t.same([...markdownAnchors('## Checking a capture: `flowkit check`\n')], ['checking-a-capture-flowkit-check'])
  t.equal(githubSlug('snake_case and [a link](x.md)'), 'snake_case-and-a-link')
  t.same([...markdownAnchors('# A\n\n## A\n\n```\n# not a heading\n```\n\nSetext\n------\n\n## A\n<!--\n# commented out\n-->\n<a id="kept"></a>\n')], ['a', 'a-1', 'setext', 'a-2', 'kept'])
  t.same(
    markdownLinks('[a](x.md#y) `[no](code.md)`\n![i](img.png "title") [r]: <ref.md>\n[def]: def.md\n<a href="h.md">h</a>').map((link) => link.target),
    ['x.md#y', 'img.png', 'def.md', 'h.md'],
  )
})

t.test('the Markdown guides link to files and headings that exist', async (t) => {
  const guides = [
    ...['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].map((name) => join(root, name)).filter((path) => existsSync(path)),
    ...filesUnder(join(root, 'docs'), /\.md$/).filter((path) => !path.startsWith(join(root, 'docs', 'api'))),
  ]
  t.ok(guides.length >= 3, `${guides.length} Markdown files`)
  const anchorsOf = new Map<string, Set<string>>()
  const anchors = (path: string) => anchorsOf.get(path) ?? anchorsOf.set(path, markdownAnchors(readFileSync(path, 'utf8'))).get(path)!
  let checked = 0
  for (const file of guides) {
    for (const { target, line } of markdownLinks(readFileSync(file, 'utf8'))) {
      if (external.test(target)) continue
      checked++
      const where = `${relative(root, file)}:${line}: link ${target}`
      const [path = '', hash] = target.split('#', 2)
      let decoded: string
      try {
        decoded = decodeURI(path)
      } catch {
        t.fail(`${where}: not a valid URI`)
        continue
      }
      const resolved = decoded === '' ? file : decoded.startsWith('/') ? join(root, decoded) : resolve(dirname(file), decoded)
      if (resolved.startsWith(join(root, 'docs', 'api'))) {
        t.fail(`${where}: docs/api/ is built by npm run docs and git-ignored, so the link is broken on GitHub`)
        continue
      }
      if (!existsSync(resolved)) {
        t.fail(`${where}: ${relative(root, resolved)} does not exist`)
        continue
      }
      if (hash === undefined || hash === '') continue
      if (extname(resolved) === '.md' && statSync(resolved).isFile()) {
        const slug = decodeURIComponent(hash)
        if (!anchors(resolved).has(slug)) t.fail(`${where}: ${relative(root, resolved)} has no heading with the anchor #${slug}`, { anchors: [...anchors(resolved)] })
      } else if (!/^L\d+(-L\d+)?$/.test(hash)) t.fail(`${where}: an anchor into a file that is not Markdown`)
    }
  }
  t.comment(`${checked} internal links in ${guides.length} Markdown files`)
})

t.test('the TypeDoc API reference builds without warnings and has no broken internal link', { timeout: 120_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'flowkit-api-docs-'))
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')
  const run = await new Promise<{ code: number; output: string }>((done) =>
    execFile(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: stdout + stderr }),
    ),
  )
  t.equal(run.code, 0, 'typedoc exits 0', { output: run.output })
  // A warning (an unresolved {@link}, a comment TypeDoc cannot place) fails, but the pages are still checked.
  for (const line of run.output.split('\n').filter((text) => /\[(warning|error)\]/.test(text) && !/Found \d+ errors/.test(text))) t.fail(`typedoc: ${line.trim()}`)
  const pages = filesUnder(out, /\.html$/)
  t.ok(pages.length > 50, `${pages.length} pages`)

  const idsOf = new Map<string, Set<string>>()
  const ids = (path: string) => {
    let found = idsOf.get(path)
    if (found === undefined) {
      found = new Set([...readFileSync(path, 'utf8').matchAll(/\s(?:id|name)="([^"]+)"/g)].map((match) => decodeEntities(match[1] as string)))
      idsOf.set(path, found)
    }
    return found
  }
  let checked = 0
  const broken = new Map<string, string[]>()
  for (const page of pages) {
    for (const match of readFileSync(page, 'utf8').matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const target = decodeEntities(match[1] as string)
      if (external.test(target) || target === '#' || target === '') continue
      checked++
      const [path = '', hash] = target.split('?')[0]!.split('#', 2)
      const resolved = path === '' ? page : resolve(dirname(page), decodeURI(path))
      let problem: string | undefined
      if (!existsSync(resolved)) problem = `${relative(out, resolved)} does not exist`
      else if (hash !== undefined && hash !== '' && !ids(resolved).has(decodeURIComponent(hash))) problem = `${relative(out, resolved)} has no id ${hash}`
      if (problem === undefined) continue
      const pagesWith = broken.get(`${target}: ${problem}`) ?? []
      pagesWith.push(relative(out, page))
      broken.set(`${target}: ${problem}`, pagesWith)
    }
  }
  for (const [problem, from] of broken) t.fail(`${problem} (linked from ${from.slice(0, 3).join(', ')}${from.length > 3 ? `, and ${from.length - 3} more pages` : ''})`)
  t.ok(checked > 1000, `checked ${checked} internal links in ${pages.length} pages`)
})

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[name] as string)
}
