/**
 * One capture session of a connector process, run for a benchmark the way Flow's runtime runs
 * it: the process is spawned with the codec's environment, the runtime's requests (internal
 * Spec, Open) are written on its stdin, and its stdout is read to EOF, counting bytes and
 * frames (FrameCounter) without decoding a message.
 *
 * The connector's stdout is a pipe, as Flow's runtime gives it (tokio's piped stdio): a FIFO
 * made for the session. Node's own `stdio: 'pipe'` would give a UNIX socket pair, whose
 * ~200 KB buffer and wake-up rules differ from a pipe's 64 KiB, and would measure another
 * stream. stdin and stderr, which carry a few lines, are Node's socket pairs.
 *
 * The session is timed from the arrival of the chunk that holds the Opened frame to stdout's
 * EOF, so process start-up and whatever the connector prepares before Opened are not timed;
 * the bytes and frames counted are those after Opened. stdin stays open until stdout ends
 * (closing it would stop the session). The peak resident set comes from the connector's
 * session summary log line ("capture session ended", fields.peakRssMB), when it writes one.
 */
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { encodeFrame, type Codec } from '../codec/frames.ts'
import { ConnectorError } from '../errors.ts'
import { captureRequest, type CaptureRequest } from '../protocol/index.ts'
import { FrameCounter } from './frame-counter.ts'

export interface BenchSessionOptions {
  /** The program to spawn, and its arguments. */
  readonly command: string
  readonly args: readonly string[]
  readonly codec: Codec
  /** The runtime's requests, written on stdin at start (internal Spec, then Open). */
  readonly requests: readonly CaptureRequest[]
  /** Added to this process's environment (LOG_LEVEL=info, FLOW_RUNTIME_CODEC set by `codec`). */
  readonly env?: Readonly<Record<string, string>>
  /** Read stdout at most this fast (a token bucket pausing and resuming the stream). */
  readonly readBytesPerSecond?: number
  /** Fail (and kill the connector) when stdout stays silent this long; default 60 s. */
  readonly stallMs?: number
  /** How errors name the connector; default its last argument. */
  readonly name?: string
}

export interface BenchSessionResult {
  /** Bytes after the Opened frame. */
  readonly bytes: number
  /** Frames after the Opened frame, of any kind. */
  readonly frames: number
  /** Captured frames. */
  readonly docs: number
  readonly checkpoints: number
  /** From the Opened frame's arrival to stdout EOF. */
  readonly seconds: number
  /** The connector's peak resident set, from the session summary it logs. */
  readonly peakRssMB: number | undefined
}

/** Runs the session to stdout's EOF; fails with a ConnectorError naming the connector and its last log lines. */
export async function runBenchSession(options: BenchSessionOptions): Promise<BenchSessionResult> {
  const name = options.name ?? options.args.at(-1) ?? options.command
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...options.env }
  if (options.codec === 'json') env.FLOW_RUNTIME_CODEC = 'json'
  else delete env.FLOW_RUNTIME_CODEC
  const { readFd, writeFd } = openPipe()
  let child: ChildProcessByStdio<Writable, null, Readable>
  try {
    child = spawn(options.command, options.args, { stdio: ['pipe', writeFd, 'pipe'], env }) as ChildProcessByStdio<Writable, null, Readable>
  } finally {
    closeSync(writeFd) // the child holds the write end now: EOF comes when it exits
  }
  const stdout = new Socket({ fd: readFd, readable: true, writable: false })
  child.stdin.on('error', () => {}) // a connector may exit without reading all of stdin
  child.stdin.write(Buffer.concat(options.requests.map((request) => encodeFrame(options.codec, captureRequest, request))))
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => (stderr += text))
  const tail = () => stderr.split('\n').slice(-6).join('\n')
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal }))
  })

  const counter = new FrameCounter(options.codec)
  const reading = readOutput(stdout, counter, options, () => {
    child.kill('SIGKILL')
    return new ConnectorError(`${name}: no output for ${(options.stallMs ?? 60_000) / 1000} s, killed:\n${tail()}`)
  })
  let timing: { openedAt: number | undefined; endedAt: number }
  try {
    timing = await reading
  } finally {
    child.stdin.end()
    stdout.destroy()
  }
  const { code, signal } = await exited
  if (code !== 0) throw new ConnectorError(`${name} exited with ${code ?? signal}:\n${tail()}`, { signal })
  if (timing.openedAt === undefined) throw new ConnectorError(`${name} wrote no Opened frame:\n${tail()}`)
  counter.finish()
  return {
    bytes: counter.bytes - counter.bytesThroughOpened,
    frames: counter.framesAfterOpened,
    docs: counter.docs,
    checkpoints: counter.checkpoints,
    seconds: (timing.endedAt - timing.openedAt) / 1000,
    peakRssMB: peakRssOf(stderr),
  }
}

/** Reads stdout to EOF into `counter`, throttled to `readBytesPerSecond`; resolves to when Opened arrived and when EOF did. */
function readOutput(stdout: Socket, counter: FrameCounter, options: BenchSessionOptions, stalled: () => Error) {
  const stallMs = options.stallMs ?? 60_000
  const rate = options.readBytesPerSecond
  let stall: ReturnType<typeof setTimeout> | undefined
  let openedAt: number | undefined
  return new Promise<{ openedAt: number | undefined; endedAt: number }>((resolve, reject) => {
    let received = 0
    const watch = () => {
      clearTimeout(stall)
      stall = setTimeout(() => reject(stalled()), stallMs)
    }
    watch()
    stdout.on('data', (chunk: Buffer) => {
      watch()
      const now = performance.now()
      counter.push(chunk)
      if (openedAt === undefined && counter.opened) openedAt = now
      if (rate === undefined || openedAt === undefined) return
      // Token bucket without burst: pause until the bytes read so far are within the rate.
      received += chunk.length
      const due = openedAt + (received / rate) * 1000 - performance.now()
      if (due <= 1) return
      stdout.pause()
      clearTimeout(stall)
      setTimeout(() => {
        watch()
        stdout.resume()
      }, due)
    })
    stdout.once('end', () => resolve({ openedAt, endedAt: performance.now() }))
    stdout.once('error', reject)
  }).finally(() => clearTimeout(stall))
}

/**
 * A pipe for the connector's stdout: a FIFO in a fresh temporary directory, opened for
 * reading (without blocking, as no writer exists yet) and then for writing, and unlinked.
 */
function openPipe(): { readFd: number; writeFd: number } {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-bench-'))
  try {
    const path = join(dir, 'stdout')
    execFileSync('mkfifo', ['-m', '600', path])
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    const writeFd = openSync(path, constants.O_WRONLY)
    return { readFd, writeFd }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The peakRssMB of the last "capture session ended" log line in a connector's stderr. */
export function peakRssOf(stderr: string): number | undefined {
  let peak: number | undefined
  for (const line of stderr.split('\n')) {
    if (!line.includes('"capture session ended"')) continue
    try {
      const fields = (JSON.parse(line) as { fields?: { peakRssMB?: unknown } }).fields
      if (typeof fields?.peakRssMB === 'number') peak = fields.peakRssMB
    } catch {
      // not a log line of ours
    }
  }
  return peak
}
