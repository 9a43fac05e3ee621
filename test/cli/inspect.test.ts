// `--inspect`: the connector runs under Node's inspector and waits for a debugger. Port 0 lets
// node pick a free port, which it prints; the test checks that the inspector answers there,
// that nothing runs until a debugger lets it, and that once one does the command completes.
import t from 'tap'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { extractInspect, parseInspectAddress } from '../../lib/cli/source-options.ts'
import { helloCatalog, helloCopy, runCli, startCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

interface Watched {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  readonly closed: Promise<number | null>
}

function watch(args: string[]): Watched {
  const child = startCli(args)
  const watched: Watched = {
    child,
    stdout: '',
    stderr: '',
    closed: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  }
  child.stdout?.on('data', (chunk: Buffer) => (watched.stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (watched.stderr += chunk.toString()))
  return watched
}

/** Resolves with the match once `pattern` is in the stderr read so far; rejects after `ms`. */
async function waitFor(watched: Watched, pattern: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms
  for (;;) {
    const match = pattern.exec(watched.stderr)
    if (match) return match
    if (Date.now() > deadline || watched.child.exitCode !== null) throw new Error(`no ${pattern} in stderr: ${watched.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** What a debugger does first: lets a process started with --inspect-brk run (Runtime.runIfWaitingForDebugger), then leaves. */
function release(webSocketUrl: string): Promise<number | null> {
  const script = `
    const socket = new WebSocket(process.argv[1])
    socket.onopen = () => socket.send(JSON.stringify({ id: 1, method: 'Runtime.runIfWaitingForDebugger' }))
    socket.onmessage = (event) => { if (JSON.parse(event.data).id === 1) socket.close() }
    socket.onclose = () => process.exit(0)
    socket.onerror = (error) => { console.error(error.message); process.exit(1) }
  `
  const flags = typeof WebSocket === 'undefined' ? ['--experimental-websocket'] : []
  const child = spawn(process.execPath, [...flags, '-e', script, webSocketUrl], { stdio: 'inherit' })
  return new Promise((resolve) => child.on('close', (code) => resolve(code)))
}

const LISTENING = /^INFO Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f-]+\nflowkit: the connector waits for a debugger at 127\.0\.0\.1:(\d+) before it starts/m

t.test('raw spec --inspect: the connector waits for a debugger, and answers once one lets it run', async (t) => {
  const cli = watch(['raw', 'spec', '--source', helloCatalog, '--inspect=127.0.0.1:0'])
  const [, port, told] = await waitFor(cli, LISTENING)
  t.equal(told, port, 'the CLI names the port node picked')

  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[]
  t.equal(targets.length, 1, 'one inspector target')
  t.match(targets[0]?.webSocketDebuggerUrl, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/`))

  await new Promise((resolve) => setTimeout(resolve, 1000))
  t.equal(cli.stdout, '', 'no response while it waits')
  t.equal(cli.child.exitCode, null, 'still waiting')

  t.equal(await release(targets[0]?.webSocketDebuggerUrl as string), 0)
  t.equal(await cli.closed, 0, cli.stderr)
  t.equal(JSON.parse(cli.stdout).spec.protocol, 3032023)
  t.match(cli.stderr, /^INFO Debugger attached\.$/m, "the inspector's lines are forwarded, readable")
})

t.test('preview --inspect: no document is printed while the connector waits', async (t) => {
  const cli = watch(['preview', '--source', helloCatalog, '--inspect=127.0.0.1:0', '--status-interval', '0'])
  const [, port] = await waitFor(cli, LISTENING)
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as unknown[]
  t.equal(targets.length, 1, 'an inspector answers')
  await new Promise((resolve) => setTimeout(resolve, 1000))
  t.equal(cli.stdout, '', 'no documents')
  // Stop it as Ctrl-C in a terminal would: the connector (paused before its first line, so
  // with no handler of its own yet) and the CLI both get SIGINT.
  const connectors = childrenOf(cli.child.pid as number)
  t.equal(connectors.length, 1, 'one connector process')
  // The connector's death is seen first here, as it may be in a terminal; the CLI's own
  // SIGINT comes after it and must not kill it before it reports how it ended.
  for (const pid of connectors) process.kill(pid, 'SIGINT')
  await new Promise((resolve) => setTimeout(resolve, 300))
  cli.child.kill('SIGINT')
  const code = await cli.closed
  t.equal(code, 130, cli.stderr)
  t.notMatch(cli.stderr, /flowkit preview:/, 'an interruption, not a failure')
})

t.test('--inspect needs a command that runs node', async (t) => {
  const source = helloCopy(dir, 'npx.flow.yaml', (_catalog, local) => (local.command = ['npx', 'tsx', 'examples/source-hello/main.ts']))
  const run = await runCli(['raw', 'spec', '--source', source, '--inspect'])
  t.equal(run.code, 2)
  t.match(run.stderr, /^flowkit raw spec: --inspect needs the connector's command to start node itself, .* starts "npx": .*\["node", "--import", "tsx", "main\.ts"\]/)
})

t.test('--inspect addresses', async (t) => {
  t.same(extractInspect(['spec', '--inspect', '--source', 'f']), { args: ['spec', '--source', 'f'], inspect: '127.0.0.1:9229' })
  t.same(extractInspect(['--inspect=9230']), { args: [], inspect: '127.0.0.1:9230' })
  t.same(extractInspect(['--inspect=0.0.0.0:9229']), { args: [], inspect: '0.0.0.0:9229' })
  t.same(extractInspect(['--source', 'f']), { args: ['--source', 'f'] })
  t.same(extractInspect(['--', '--inspect']), { args: ['--', '--inspect'] }, 'not after --')
  t.equal(parseInspectAddress('[::1]:9229'), '[::1]:9229')
  t.equal(parseInspectAddress('localhost:0'), 'localhost:0')
  t.throws(() => parseInspectAddress('127.0.0.1:99999'), { code: 'USAGE' })
  t.throws(() => parseInspectAddress('127.0.0.1:'), { code: 'USAGE' })

  const bad = await runCli(['preview', '--source', helloCatalog, '--inspect=:x'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^flowkit preview: --inspect takes \[HOST:\]PORT, e\.g\. --inspect=127\.0\.0\.1:9229 or --inspect=9230; got ":x"\n$/)
})

/** Child processes of `pid`. */
function childrenOf(pid: number): number[] {
  return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => n > 0)
}
