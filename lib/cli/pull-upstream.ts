/**
 * `flowkit pull-upstream`: imports a folder of another git history (an upstream connector) into
 * this repository as one commit, whose message records where it came from in git trailers. A
 * later run with a newer upstream ref finds the last import of the same destination by those
 * trailers and applies only what changed upstream since then, merged three ways with the local
 * files; when an upstream change clashes with a local edit it lists the paths and changes
 * nothing.
 *
 * The upstream commits are fetched (shallow) into a temporary bare repository that is removed
 * afterwards, so no refs or objects of the upstream stay behind in this repository other than
 * the files the import commits.
 */
import { execFile } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, posix, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, ConnectorError, UsageError, messageOf } from '../errors.ts'

export const pullUpstreamUsage = `usage: flowkit pull-upstream SOURCE_REPO SOURCE_REF SOURCE_PREFIX DEST_PREFIX --license SPDX

Imports the folder SOURCE_PREFIX ('.' for the whole tree) of the git repository SOURCE_REPO (a
URL or a local path) at SOURCE_REF (a branch, a tag or a full commit SHA) into this repository
under DEST_PREFIX (relative to the current directory), as one commit. Its message records the
import in trailers: Upstream-Repository, Upstream-Ref, Upstream-Commit, Upstream-Prefix,
Upstream-Destination and Upstream-License.

Run it again with a newer SOURCE_REF to apply only the upstream changes since the last import of
DEST_PREFIX, merged with local edits. When an upstream change clashes with a local edit it lists
the conflicting paths, commits nothing and leaves the work tree as it was.

Refuses a work tree with uncommitted changes, and a DEST_PREFIX that exists but was never
imported.

  --license SPDX      the upstream's license, as an SPDX expression (required), e.g. MIT`

export interface PullUpstreamOptions {
  /** The upstream repository as the user gave it: a URL or a local path. */
  readonly source: string
  readonly ref: string
  /** The folder of the upstream tree to import, without leading or trailing slashes; '' for the root. */
  readonly sourcePrefix: string
  /** The destination folder, as given (relative to the current directory). */
  readonly dest: string
  readonly license: string
  /** The directory to run in (default: the current directory). */
  readonly cwd?: string
}

export function parsePullUpstreamArgs(args: string[]): PullUpstreamOptions {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { license: { type: 'string' } }, strict: true })
  if (positionals.length !== 4) {
    throw new UsageError(`SOURCE_REPO SOURCE_REF SOURCE_PREFIX DEST_PREFIX are required, got ${positionals.length} arguments\n\n${pullUpstreamUsage}`)
  }
  const [source, ref, sourcePrefix, dest] = positionals as [string, string, string, string]
  const license = values.license?.trim()
  if (license === undefined || license === '') {
    throw new UsageError(`--license SPDX is required: the license the upstream code is under, e.g. --license Apache-2.0\n\n${pullUpstreamUsage}`)
  }
  if (!/^[A-Za-z0-9.+:()\- ]+$/.test(license)) throw new UsageError(`--license ${JSON.stringify(license)} is not an SPDX license expression`)
  for (const [name, value] of [['SOURCE_REPO', source], ['SOURCE_REF', ref], ['SOURCE_PREFIX', sourcePrefix], ['DEST_PREFIX', dest]] as const) {
    if (value.trim() === '' || /[\n\r\0]/.test(value)) throw new UsageError(`${name} ${JSON.stringify(value)} is empty or spans lines`)
  }
  if (ref.startsWith('-')) throw new UsageError(`SOURCE_REF ${JSON.stringify(ref)} is not a branch, tag or commit`)
  return { source, ref, sourcePrefix: cleanPrefix(sourcePrefix, 'SOURCE_PREFIX'), dest, license }
}

/** A folder inside a tree: posix separators, no leading or trailing slash, '' for the root. */
function cleanPrefix(prefix: string, name: string, given = prefix): string {
  const normalized = posix.normalize(prefix.replaceAll('\\', '/')).replace(/\/+$/, '')
  const normal = normalized === '.' ? '' : normalized
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../')) throw new UsageError(`${name} ${JSON.stringify(given)} must be a folder inside its repository`)
  return normal
}

/** Runs the import; resolves to the exit code (1 when upstream changes conflict with local edits). */
export async function pullUpstream(options: PullUpstreamOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const repo = await openRepository(options.cwd ?? process.cwd(), options.dest)
  await refuseDirty(repo)
  const last = await lastImport(repo)
  if (last === undefined && existsSync(repo.destPath)) {
    throw new ConfigError(`${repo.dest} exists but was never imported (no commit has an Upstream-Destination: ${repo.dest} trailer): choose a new DEST_PREFIX`)
  }
  const upstream = await fetchUpstream(options, last?.commit)
  try {
    if (last !== undefined && last.commit === upstream.commit && last.prefix === options.sourcePrefix) {
      stdout.write(`${repo.dest} is up to date with ${upstream.commit}\n`)
      return 0
    }
    const changes = await upstreamChanges(upstream, options.sourcePrefix, last)
    for (const change of changes.filter((c) => isGitlink(c.base) || isGitlink(c.next))) stderr.write(`flowkit pull-upstream: skipped submodule ${change.path}\n`)
    const plan = await planChanges(repo, upstream, changes.filter((c) => !isGitlink(c.base) && !isGitlink(c.next)))
    if (plan.conflicts.length > 0) {
      stderr.write(
        `flowkit pull-upstream: upstream changes since ${last?.commit ?? 'nothing'} conflict with local edits in:\n` +
          plan.conflicts.map((path) => `  ${path}\n`).join('') +
          'nothing was changed; merge those files by hand (or revert the local edits) and run pull-upstream again\n',
      )
      return 1
    }
    applyPlan(repo, plan.actions)
    const commit = await commitImport(repo, options, upstream.commit, plan.actions, last)
    const what = last === undefined ? `imported ${options.sourcePrefix || '.'} at ${upstream.commit} into ${repo.dest}` : `updated ${repo.dest} from ${last.commit} to ${upstream.commit}`
    stdout.write(`${what}: ${plan.actions.length} ${plan.actions.length === 1 ? 'file' : 'files'} changed, commit ${commit}\n`)
    return 0
  } finally {
    rmSync(upstream.dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// git

interface GitRun {
  readonly code: number
  readonly stdout: Buffer
  readonly stderr: string
}

/** Runs git without a shell; a non-zero exit fails unless `allowFailure`. */
function git(cwd: string, args: readonly string[], options: { input?: string | Buffer; allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<GitRun> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env, ...options.env }
    const child = execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: 1 << 30, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined
      if (code === undefined) {
        const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT'
        reject(missing ? new ConfigError('pull-upstream needs the git command on PATH') : new ConnectorError(`git ${args[0]} failed: ${messageOf(error)}`))
        return
      }
      const text = stderr.toString('utf8').trim()
      if (code !== 0 && options.allowFailure !== true) reject(new ConnectorError(`git ${args.join(' ')} failed (exit ${code})${text === '' ? '' : `: ${text}`}`))
      else resolvePromise({ code, stdout, stderr: text })
    })
    child.stdin?.on('error', () => {}) // git may exit before reading all its input; its exit code tells
    child.stdin?.end(options.input ?? '')
  })
}

async function gitText(cwd: string, args: readonly string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return (await git(cwd, args, options)).stdout.toString('utf8')
}

// ---------------------------------------------------------------------------------------------
// this repository

interface Repository {
  /** The work tree's top level. */
  readonly top: string
  /** The destination folder relative to the top level (posix). */
  readonly dest: string
  readonly destPath: string
}

async function openRepository(cwd: string, dest: string): Promise<Repository> {
  const inside = await git(cwd, ['rev-parse', '--is-inside-work-tree'], { allowFailure: true })
  if (inside.code !== 0 || inside.stdout.toString().trim() !== 'true') throw new ConfigError(`${resolve(cwd)} is not inside a git work tree`)
  const top = (await gitText(cwd, ['rev-parse', '--show-toplevel'])).trim()
  const here = (await gitText(cwd, ['rev-parse', '--show-prefix'])).trim()
  if (isAbsolute(dest)) throw new UsageError(`DEST_PREFIX ${JSON.stringify(dest)} must be a relative path`)
  const relative = cleanPrefix(posix.join(here, dest.replaceAll('\\', '/')), 'DEST_PREFIX', dest)
  if (relative === '' || relative === '.git' || relative.startsWith('.git/')) throw new UsageError(`DEST_PREFIX ${JSON.stringify(dest)} must be a folder below the repository's top level`)
  return { top, dest: relative, destPath: join(top, relative) }
}

/** Refuses staged or unstaged changes anywhere, and untracked files in the destination. */
async function refuseDirty(repo: Repository): Promise<void> {
  const status = await gitText(repo.top, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])
  const entries = status.split('\0')
  const dirty: string[] = []
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as string
    if (entry.length < 4) continue
    const [xy, path] = [entry.slice(0, 2), entry.slice(3)]
    if (xy[0] === 'R' || xy[0] === 'C') i++ // the source of a rename or copy follows
    if (xy === '??' && !within(path, repo.dest)) continue
    dirty.push(path)
  }
  if (dirty.length > 0) {
    throw new ConfigError(`the work tree has uncommitted changes; commit or stash them first:\n${dirty.map((path) => `  ${path}`).join('\n')}`)
  }
}

function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`)
}

// ---------------------------------------------------------------------------------------------
// import records (commit trailers)

const TRAILER = {
  repository: 'Upstream-Repository',
  ref: 'Upstream-Ref',
  commit: 'Upstream-Commit',
  prefix: 'Upstream-Prefix',
  destination: 'Upstream-Destination',
  license: 'Upstream-License',
} as const

interface ImportRecord {
  /** The local commit that made the import. */
  readonly at: string
  /** The upstream commit it imported. */
  readonly commit: string
  /** The upstream folder it imported ('' for the root). */
  readonly prefix: string
}

/** The newest commit reachable from HEAD whose trailers record an import into the destination. */
async function lastImport(repo: Repository): Promise<ImportRecord | undefined> {
  const head = await git(repo.top, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { allowFailure: true })
  if (head.code !== 0) return undefined
  const log = await gitText(repo.top, ['log', '--fixed-strings', `--grep=${TRAILER.destination}:`, '--format=%H%x1f%(trailers:only,unfold)%x1e', 'HEAD'])
  for (const record of log.split('\x1e')) {
    const [at, block] = record.trim().split('\x1f')
    if (at === undefined || block === undefined) continue
    const trailers = parseTrailers(block)
    if (trailers.get(TRAILER.destination) !== repo.dest) continue
    const commit = trailers.get(TRAILER.commit)
    if (commit === undefined || !/^[0-9a-f]{40,64}$/.test(commit)) throw new ConfigError(`commit ${at} imports ${repo.dest} but has no valid ${TRAILER.commit} trailer`)
    return { at, commit, prefix: cleanPrefix(trailers.get(TRAILER.prefix) ?? '.', TRAILER.prefix) }
  }
  return undefined
}

function parseTrailers(block: string): Map<string, string> {
  const trailers = new Map<string, string>()
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0 && !trailers.has(line.slice(0, colon).trim())) trailers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return trailers
}

/** The repository as the import records it: an absolute path for a local one, a URL without credentials. */
function recordedSource(source: string, cwd: string): string {
  const local = localSource(source, cwd)
  if (local !== undefined) return local
  try {
    const url = new URL(source)
    if (url.username === '' && url.password === '') return source
    url.username = ''
    url.password = ''
    return url.href
  } catch {
    return source // scp-like user@host:path
  }
}

function localSource(source: string, cwd: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return undefined
  const path = resolve(cwd, source)
  return existsSync(path) ? path : undefined
}

// ---------------------------------------------------------------------------------------------
// the upstream

interface Upstream {
  /** A temporary bare repository holding the fetched commits. */
  readonly dir: string
  /** The commit SOURCE_REF resolved to. */
  readonly commit: string
}

/** Fetches SOURCE_REF (and the last imported commit, when there is one) into a temporary repository. */
async function fetchUpstream(options: PullUpstreamOptions, base: string | undefined): Promise<Upstream> {
  const cwd = options.cwd ?? process.cwd()
  const local = localSource(options.source, cwd)
  const url = local === undefined ? options.source : pathToFileURL(local).href
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-upstream-'))
  try {
    await git(dir, ['init', '-q', '--bare'])
    const fetched = await git(dir, ['fetch', '-q', '--no-tags', '--depth=1', url, options.ref], { allowFailure: true })
    if (fetched.code !== 0) throw new ConfigError(`cannot fetch ${options.ref} from ${options.source}: ${fetched.stderr}`)
    const commit = (await gitText(dir, ['rev-parse', 'FETCH_HEAD^{commit}'])).trim()
    if (base !== undefined && base !== commit) await fetchBase(dir, url, options, base)
    return { dir, commit }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** The last imported commit: by its SHA, or else from the full history of SOURCE_REF. */
async function fetchBase(dir: string, url: string, options: PullUpstreamOptions, base: string): Promise<void> {
  const bySha = await git(dir, ['fetch', '-q', '--no-tags', '--depth=1', url, base], { allowFailure: true })
  if (bySha.code === 0) return
  await git(dir, ['fetch', '-q', '--no-tags', '--unshallow', url, options.ref], { allowFailure: true })
  const present = await git(dir, ['cat-file', '-e', `${base}^{commit}`], { allowFailure: true })
  if (present.code !== 0) throw new ConfigError(`cannot fetch ${base}, the upstream commit of the last import, from ${options.source}: ${bySha.stderr}`)
}

/** A tree entry: its mode and object id. */
interface Entry {
  readonly mode: string
  readonly id: string
}

/** A path (relative to the prefix) that changed upstream: absent `base` is an addition, absent `next` a deletion. */
interface Change {
  readonly path: string
  readonly base?: Entry
  readonly next?: Entry
}

const isGitlink = (entry: Entry | undefined) => entry?.mode === '160000'

function treeish(commit: string, prefix: string): string {
  return prefix === '' ? `${commit}^{tree}` : `${commit}:${prefix}`
}

async function requireTree(upstream: Upstream, commit: string, prefix: string): Promise<void> {
  const type = await git(upstream.dir, ['cat-file', '-t', treeish(commit, prefix)], { allowFailure: true })
  if (type.code !== 0 || type.stdout.toString().trim() !== 'tree') throw new ConfigError(`${prefix} is not a folder of the upstream at ${commit}`)
}

/** What changed upstream: every file of the prefix on a first import, else the diff since the last one. */
async function upstreamChanges(upstream: Upstream, prefix: string, last: ImportRecord | undefined): Promise<Change[]> {
  await requireTree(upstream, upstream.commit, prefix)
  if (last === undefined) {
    const listing = await gitText(upstream.dir, ['ls-tree', '-r', '-z', '--full-tree', treeish(upstream.commit, prefix)])
    return listing.split('\0').filter((line) => line !== '').map((line) => {
      const [meta, path] = splitOnce(line, '\t')
      const [mode, , id] = meta.split(' ') as [string, string, string]
      return { path, next: { mode, id } }
    })
  }
  await requireTree(upstream, last.commit, last.prefix)
  const diff = await gitText(upstream.dir, ['diff-tree', '-r', '-z', '--no-renames', treeish(last.commit, last.prefix), treeish(upstream.commit, prefix)])
  const fields = diff.split('\0')
  const changes: Change[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [baseMode, nextMode, baseId, nextId] = (fields[i] as string).slice(1).split(' ') as [string, string, string, string]
    const path = fields[i + 1] as string
    changes.push({ path, ...(/^0+$/.test(baseMode) ? {} : { base: { mode: baseMode, id: baseId } }), ...(/^0+$/.test(nextMode) ? {} : { next: { mode: nextMode, id: nextId } }) })
  }
  return changes
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator)
  return [text.slice(0, at), text.slice(at + 1)]
}

/** Reads blobs of the upstream by id, in one `git cat-file --batch`. */
async function readBlobs(upstream: Upstream, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(ids)]
  const blobs = new Map<string, Buffer>()
  if (unique.length === 0) return blobs
  const out = (await git(upstream.dir, ['cat-file', '--batch'], { input: unique.map((id) => `${id}\n`).join('') })).stdout
  let at = 0
  for (const id of unique) {
    const newline = out.indexOf(0x0a, at)
    const size = Number(out.subarray(at, newline).toString().split(' ')[2])
    blobs.set(id, out.subarray(newline + 1, newline + 1 + size))
    at = newline + 1 + size + 1
  }
  return blobs
}

// ---------------------------------------------------------------------------------------------
// the three-way merge

/** A file as it is (or is to be): its mode as git writes it and its bytes (a symlink's target). */
interface FileState {
  readonly mode: string
  readonly content: Buffer
}

type Action = { readonly kind: 'write'; readonly path: string; readonly file: FileState } | { readonly kind: 'delete'; readonly path: string }

interface Plan {
  readonly actions: Action[]
  readonly conflicts: string[]
}

/** Merges every upstream change with the local file, in memory; nothing is written. */
async function planChanges(repo: Repository, upstream: Upstream, changes: readonly Change[]): Promise<Plan> {
  const blobs = await readBlobs(upstream, changes.flatMap((c) => [c.base?.id, c.next?.id].filter((id): id is string => id !== undefined)))
  const file = (entry: Entry | undefined): FileState | undefined => (entry === undefined ? undefined : { mode: entry.mode, content: blobs.get(entry.id) as Buffer })
  const actions: Action[] = []
  const conflicts: string[] = []
  const scratch = mkdtempSync(join(tmpdir(), 'flowkit-merge-'))
  try {
    for (const change of changes) {
      const path = posix.join(repo.dest, change.path)
      const local = readLocal(join(repo.top, path))
      const merged = await mergeFile(scratch, path, local, file(change.base), file(change.next))
      if (merged === 'conflict') conflicts.push(path)
      else if (merged === 'unchanged') continue
      else actions.push(merged === undefined ? { kind: 'delete', path } : { kind: 'write', path, file: merged })
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return { actions, conflicts }
}

/** The local file at a path; 'other' for something that is not a file or symlink (a folder). */
function readLocal(path: string): FileState | undefined | 'other' {
  let stat
  try {
    stat = lstatSync(path)
  } catch {
    return undefined
  }
  if (stat.isSymbolicLink()) return { mode: '120000', content: Buffer.from(readlinkSync(path)) }
  if (!stat.isFile()) return 'other'
  return { mode: stat.mode & 0o111 ? '100755' : '100644', content: readFileSync(path) }
}

const same = (a: FileState | undefined, b: FileState | undefined) => a === b || (a !== undefined && b !== undefined && a.mode === b.mode && a.content.equals(b.content))

/**
 * The merge of one path: the file to write, undefined to delete it, 'unchanged' to leave it, or
 * 'conflict' when the local edit and the upstream change cannot both be kept.
 */
async function mergeFile(scratch: string, path: string, local: FileState | undefined | 'other', base: FileState | undefined, next: FileState | undefined): Promise<FileState | undefined | 'unchanged' | 'conflict'> {
  if (local === 'other') return 'conflict'
  if (same(local, next)) return 'unchanged'
  if (same(local, base)) return next
  if (local === undefined || base === undefined || next === undefined) return 'conflict'
  if ([local.mode, base.mode, next.mode].includes('120000')) return 'conflict'
  const mode = local.mode === base.mode ? next.mode : local.mode
  if (local.content.equals(base.content) || local.content.equals(next.content)) return { mode, content: next.content.equals(base.content) ? local.content : next.content }
  const files = ['local', 'base', 'upstream'].map((name) => join(scratch, name))
  writeFileSync(files[0] as string, local.content)
  writeFileSync(files[1] as string, base.content)
  writeFileSync(files[2] as string, next.content)
  const merged = await git(scratch, ['merge-file', '-p', '-L', path, '-L', 'last import', '-L', 'upstream', ...files], { allowFailure: true })
  return merged.code === 0 ? { mode, content: merged.stdout } : 'conflict'
}

// ---------------------------------------------------------------------------------------------
// writing and committing

function applyPlan(repo: Repository, actions: readonly Action[]): void {
  for (const action of actions) {
    const path = join(repo.top, action.path)
    rmSync(path, { force: true })
    if (action.kind === 'delete') {
      removeEmptyFolders(dirname(path), repo.top)
      continue
    }
    mkdirSync(dirname(path), { recursive: true })
    if (action.file.mode === '120000') symlinkSync(action.file.content.toString(), path)
    else writeFileSync(path, action.file.content, { mode: action.file.mode === '100755' ? 0o755 : 0o644 })
  }
}

function removeEmptyFolders(folder: string, top: string): void {
  for (let dir = folder; dir !== top && dir.startsWith(top) && readdirSync(dir).length === 0; dir = dirname(dir)) rmdirSync(dir)
}

/** Stages exactly the changed paths and commits them with the import's trailers; returns the commit. */
async function commitImport(repo: Repository, options: PullUpstreamOptions, commit: string, actions: readonly Action[], last: ImportRecord | undefined): Promise<string> {
  if (actions.length > 0) {
    const paths = actions.map((action) => action.path).join('\0')
    await git(repo.top, ['add', '--all', '--force', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: paths, env: { GIT_LITERAL_PATHSPECS: '1' } })
  }
  const source = recordedSource(options.source, options.cwd ?? process.cwd())
  const subject = last === undefined ? `Import ${repo.dest} from upstream ${commit.slice(0, 12)}` : `Update ${repo.dest} to upstream ${commit.slice(0, 12)}`
  const body =
    last === undefined
      ? `Imported ${options.sourcePrefix || 'the whole tree'} of ${source} at ${options.ref} with flowkit pull-upstream.`
      : `Applied the upstream changes of ${options.sourcePrefix || 'the whole tree'} between ${last.commit} and ${commit} (${options.ref}) with flowkit pull-upstream, merged with local edits.`
  const trailers = [
    [TRAILER.repository, source],
    [TRAILER.ref, options.ref],
    [TRAILER.commit, commit],
    [TRAILER.prefix, options.sourcePrefix || '.'],
    [TRAILER.destination, repo.dest],
    [TRAILER.license, options.license],
  ]
  const message = `${subject}\n\n${body}\n\n${trailers.map(([key, value]) => `${key}: ${value}`).join('\n')}\n`
  await git(repo.top, ['commit', '-q', '--allow-empty', '--cleanup=verbatim', '-F', '-'], { input: message })
  return (await gitText(repo.top, ['rev-parse', 'HEAD'])).trim()
}
