// flowkit pull-upstream: importing a folder of an upstream git repository as one commit with
// trailers, re-importing only the upstream changes since (merged with local edits), stopping on
// conflicts with nothing changed, and refusing a missing license, a dirty work tree and a
// destination that was never imported. The repositories are built in temp dirs.
import t from 'tap'
import type { Test } from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { flowkit, tempDir, type Run } from '../helpers/cli.ts'

const identity = {
  GIT_AUTHOR_NAME: 'Flowkit Test',
  GIT_AUTHOR_EMAIL: 'test@flowkit.invalid',
  GIT_COMMITTER_NAME: 'Flowkit Test',
  GIT_COMMITTER_EMAIL: 'test@flowkit.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}
const env = { ...process.env, ...identity }

/** Runs `flowkit` as a user would, in `cwd`. */
function runIn(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [flowkit, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim()
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', message)
  return git(dir, 'rev-parse', 'HEAD')
}

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} line ${i + 1}`).join('\n') + '\n'

/** An upstream repository with a connector under connectors/source-foo, and an empty local repository. */
function setup(t: Test) {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const upstream = join(dir, 'upstream')
  const local = join(dir, 'local')
  for (const repo of [upstream, local]) {
    mkdirSync(repo)
    git(repo, 'init', '-q', '-b', 'main')
  }
  write(upstream, {
    'connectors/source-foo/main.ts': lines('main', 20),
    'connectors/source-foo/README.md': '# source-foo\n',
    'connectors/source-foo/lib/util.ts': 'export const util = 1\n',
    'connectors/other/main.ts': 'other\n',
    'LICENSE': 'MIT\n',
  })
  const first = commitAll(upstream, 'upstream: first')
  write(local, { 'README.md': '# local\n' })
  commitAll(local, 'local: start')
  return { dir, upstream, local, first }
}

const importArgs = (upstream: string, ref: string) => ['pull-upstream', upstream, ref, 'connectors/source-foo', 'vendor/source-foo', '--license', 'MIT']

function trailers(repo: string, commit = 'HEAD'): Map<string, string> {
  const message = git(repo, 'log', '-1', '--format=%B', commit)
  const parsed = execFileSync('git', ['interpret-trailers', '--parse'], { cwd: repo, env, input: message, encoding: 'utf8' })
  return new Map(parsed.split('\n').filter((line) => line !== '').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]))
}

t.test('a first import commits the folder under DEST_PREFIX, once, with its trailers', async (t) => {
  const { upstream, local, first } = setup(t)
  const run = await runIn(local, importArgs(upstream, 'main'))
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /imported connectors\/source-foo at [0-9a-f]{40} into vendor\/source-foo: 3 files changed/)
  t.equal(readFileSync(join(local, 'vendor/source-foo/main.ts'), 'utf8'), lines('main', 20))
  t.equal(readFileSync(join(local, 'vendor/source-foo/lib/util.ts'), 'utf8'), 'export const util = 1\n')
  t.notOk(existsSync(join(local, 'vendor/source-foo/connectors')), 'the prefix is re-rooted, not nested')
  t.notOk(existsSync(join(local, 'vendor/other')), 'only SOURCE_PREFIX is imported')
  t.equal(git(local, 'rev-list', '--count', 'HEAD'), '2', 'one commit')
  t.equal(git(local, 'status', '--porcelain'), '', 'nothing left uncommitted')
  t.same(git(local, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['vendor/source-foo/README.md', 'vendor/source-foo/lib/util.ts', 'vendor/source-foo/main.ts'])
  const recorded = trailers(local)
  t.equal(recorded.get('Upstream-Repository'), upstream)
  t.equal(recorded.get('Upstream-Commit'), first)
  t.equal(recorded.get('Upstream-Prefix'), 'connectors/source-foo')
  t.equal(recorded.get('Upstream-Destination'), 'vendor/source-foo')
  t.equal(recorded.get('Upstream-License'), 'MIT')
  t.equal(recorded.get('Upstream-Ref'), 'main')
  t.same(git(upstream, 'for-each-ref').split('\n'), [`${first} commit\trefs/heads/main`], 'the upstream is untouched')
  t.equal(git(local, 'for-each-ref', '--format=%(refname)'), 'refs/heads/main', 'no temporary refs left behind')
})

t.test('a re-import applies only the upstream changes since the last import, keeping local edits', async (t) => {
  const { upstream, local, first } = setup(t)
  t.equal((await runIn(local, importArgs(upstream, first))).code, 0, 'first import by SHA')

  // Local edits: the README, and the top of main.ts.
  write(local, { 'vendor/source-foo/README.md': '# source-foo, as we run it\n', 'vendor/source-foo/main.ts': lines('main', 20).replace('main line 1\n', 'main line 1 (local)\n') })
  commitAll(local, 'local: edits')

  // Upstream changes: the bottom of main.ts, a new file, a deleted file, a file outside the prefix.
  write(upstream, {
    'connectors/source-foo/main.ts': lines('main', 20).replace('main line 20\n', 'main line 20 (upstream)\n'),
    'connectors/source-foo/new.ts': 'export const added = true\n',
    'connectors/other/main.ts': 'other, changed\n',
  })
  git(upstream, 'rm', '-q', 'connectors/source-foo/lib/util.ts')
  const second = commitAll(upstream, 'upstream: second')

  const run = await runIn(local, importArgs(upstream, 'main'))
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, new RegExp(`updated vendor/source-foo from ${first} to ${second}: 3 files changed`))
  t.equal(readFileSync(join(local, 'vendor/source-foo/README.md'), 'utf8'), '# source-foo, as we run it\n', 'a local edit of a file upstream left alone is kept')
  t.equal(readFileSync(join(local, 'vendor/source-foo/main.ts'), 'utf8'), lines('main', 20).replace('main line 1\n', 'main line 1 (local)\n').replace('main line 20\n', 'main line 20 (upstream)\n'), 'both edits of main.ts')
  t.equal(readFileSync(join(local, 'vendor/source-foo/new.ts'), 'utf8'), 'export const added = true\n')
  t.notOk(existsSync(join(local, 'vendor/source-foo/lib')), 'the deleted file and its empty folder are gone')
  t.notOk(existsSync(join(local, 'vendor/other')))
  t.equal(git(local, 'rev-list', '--count', 'HEAD'), '4', 'one more commit')
  t.equal(git(local, 'status', '--porcelain'), '')
  t.same(git(local, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['vendor/source-foo/lib/util.ts', 'vendor/source-foo/main.ts', 'vendor/source-foo/new.ts'])
  t.equal(trailers(local).get('Upstream-Commit'), second)

  const again = await runIn(local, importArgs(upstream, 'main'))
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, /up to date/)
  t.equal(git(local, 'rev-list', '--count', 'HEAD'), '4', 'nothing to commit when the upstream has not moved')
})

t.test('an upstream change that clashes with a local edit stops with the path listed and nothing changed', async (t) => {
  const { upstream, local } = setup(t)
  t.equal((await runIn(local, importArgs(upstream, 'main'))).code, 0)
  write(local, { 'vendor/source-foo/main.ts': lines('main', 20).replace('main line 10\n', 'main line 10 (local)\n') })
  const head = commitAll(local, 'local: edit line 10')

  write(upstream, {
    'connectors/source-foo/main.ts': lines('main', 20).replace('main line 10\n', 'main line 10 (upstream)\n'),
    'connectors/source-foo/README.md': '# source-foo v2\n',
  })
  commitAll(upstream, 'upstream: edit line 10')

  const run = await runIn(local, importArgs(upstream, 'main'))
  t.equal(run.code, 1, run.stderr)
  t.match(run.stderr, /conflict with local edits in:\n {2}vendor\/source-foo\/main\.ts\n/)
  t.notMatch(run.stderr, /README\.md/, 'only the conflicting path is listed')
  t.equal(git(local, 'rev-parse', 'HEAD'), head, 'nothing committed')
  t.equal(git(local, 'status', '--porcelain'), '', 'the work tree is as it was')
  t.equal(readFileSync(join(local, 'vendor/source-foo/main.ts'), 'utf8'), lines('main', 20).replace('main line 10\n', 'main line 10 (local)\n'))
  t.equal(readFileSync(join(local, 'vendor/source-foo/README.md'), 'utf8'), '# source-foo\n', 'the clean changes are not applied either')
})

t.test('refusals: no license, a dirty work tree, a destination never imported', async (t) => {
  const { upstream, local } = setup(t)
  const head = git(local, 'rev-parse', 'HEAD')

  const unlicensed = await runIn(local, importArgs(upstream, 'main').slice(0, -2))
  t.equal(unlicensed.code, 2, 'a usage error')
  t.match(unlicensed.stderr, /--license SPDX is required/)

  writeFileSync(join(local, 'README.md'), '# local, edited\n')
  const dirty = await runIn(local, importArgs(upstream, 'main'))
  t.equal(dirty.code, 1)
  t.match(dirty.stderr, /uncommitted changes[^]*\n {2}README\.md/)
  git(local, 'checkout', '-q', '--', 'README.md')

  write(local, { 'vendor/source-foo/mine.ts': 'mine\n' })
  commitAll(local, 'local: a folder of our own')
  const ours = await runIn(local, importArgs(upstream, 'main'))
  t.equal(ours.code, 1)
  t.match(ours.stderr, /vendor\/source-foo exists but was never imported/)
  t.equal(git(local, 'rev-list', '--count', 'HEAD'), '2', 'nothing committed by any refusal')
  t.equal(git(local, 'rev-parse', 'HEAD~1'), head)

  const help = await runIn(local, ['pull-upstream', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Upstream-Commit/)
})
