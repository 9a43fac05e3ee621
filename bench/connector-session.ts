/**
 * Runs one capture session of a connector process the way Flow's runtime does, for the
 * capture benchmarks: spawns `node [--import tsx] <script>` (FLOW_RUNTIME_CODEC=json, or unset
 * for protobuf), writes the internal Spec and an Open request on its stdin (encoded with
 * lib/protocol's captureRequest codec and lib/codec's framing), and reads its stdout to EOF.
 *
 * The connector's stdout is a pipe, as Flow's runtime gives it (tokio's piped stdio): a FIFO
 * made for the session. Node's own `stdio: 'pipe'` would give a UNIX socket pair, whose
 * ~200 KB buffer and wake-up rules differ from a pipe's 64 KiB, and would measure another
 * stream. stdin and stderr, which carry a few lines, are Node's socket pairs.
 *
 * The reader decodes the framing only, never a message: it counts bytes and frames, and tells
 * a Captured frame from a Checkpoint from an Opened one by the frame's first bytes (the JSON
 * line's first key, the protobuf frame's field tag). The session is timed from the arrival of
 * the chunk that holds the Opened frame to stdout's EOF, so process start-up and whatever the
 * connector prepares before Opened are not timed; the bytes and frames counted are those after
 * Opened. stdin stays open until stdout ends (closing it would stop the session).
 */
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import type { Readable, Writable } from 'node:stream'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeFrame, type Codec } from '../lib/codec/frames.ts'
import { captureRequest, captureResponse, type CaptureRequest } from '../lib/protocol/index.ts'

export type { Codec }

export interface SessionOptions {
  /** The connector's main file. */
  readonly script: string
  readonly codec: Codec
  /** BENCH_DOCUMENTS for the connector: documents it emits in the session. */
  readonly documents: number
  /** Read stdout at most this fast (a token bucket pausing and resuming the stream). */
  readonly readBytesPerSecond?: number
  /** Extra node flags for the connector process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[]
  /** Run the script through tsx (default), or with plain node (a bundled .mjs connector). */
  readonly tsx?: boolean
  readonly env?: Readonly<Record<string, string>>
  /** Fail (and kill the connector) when stdout stays silent this long; default 60 s. */
  readonly stallMs?: number
  /** The runtime's requests, instead of `sessionRequests`. */
  readonly requests?: readonly CaptureRequest[]
}

export interface SessionResult {
  /** Bytes after the Opened frame. */
  readonly bytes: number
  /** Frames after the Opened frame, of any kind. */
  readonly frames: number
  /** Captured frames. */
  readonly docs: number
  readonly checkpoints: number
  /** From the Opened frame's arrival to stdout EOF. */
  readonly seconds: number
  /** The connector's peak resident set, from the session summary it logs (process.resourceUsage().maxRSS). */
  readonly peakRssMB: number | undefined
}

/** Path of a connector script under bench/connectors/. */
export const connectorScript = (name: string): string => fileURLToPath(new URL(`./connectors/${name}`, import.meta.url))

const bindings = ['orders', 'refunds'].map((name) => ({
  resourceConfigJson: JSON.stringify({ name }),
  resourcePath: [name],
  stateKey: `${name}.v1`,
  collection: { name: `acmeCo/bench/${name}`, key: ['/id'] },
}))

/** The runtime's requests: the internal Spec, then Open with two bindings and empty state. */
export const sessionRequests: readonly CaptureRequest[] = [
  { spec: { connectorType: 7, configJson: '{}' } },
  {
    open: {
      capture: { name: 'acmeCo/bench/source', connectorType: 7, configJson: '{}', bindings },
      version: 'v1',
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: '{}',
    },
  },
]

function requestBytes(codec: Codec, requests: readonly CaptureRequest[]): Buffer {
  return Buffer.concat(requests.map((request) => encodeFrame(codec, captureRequest, request)))
}

export async function runBenchSession(options: SessionOptions): Promise<SessionResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', BENCH_DOCUMENTS: String(options.documents), ...options.env }
  if (options.codec === 'json') env.FLOW_RUNTIME_CODEC = 'json'
  else delete env.FLOW_RUNTIME_CODEC
  const input = requestBytes(options.codec, options.requests ?? sessionRequests)
  const { readFd, writeFd } = openPipe()
  let child: ChildProcessByStdio<Writable, null, Readable>
  try {
    const loader = options.tsx === false ? [] : ['--import', 'tsx']
    child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, options.script], {
      stdio: ['pipe', writeFd, 'pipe'],
      env,
    }) as ChildProcessByStdio<Writable, null, Readable>
  } finally {
    closeSync(writeFd) // the child holds the write end now: EOF comes when it exits
  }
  const stdout = new Socket({ fd: readFd, readable: true, writable: false })
  child.stdin.on('error', () => {}) // a connector may exit without reading all of stdin
  child.stdin.write(input)
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => (stderr += text))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal }))
  })

  const counter = new FrameCounter(options.codec)
  let openedAt: number | undefined
  const stallMs = options.stallMs ?? 60_000
  let stall: ReturnType<typeof setTimeout> | undefined
  const ended = new Promise<number>((resolve, reject) => {
    const rate = options.readBytesPerSecond
    let received = 0
    let throttleStart = 0
    const watch = () => {
      clearTimeout(stall)
      stall = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`${options.script}: no output for ${stallMs / 1000} s, killed:\n${stderr.split('\n').slice(-6).join('\n')}`))
      }, stallMs)
    }
    watch()
    stdout.on('data', (chunk: Buffer) => {
      watch()
      const now = performance.now()
      counter.push(chunk)
      if (openedAt === undefined && counter.opened) {
        openedAt = now
        throttleStart = now
      }
      if (rate !== undefined && openedAt !== undefined) {
        // Token bucket without burst: pause until the bytes read so far are within the rate.
        received += chunk.length
        const due = throttleStart + (received / rate) * 1000 - performance.now()
        if (due > 1) {
          stdout.pause()
          clearTimeout(stall)
          setTimeout(() => {
            watch()
            stdout.resume()
          }, due)
        }
      }
    })
    stdout.once('end', () => resolve(performance.now()))
    stdout.once('error', reject)
  })
  let endedAt: number
  try {
    endedAt = await ended
  } finally {
    clearTimeout(stall)
    child.stdin.end()
    stdout.destroy()
  }
  const { code, signal } = await exited
  const tail = () => stderr.split('\n').slice(-6).join('\n')
  if (code !== 0) throw new Error(`${options.script} exited with ${code ?? signal}:\n${tail()}`)
  if (openedAt === undefined) throw new Error(`${options.script} wrote no Opened frame:\n${tail()}`)
  counter.finish()
  return {
    bytes: counter.bytes - counter.bytesThroughOpened,
    frames: counter.framesAfterOpened,
    docs: counter.docs,
    checkpoints: counter.checkpoints,
    seconds: (endedAt - openedAt) / 1000,
    peakRssMB: peakRssOf(stderr),
  }
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

/** The peakRssMB of the last "capture session ended" log line. */
function peakRssOf(stderr: string): number | undefined {
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

type Kind = 'opened' | 'captured' | 'checkpoint' | 'other'

/** The first protobuf byte (field tag) of each kind of response, from the generated code. */
const protoTags = (() => {
  const tag = (response: Parameters<typeof captureResponse.toProto>[0]) => captureResponse.toProto(response)[0] as number
  return { opened: tag({ opened: {} }), captured: tag({ captured: { docJson: '{}' } }), checkpoint: tag({ checkpoint: {} }) }
})()

/** Two bytes of a JSON response line that tell its kind: the third and fourth (`{"op`, `{"ca`, `{"ch`). */
const jsonHeads = (() => {
  const head = (line: string) => (line.charCodeAt(2) << 8) | line.charCodeAt(3)
  return { opened: head('{"opened"'), captured: head('{"captured"'), checkpoint: head('{"checkpoint"') }
})()

/**
 * Counts the frames of a stream of response bytes and tells their kinds, reading only the
 * framing (newlines, or u32-LE length prefixes) and the first bytes of each frame. Chunks may
 * split frames anywhere.
 */
export class FrameCounter {
  readonly #json: boolean
  bytes = 0
  bytesThroughOpened = 0
  opened = false
  framesAfterOpened = 0
  docs = 0
  checkpoints = 0
  /** JSON: bytes of the current line seen (up to 4) and the 3rd and 4th of them. */
  #headSeen = 0
  #head = 0
  /** protobuf: bytes of the current length prefix seen, its value so far, body bytes left to skip. */
  #prefixSeen = 0
  #length = 0
  #skip = 0
  #needTag = false
  /** protobuf: the kind of the frame being skipped. */
  #kind: Kind = 'other'

  constructor(codec: Codec) {
    this.#json = codec === 'json'
  }

  push(chunk: Buffer): void {
    if (this.#json) this.#pushJson(chunk)
    else this.#pushProto(chunk)
    this.bytes += chunk.length
  }

  /** Whether the bytes so far end with a whole frame. */
  get atFrameBoundary(): boolean {
    return this.#json ? this.#headSeen === 0 : this.#prefixSeen === 0 && this.#skip === 0 && !this.#needTag
  }

  /** Throws if the stream ended inside a frame. */
  finish(): void {
    if (!this.atFrameBoundary) throw new Error('stdout ended inside a frame')
  }

  #frame(kind: Kind, endOffset: number): void {
    if (!this.opened) {
      if (kind === 'opened') {
        this.opened = true
        this.bytesThroughOpened = this.bytes + endOffset
      }
      return
    }
    this.framesAfterOpened++
    if (kind === 'captured') this.docs++
    else if (kind === 'checkpoint') this.checkpoints++
  }

  #pushJson(chunk: Buffer): void {
    const n = chunk.length
    let pos = 0
    while (pos < n) {
      while (this.#headSeen < 4 && pos < n && chunk[pos] !== 0x0a) {
        if (this.#headSeen >= 2) this.#head = (this.#head << 8) | (chunk[pos] as number)
        this.#headSeen++
        pos++
      }
      const newline = chunk.indexOf(0x0a, pos)
      if (newline < 0) return
      const head = this.#head
      this.#frame(
        head === jsonHeads.captured ? 'captured' : head === jsonHeads.checkpoint ? 'checkpoint' : head === jsonHeads.opened ? 'opened' : 'other',
        newline + 1,
      )
      this.#headSeen = 0
      this.#head = 0
      pos = newline + 1
    }
  }

  #pushProto(chunk: Buffer): void {
    const n = chunk.length
    let pos = 0
    while (pos < n) {
      if (this.#needTag) {
        this.#needTag = false
        this.#kind = kindOfTag(chunk[pos] as number)
      }
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, n - pos)
        this.#skip -= take
        pos += take
        if (this.#skip === 0) this.#frame(this.#kind, pos)
        continue
      }
      // Whole frames inside the chunk, read in place (the common case).
      while (this.#prefixSeen === 0 && pos + 5 <= n) {
        const length = (chunk[pos] as number) + ((chunk[pos + 1] as number) << 8) + ((chunk[pos + 2] as number) << 16) + (chunk[pos + 3] as number) * 0x1000000
        if (length === 0 || pos + 4 + length > n) break
        this.#frame(kindOfTag(chunk[pos + 4] as number), pos + 4 + length)
        pos += 4 + length
      }
      if (pos >= n) return
      // A length prefix, u32 little-endian, possibly split across chunks.
      while (this.#prefixSeen < 4 && pos < n) {
        this.#length += (chunk[pos] as number) * 2 ** (8 * this.#prefixSeen)
        this.#prefixSeen++
        pos++
      }
      if (this.#prefixSeen < 4) return
      this.#prefixSeen = 0
      this.#skip = this.#length
      this.#length = 0
      if (this.#skip === 0) this.#frame('other', pos)
      else if (pos < n) this.#kind = kindOfTag(chunk[pos] as number)
      else this.#needTag = true
    }
  }
}

function kindOfTag(tag: number): Kind {
  return tag === protoTags.captured ? 'captured' : tag === protoTags.checkpoint ? 'checkpoint' : tag === protoTags.opened ? 'opened' : 'other'
}
