// The code blocks of README.md and docs/**/*.md, checked against the package, so that the
// documentation cannot drift from the code unnoticed.
//
// TypeScript blocks (```ts, ```typescript): each is written as its own module into a temp
// project in which `flowkit` and `flowkit/<subpath>` resolve to this checkout's sources
// (lib/, as package.json's `exports` map them), and the TypeScript compiler runs once over
// all of them under a strict `module: nodenext` configuration, like a user's project. A
// diagnostic fails the test with the Markdown file and line it comes from. A block that is not
// a whole module is skipped only when the line right before its fence says why:
//
//   <!-- fragment: the options of open(), not a whole module -->
//
// Shell blocks (```sh, ```bash, ```shell, ```console):
//
// - A line starting with `$ ` is a command (continued on the next lines while a line ends in
//   `\`); the lines after it, up to the next `$ ` line or the fence, are what it prints. Such a
//   command is run with bash from a scratch copy of the repository's root (its folders are
//   linked, so files the command writes stay out of the checkout), with `flowkit` and
//   `npx flowkit` meaning this checkout's bin/flowkit.js, stdout and stderr together as a
//   terminal shows them. It must exit 0, or with N when the last line shown is `[exit N]`. Each
//   line shown must appear in the output, in order, though other lines may come between;
//   a line `...` stands for lines left out, and `...` inside a line matches any text. Before
//   comparing, both sides are normalised: temp paths, timestamps, durations, rates, sizes,
//   ports and timing fields of JSON logs are replaced by placeholders.
// - A block with no `$ ` line is a listing: its commands are not run.
// - A block whose commands must not run here (too slow, network, Docker, installs) says why on
//   the line before its fence: `<!-- not run: needs Docker -->`. Its output is not compared.
//
// Every command of any shell block that runs flowkit (`flowkit`, `npx flowkit`,
// `node bin/flowkit.js`, `node lib/cli/flowkit.js`) is checked against the CLI: its command
// (and the request of `raw`, the kind of `shim`) must exist and each of its options must appear
// in `flowkit <command> --help`, so renaming or dropping an option fails here. `npm start`,
// `npm test` and `npm run NAME` must name a script of package.json, and the options given to
// `npm run bench -- ...` must appear in bench/run.ts's usage.
//
// A marker without a reason, or on a block of the wrong language, fails. The same checks also
// run over test/docs/fixtures/, whose blocks are wrong on purpose, and must find what is wrong.
//
// Needs dist/ (`npm run build`; `npm test` builds first): it builds when dist/ is missing.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { root } from '../helpers/cli.ts'

t.setTimeout(180_000)

// ---------------------------------------------------------------------------------------------
// Markdown

interface Block {
  /** The Markdown file, relative to the repository's root. */
  readonly file: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly lang: string
  /** The block's lines, without the fences. */
  readonly lines: readonly string[]
  /** The marker on the line before the fence, if any. */
  readonly marker?: { readonly kind: 'fragment' | 'not run'; readonly reason: string }
}

const TS_LANGS = new Set(['ts', 'typescript'])
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console'])
const MARKER = /^\s*<!--\s*(fragment|not run)\b\s*:?\s*(.*?)\s*-->\s*$/

/** The fenced code blocks of a Markdown file, and the problems of its markers. */
function blocksOf(file: string, text: string): { blocks: Block[]; problems: string[] } {
  const lines = text.split('\n')
  const blocks: Block[] = []
  const problems: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i] as string)
    if (marker && !/^\s*(```|~~~)/.test(lines[i + 1] ?? '')) problems.push(`${file}:${i + 1}: a "${marker[1]}" marker must be on the line right before a fence`)
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i] as string)
    if (!open) continue
    const [, indent = '', fence = '', lang = ''] = open
    const start = i
    const body: string[] = []
    for (i++; i < lines.length; i++) {
      const line = lines[i] as string
      if (new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`).test(line)) break
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())
    }
    const before = start > 0 ? MARKER.exec(lines[start - 1] as string) : null
    const block: Block = {
      file,
      line: start + 1,
      lang: lang.toLowerCase(),
      lines: body,
      ...(before ? { marker: { kind: before[1] as 'fragment' | 'not run', reason: before[2] ?? '' } } : {}),
    }
    if (block.marker) {
      const where = `${file}:${block.line}`
      if (block.marker.reason === '') problems.push(`${where}: the "${block.marker.kind}" marker gives no reason (<!-- ${block.marker.kind}: why -->)`)
      if (block.marker.kind === 'fragment' && !TS_LANGS.has(block.lang)) problems.push(`${where}: "fragment" marks a TypeScript block, not a ${block.lang || 'plain'} one`)
      if (block.marker.kind === 'not run' && !SHELL_LANGS.has(block.lang)) problems.push(`${where}: "not run" marks a shell block, not a ${block.lang || 'plain'} one`)
    }
    blocks.push(block)
  }
  return { blocks, problems }
}

/** README.md and every Markdown file under docs/ (or the files of a fixture folder). */
function markdownFiles(base: string, top: string[], folder: string | undefined): string[] {
  const out = top.filter((name) => existsSync(join(base, name)))
  const walk = (dir: string) => {
    if (!existsSync(join(base, dir))) return
    for (const entry of readdirSync(join(base, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`
      // docs/api/ is the generated API reference.
      if (entry.isDirectory()) {
        if (path !== 'docs/api') walk(path)
      }
      else if (entry.name.endsWith('.md')) out.push(path)
    }
  }
  if (folder !== undefined) walk(folder)
  return out
}

// ---------------------------------------------------------------------------------------------
// TypeScript blocks

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string
  scripts: Record<string, string>
  exports: Record<string, string | { types?: string }>
}

/** `flowkit` and `flowkit/<subpath>` mapped to the sources the package's `exports` are built from. */
function flowkitPaths(): Record<string, string[]> {
  const paths: Record<string, string[]> = {}
  for (const [key, target] of Object.entries(manifest.exports)) {
    const types = typeof target === 'string' ? undefined : target.types
    if (types === undefined) continue
    const source = types.replace(/^\.\/dist\//, 'lib/').replace(/\.d\.ts$/, '.ts')
    if (!existsSync(join(root, source))) throw new Error(`package.json exports ${key} as ${types}, but its source ${source} does not exist`)
    paths[key.replace(/^\./, manifest.name)] = [join(root, source)]
  }
  return paths
}

interface TsResult {
  readonly checked: number
  readonly skipped: number
  readonly errors: string[]
}

/** Type-checks every TypeScript block that is not marked as a fragment, in one program. */
function checkTypeScript(blocks: readonly Block[], base: string): TsResult {
  const project = mkdtempSync(join(tmpdir(), 'flowkit-docs-ts-'))
  try {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-examples', private: true, type: 'module' }))
    symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir')
    const files = new Map<string, Block>()
    let skipped = 0
    for (const block of blocks) {
      if (!TS_LANGS.has(block.lang)) continue
      if (block.marker?.kind === 'fragment') {
        skipped++
        continue
      }
      const name = join(project, `${block.file.replace(/[^\w.-]+/g, '_')}_L${block.line}.ts`)
      writeFileSync(name, block.lines.join('\n') + '\n')
      files.set(name, block)
    }
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      moduleDetection: ts.ModuleDetectionKind.Force,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noImplicitOverride: true,
      verbatimModuleSyntax: true,
      // lib/ imports its own files with .ts extensions.
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      noEmit: true,
      skipLibCheck: true,
      paths: flowkitPaths(),
    }
    const program = ts.createProgram([...files.keys()], options)
    const errors: string[] = []
    const format = (diagnostic: ts.Diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')
    for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) errors.push(`compiler: error TS${diagnostic.code}: ${format(diagnostic)}`)
    for (const [name, block] of files) {
      const source = program.getSourceFile(name)
      if (source === undefined) {
        errors.push(`${relative(base, join(base, block.file))}:${block.line}: the block was not compiled`)
        continue
      }
      for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
        const at = diagnostic.start === undefined ? 0 : source.getLineAndCharacterOfPosition(diagnostic.start).line
        errors.push(`${block.file}:${block.line + 1 + at}: error TS${diagnostic.code}: ${format(diagnostic)}`)
      }
    }
    return { checked: files.size, skipped, errors }
  } finally {
    rmSync(project, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// Shell blocks: commands

/** The words of a shell command line: quotes removed, `#` comments dropped, operators as words. */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      word = (word ?? '') + line.slice(i + 1, end === -1 ? undefined : end)
      i = end === -1 ? line.length : end
    } else if (c === '"') {
      let text = ''
      for (i++; i < line.length && line[i] !== '"'; i++) text += line[i] === '\\' && i + 1 < line.length ? line[++i] : line[i]
      word = (word ?? '') + text
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === '#' && word === undefined) {
      break
    } else if ('|&;<>()'.includes(c)) {
      if (word !== undefined && !(c === '>' && /^\d$/.test(word))) words.push(word)
      word = undefined
      let op = c
      while (i + 1 < line.length && '|&;<>'.includes(line[i + 1] as string)) op += line[++i]
      words.push(op)
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

/** A command of a shell line that runs flowkit or npm, as its arguments. */
type Invocation = { readonly kind: 'flowkit'; readonly args: string[] } | { readonly kind: 'npm'; readonly args: string[] }

const FLOWKIT_PROGRAMS = ['bin/flowkit.js', './bin/flowkit.js', 'lib/cli/flowkit.js', './lib/cli/flowkit.js']

/** The flowkit and npm commands of one (joined) shell line. */
function invocationsOf(line: string): Invocation[] {
  const words = shellWords(line)
  const out: Invocation[] = []
  let segment: string[] = []
  const flush = () => {
    const command = segment.filter((word, i) => !segment.slice(0, i + 1).every((w) => /^[A-Za-z_]\w*=/.test(w)))
    segment = []
    if (command.length === 0) return
    let args: string[] | undefined
    if (command[0] === 'flowkit') args = command.slice(1)
    else if (command[0] === 'npx') {
      const at = command.findIndex((word, i) => i > 0 && !word.startsWith('-'))
      if (at > 0 && command[at] === 'flowkit') args = command.slice(at + 1)
    } else if (command[0] === 'node' && FLOWKIT_PROGRAMS.includes(command[1] ?? '')) args = command.slice(2)
    if (args !== undefined) out.push({ kind: 'flowkit', args })
    else if (command[0] === 'npm') out.push({ kind: 'npm', args: command.slice(1) })
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string
    if (/^(\||\|\||&&|;|&|\(|\))$/.test(word)) flush()
    else if (/^\d?(<|>|>>|&>)$/.test(word)) i++ // a redirection and its target
    else segment.push(word)
  }
  flush()
  return out
}

/** The commands of a shell block: `$ ` lines with their expected output, or the lines of a listing. */
interface Command {
  /** 1-based line in the Markdown file. */
  readonly line: number
  readonly text: string
  readonly expected: string[]
}

function commandsOf(block: Block): { commands: Command[]; prompted: boolean } {
  const prompted = block.lines.some((line) => line.startsWith('$ '))
  const commands: Command[] = []
  for (let i = 0; i < block.lines.length; i++) {
    const first = block.lines[i] as string
    if (prompted && !first.startsWith('$ ')) {
      commands.at(-1)?.expected.push(first)
      continue
    }
    let text = prompted ? first.slice(2) : first
    const line = block.line + 1 + i
    while (/\\\s*$/.test(text) && i + 1 < block.lines.length) text = text.replace(/\\\s*$/, ' ') + (block.lines[++i] as string)
    if (text.trim() !== '') commands.push({ line, text, expected: [] })
  }
  return { commands, prompted }
}

// ---------------------------------------------------------------------------------------------
// Shell blocks: checking options against --help

const bin = join(root, 'bin', 'flowkit.js')
const helps = new Map<string, { code: number; text: string }>()
let cliMain: ((argv: string[]) => Promise<number>) | undefined

/**
 * `flowkit ARGS --help`, once per distinct ARGS: the built CLI's main(), run in this process
 * with its output caught (spawning a CLI per command would cost seconds each).
 */
async function helpOf(args: string[]): Promise<{ code: number; text: string }> {
  const key = args.join(' ')
  const known = helps.get(key)
  if (known !== undefined) return known
  cliMain ??= ((await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href)) as { main: (argv: string[]) => Promise<number> }).main
  let text = ''
  const catcher = (chunk: string | Uint8Array) => {
    text += chunk.toString()
    return true
  }
  const [stdout, stderr] = [process.stdout.write, process.stderr.write]
  process.stdout.write = catcher as typeof process.stdout.write
  process.stderr.write = catcher as typeof process.stderr.write
  let code: number
  try {
    code = await cliMain([...args, '--help'])
  } finally {
    process.stdout.write = stdout
    process.stderr.write = stderr
  }
  const help = { code, text }
  helps.set(key, help)
  return help
}

/** What is wrong with a flowkit command line, checked against its --help. */
async function flowkitProblems(args: string[]): Promise<string[]> {
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args
  const command = own[0]
  if (command === undefined || command.startsWith('-')) return command === '--help' || command === '-h' ? [] : ['no flowkit command given']
  // `preview` has a usage of its own for a materialization and for a derivation.
  const mode = own.find((arg) => /^--(materialization|derivation)(=|$)/.test(arg))?.replace(/=.*/, '')
  const help = await helpOf(mode === undefined ? [command] : [command, mode, 'x'])
  if (help.code !== 0 || !help.text.startsWith(`usage: flowkit ${command}`)) return [`"flowkit ${command}" is not a flowkit command (flowkit ${command} --help exited ${help.code})`]
  const problems: string[] = []
  const positional = own.slice(1).filter((arg) => !arg.startsWith('-') && !arg.startsWith('['))
  if ((command === 'raw' || command === 'shim') && positional[0] !== undefined) {
    const usage = help.text.split('\n\n')[0] as string
    for (const sub of positional[0].split('|')) {
      if (!new RegExp(`flowkit ${command} (\\S*\\|)?${sub}(\\||\\s)`).test(usage)) problems.push(`"flowkit ${command} ${sub}" is not in flowkit ${command} --help`)
    }
  }
  for (const arg of own.slice(1)) {
    const flag = /^\[?(--?[A-Za-z][\w-]*)/.exec(arg)?.[1]
    if (flag === undefined || flag === '--help' || flag === '-h') continue
    const escaped = flag.replace(/[-]/g, '\\-')
    if (!new RegExp(`(^|[\\s\\[(|,])${escaped}(?![\\w-])`, 'm').test(help.text)) problems.push(`option ${flag} is not in "flowkit ${command}${mode === undefined ? '' : ` ${mode} ...`} --help"`)
  }
  return problems
}

const benchUsage = readFileSync(join(root, 'bench', 'run.ts'), 'utf8')

function npmProblems(args: string[]): string[] {
  const [verb, ...rest] = args
  if (verb === 'start' || verb === 'test') return manifest.scripts[verb] === undefined ? [`npm ${verb}: package.json has no "${verb}" script`] : []
  if (verb === 'run' || verb === 'run-script') {
    const script = rest[0]
    if (script === undefined) return []
    if (manifest.scripts[script] === undefined) return [`npm run ${script}: package.json has no "${script}" script`]
    const extra = rest.includes('--') ? rest.slice(rest.indexOf('--') + 1) : []
    if (script === 'bench') {
      return extra
        .filter((arg) => arg.startsWith('-'))
        .map((arg) => arg.replace(/=.*/, ''))
        .filter((flag) => !new RegExp(`\\[${flag.replace(/-/g, '\\-')}(?![\\w-])`).test(benchUsage))
        .map((flag) => `npm run bench -- ${flag}: not an option of bench/run.ts`)
    }
    return []
  }
  return []
}

// ---------------------------------------------------------------------------------------------
// Shell blocks: running commands

interface Ran {
  readonly code: number | null
  readonly output: string
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]\n`
      try {
        process.kill(-(child.pid as number), 'SIGKILL')
      } catch {
        // Gone already.
      }
    }, timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/**
 * A scratch directory that looks like the repository's root to a command (its folders and
 * package.json linked), so what a command writes (state files, sample streams, databases) lands
 * there, and a `flowkit` on PATH that runs this checkout's bin/flowkit.js.
 */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-docs-run-'))
  for (const name of readdirSync(root)) {
    if (name === '.git' || name.startsWith('.')) continue
    // The examples are copied: a connector that runs only as the main module compares its
    // own URL with process.argv[1], which a link would make differ.
    if (name === 'examples') cpSync(join(root, name), join(dir, name), { recursive: true })
    else symlinkSync(join(root, name), join(dir, name))
  }
  const binDir = join(dir, '.bin')
  mkdirSync(binDir)
  writeFileSync(join(binDir, 'flowkit'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`, { mode: 0o755 })
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, NO_COLOR: '1' }
  for (const name of Object.keys(env)) if (/^(TAP|_TAPJS|NODE_OPTIONS$)/.test(name)) delete env[name]
  return { dir, env }
}

/** Placeholders for what changes from run to run, applied to expected and actual lines alike. */
function normalise(line: string, dirs: readonly string[]): string {
  let out = line.replace(/\s+$/, '')
  for (const dir of dirs) out = out.split(dir).join('<tmp>')
  return out
    .replace(/(\/tmp|\/var\/folders)\/[^\s"',;:)]+/g, '<tmp>')
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?/g, '<time>')
    .replace(/\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b/g, '<time>')
    .replace(/\b(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]):\d+/g, '$1:<port>')
    .replace(/"(\w*(seconds|Seconds|Ms|ms|PerSecond|Rss\w*|RssMB))":\s?-?\d+(\.\d+)?(e[+-]?\d+)?/g, '"$1":<n>')
    .replace(/\b\d[\d,]*(\.\d+)?\s?(B|kB|KB|KiB|MB|MiB|GB|GiB)\b/g, '<size>')
    .replace(/\b\d[\d,]*(\.\d+)?\s?[kM]?\/s\b/g, '<rate>')
    .replace(/\b\d+(\.\d+)?\s?(ms|s|m|h)\b/g, '<duration>')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The expected lines missing from the output, in order; [] when every one is there. */
function missingLines(expected: readonly string[], output: string, dirs: readonly string[]): string[] {
  const actual = output.split('\n').map((line) => normalise(line, dirs))
  let at = 0
  for (const shown of expected) {
    if (shown.trim() === '...' || shown.trim() === '') continue
    const wanted = normalise(shown, dirs)
    const pattern = new RegExp(`^${wanted.split('...').map(escapeRegExp).join('.*')}$`)
    const found = actual.findIndex((line, i) => i >= at && pattern.test(line))
    if (found === -1) return [shown]
    at = found + 1
  }
  return []
}

/** Runs the `$ ` commands of a block in order, one shell each, and compares their output. */
async function runBlock(block: Block, commands: readonly Command[], place: { dir: string; env: NodeJS.ProcessEnv }): Promise<string[]> {
  const problems: string[] = []
  for (const command of commands) {
    const expected = [...command.expected]
    while (expected.length > 0 && (expected.at(-1) as string).trim() === '') expected.pop()
    const status = /^\[exit (\d+)\]$/.exec((expected.at(-1) ?? '').trim())
    if (status) expected.pop()
    const script = command.text.replace(/\bnpx\s+(--no-install\s+)?flowkit\b/g, 'flowkit')
    // One pipe for stdout and stderr, so their lines come in the order they were written.
    const result = await run('bash', ['-o', 'pipefail', '-c', `{\n${script}\n} 2>&1`], place.dir, place.env)
    const where = `${block.file}:${command.line}`
    const want = status ? Number(status[1]) : 0
    if (result.code !== want) {
      problems.push(`${where}: \`${command.text}\` exited ${result.code}, not ${want}:\n${tail(result.output)}`)
      continue
    }
    const missing = missingLines(expected, result.output, [place.dir, tmpdir()])
    if (missing.length > 0) problems.push(`${where}: \`${command.text}\` did not print the line shown:\n  ${missing[0]}\nit printed:\n${tail(result.output)}`)
  }
  return problems
}

function tail(text: string): string {
  const lines = text.trimEnd().split('\n')
  return (lines.length > 40 ? ['...', ...lines.slice(-40)] : lines).map((line) => `  | ${line.length > 300 ? line.slice(0, 300) + '…' : line}`).join('\n')
}

// ---------------------------------------------------------------------------------------------
// The checks, over a set of Markdown files

interface Report {
  readonly files: number
  readonly ts: TsResult
  readonly shell: { readonly blocks: number; readonly run: number; readonly commandsRun: number; readonly notRun: number; readonly checked: number }
  readonly problems: string[]
}

const timings: string[] = []

async function checkDocs(base: string, files: readonly string[], options: { runCommands: boolean }): Promise<Report> {
  const blocks: Block[] = []
  const problems: string[] = []
  for (const file of files) {
    const parsed = blocksOf(file, readFileSync(join(base, file), 'utf8'))
    blocks.push(...parsed.blocks)
    problems.push(...parsed.problems)
  }
  let started = Date.now()
  const tsResult = checkTypeScript(blocks, base)
  problems.push(...tsResult.errors)
  timings.push(`typescript ${Date.now() - started} ms`)
  started = Date.now()

  const shellBlocks = blocks.filter((block) => SHELL_LANGS.has(block.lang))
  let checked = 0
  let notRun = 0
  const toRun: { block: Block; commands: Command[] }[] = []
  for (const block of shellBlocks) {
    const { commands, prompted } = commandsOf(block)
    for (const command of commands) {
      for (const invocation of invocationsOf(command.text)) {
        checked++
        const found = invocation.kind === 'flowkit' ? await flowkitProblems(invocation.args) : npmProblems(invocation.args)
        problems.push(...found.map((problem) => `${block.file}:${command.line}: ${problem}`))
      }
    }
    if (!prompted) continue
    if (block.marker?.kind === 'not run') notRun++
    else toRun.push({ block, commands })
  }

  timings.push(`options ${Date.now() - started} ms`)
  started = Date.now()
  let commandsRun = 0
  if (options.runCommands && toRun.length > 0) {
    const place = sandbox()
    try {
      // Two blocks at a time; the commands of one block in order.
      // The slowest first (flowkit check runs sessions), so the two workers end together.
      const queue = [...toRun].sort((a, b) => Number(b.commands.some((c) => / check /.test(c.text))) - Number(a.commands.some((c) => / check /.test(c.text))))
      const worker = async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          commandsRun += next.commands.length
          problems.push(...(await runBlock(next.block, next.commands, place)))
        }
      }
      await Promise.all([worker(), worker()])
    } finally {
      rmSync(place.dir, { recursive: true, force: true })
    }
  }
  timings.push(`commands ${Date.now() - started} ms`)
  return { files: files.length, ts: tsResult, shell: { blocks: shellBlocks.length, run: toRun.length, commandsRun, notRun, checked }, problems }
}

// ---------------------------------------------------------------------------------------------
// Links

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The anchors of a Markdown file's headings, numbered as GitHub numbers repeated ones. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!heading) continue
    const slug = slugOf(heading[1] as string)
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    anchors.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return anchors
}

/** Relative links (and their #anchors) of the Markdown files that do not resolve. */
function brokenLinks(base: string, files: readonly string[]): string[] {
  const problems: string[] = []
  for (const file of files) {
    const lines = readFileSync(join(base, file), 'utf8').split('\n')
    let fenced = false
    lines.forEach((line, i) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
      if (fenced) return
      for (const match of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] as string
        if (/^[a-z]+:/i.test(target)) continue
        const [path = '', anchor] = target.split('#')
        const resolved = path === '' ? join(base, file) : join(base, file, '..', path)
        const where = `${file}:${i + 1}: link ${target}`
        if (!existsSync(resolved)) problems.push(`${where}: ${relative(base, resolved)} does not exist`)
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${where}: no heading of ${relative(base, resolved)} has the anchor #${anchor}`)
      }
    })
  }
  return problems
}

// ---------------------------------------------------------------------------------------------

if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  t.comment('dist/ is missing: npm run build')
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('npm run build failed')
}

t.test('the code blocks of README.md and docs/ are true of the package', async (t) => {
  const files = markdownFiles(root, ['README.md'], 'docs')
  const report = await checkDocs(root, files, { runCommands: true })
  t.comment(
    `${report.files} Markdown files; TypeScript blocks: ${report.ts.checked} checked, ${report.ts.skipped} skipped as fragments; ` +
      `shell blocks: ${report.shell.blocks}, ${report.shell.run} run (${report.shell.commandsRun} commands), ${report.shell.notRun} marked not run, ` +
      `${report.shell.checked} flowkit/npm commands checked against --help and package.json`,
  )
  t.ok(report.ts.checked > 0, 'some TypeScript blocks were checked')
  t.ok(report.shell.run > 0, 'some shell blocks were run')
  const links = brokenLinks(root, files)
  t.same(links, [], links.length === 0 ? 'every relative link and #anchor resolves' : `broken links:\n${links.join('\n')}`)
  t.comment(timings.join('; '))
  t.same(report.problems, [], report.problems.length === 0 ? 'no problems' : `${report.problems.length} problems:\n\n${report.problems.join('\n\n')}`)
})

t.test('the checks find what is wrong in blocks that are wrong on purpose (test/docs/fixtures)', async (t) => {
  const base = join(root, 'test', 'docs', 'fixtures')
  const report = await checkDocs(base, markdownFiles(base, [], '.').map((path) => path.replace(/^\.\//, '')), { runCommands: true })
  const text = report.problems.join('\n')
  const expected: [RegExp, string][] = [
    [/wrong\.md:\d+: error TS2322: Type 'string' is not assignable to type 'number'/, 'a type error in a TypeScript block, at its line'],
    [/wrong\.md:\d+: error TS2305: Module '"flowkit\/capture"' has no exported member 'noSuchExport'/, 'an import the package does not export'],
    [/wrong\.md:\d+: the "fragment" marker gives no reason/, 'a fragment marker without a reason'],
    [/wrong\.md:\d+: option --sesions is not in "flowkit preview --help"/, 'a misspelt option of a listed command'],
    [/wrong\.md:\d+: option --input-file is not in "flowkit preview --materialization \.\.\. --help"/, "an option of another mode's usage"],
    [/wrong\.md:\d+: "flowkit raw describe" is not in flowkit raw --help/, 'a request raw does not have'],
    [/wrong\.md:\d+: "flowkit frobnicate" is not a flowkit command/, 'a command flowkit does not have'],
    [/wrong\.md:\d+: npm run no-such-script: package\.json has no "no-such-script" script/, 'an npm script that does not exist'],
    [/wrong\.md:\d+: `flowkit raw spec --source examples\/source-hello\/flow\.yaml` did not print the line shown:\n {2}\{"spec":\{"protocol":1234/, 'output that differs from what is shown'],
    [/wrong\.md:\d+: `flowkit raw spec --source no-such\.yaml` exited 1, not 0/, 'a command that fails'],
  ]
  for (const [pattern, what] of expected) t.match(text, pattern, what)
  t.equal(report.problems.length, expected.length, `nothing else is reported:\n${text}`)
  t.equal(report.ts.checked, 3, 'the good block and the two wrong ones are compiled')
})
