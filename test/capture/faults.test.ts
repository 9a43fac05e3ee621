// Faults at a capture connector's process boundary, each against a real connector process whose
// pipes the test holds directly: a reader that closes stdout, SIGTERM mid-transaction, stdin
// cut mid-frame, a reader that stops reading, a source that throws mid-transaction or ignores
// its signal, and acknowledgements Flow never sends.
import t, { type Test } from 'tap'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { Buffer } from 'node:buffer'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { decodeFrames, encodeFrame, type Codec } from '../../lib/codec/frames.ts'
import { captureRequest, captureResponse, type CaptureRequest, type CaptureResponse } from '../../lib/protocol/index.ts'

const fixture = fileURLToPath(new URL('../fixtures/capture-scenarios.ts', import.meta.url))

interface Raw {
  readonly child: ChildProcessWithoutNullStreams
  send(request: CaptureRequest): void
  /** stdout bytes received so far (while the test reads it). */
  readonly stdout: Buffer[]
  /** Checkpoints decoded so far (with `ack`, each is acknowledged as it arrives). */
  checkpoints: number
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; logs: { level: string; message: string; fields?: Record<string, unknown> }[]; stderr: string; ms: number }>
}

function openRequest(config: object): CaptureRequest {
  return {
    open: {
      capture: { name: 'test/faults', connectorType: 8, configJson: JSON.stringify(config), bindings: [{ resourceConfigJson: '{"name":"a"}', resourcePath: ['a'], stateKey: 'a' }] },
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: '{}',
    },
  }
}

/** Starts the scenario connector (killed when `t` ends) with its stdout read into `stdout` (unless `read` is false), and sends Spec and Open. */
function start(t: Test, codec: Codec, config: object, options: { read?: boolean; open?: boolean; ack?: boolean } = {}): Raw {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, FLOW_RUNTIME_CODEC: codec === 'json' ? 'json' : '', LOG_LEVEL: 'info' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  // A test that fails before its connector ends must not leave it running (the file would never end).
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const started = Date.now()
  const stdout: Buffer[] = []
  // stdout is decoded as it arrives, to count (and acknowledge) checkpoints without re-reading it.
  const queue: Buffer[] = []
  let wake: (() => void) | undefined
  let ended = false
  async function* chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = queue.shift()
      if (chunk !== undefined) yield chunk
      else if (ended) return
      else await new Promise<void>((resolve) => (wake = resolve))
    }
  }
  if (options.read !== false) {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk)
      queue.push(chunk)
      wake?.()
    })
    child.stdout.on('close', () => {
      ended = true
      wake?.()
    })
  }
  const decode = async () => {
    for await (const batch of decodeFrames(chunks(), codec, captureResponse)) {
      const n = batch.filter((m) => m.checkpoint).length
      raw.checkpoints += n
      if (n > 0 && options.ack && child.stdin.writable) raw.send({ acknowledge: { checkpoints: n } })
    }
  }
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  child.stdin.on('error', () => {}) // the connector may exit before reading everything
  const exited = new Promise<Awaited<Raw['exited']>>((resolve) => {
    child.on('close', (code, signal) => {
      const logs = stderr
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          try {
            return JSON.parse(line) as { level: string; message: string; fields?: Record<string, unknown> }
          } catch {
            return { level: 'raw', message: line }
          }
        })
      resolve({ code, signal, logs, stderr, ms: Date.now() - started })
    })
  })
  const raw: Raw = { child, stdout, checkpoints: 0, exited, send: (request) => child.stdin.write(encodeFrame(codec, captureRequest, request)) }
  if (options.read !== false) decode().catch(() => {})
  raw.send({ spec: { connectorType: 8, configJson: '{}' } })
  if (options.open !== false) raw.send(openRequest(config))
  return raw
}

/** Every response in `bytes`, and whether they end on a frame boundary. */
async function responses(codec: Codec, bytes: Buffer): Promise<{ messages: CaptureResponse[]; whole: boolean }> {
  const messages: CaptureResponse[] = []
  try {
    for await (const batch of decodeFrames([bytes], codec, captureResponse)) messages.push(...batch)
  } catch (error) {
    if ((error as { code?: string }).code === 'FRAME_TRUNCATED') return { messages, whole: false }
    throw error
  }
  return { messages, whole: true }
}

const kinds = (list: CaptureResponse[]) => list.map((r) => Object.keys(r)[0])
const docIds = (list: CaptureResponse[]) => list.filter((r) => r.captured).map((r) => (JSON.parse(r.captured?.docJson ?? '{}') as { id: number }).id)

/** Waits until the connector has written a checkpoint. */
async function firstCheckpoint(c: Raw): Promise<void> {
  await until(() => c.checkpoints > 0)
}

// Deadlines are generous: they only turn a stuck connector into a failure (a loaded machine may start one slowly).
async function until(condition: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await sleep(10)
  }
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: stdout closed by its reader (EPIPE) ends the connector cleanly, with one clear log line`, async (t) => {
    const c = start(t, codec, { scenario: 'bulk', count: 0 }, { ack: true })
    await until(() => Buffer.concat(c.stdout).length > 100_000)
    c.child.stdout.destroy()
    const { code, logs } = await c.exited
    const errors = logs.filter((log) => log.level === 'error' || log.level === 'raw')
    t.equal(errors.length, 1, `one error line: ${JSON.stringify(errors)}`)
    t.match(errors[0]?.message, /stdout .*closed.*EPIPE/i, 'it says what happened')
    t.notMatch(JSON.stringify(errors[0]), /at .*\.(ts|js):\d+/, 'no stack trace')
    t.equal(logs.at(-1)?.level, 'error', 'it is the last line')
    t.equal(code, 1)
  })

  t.test(`${codec}: SIGTERM in the middle of a transaction leaves a whole last frame, and ends after a checkpoint`, async (t) => {
    // Transactions of 500 documents of 20 KB: the signal lands inside one.
    const c = start(t, codec, { scenario: 'bulk', count: 0, padding: 20_000, every: 500 }, { ack: true })
    await until(() => Buffer.concat(c.stdout).length > 3_000_000)
    c.child.kill('SIGTERM')
    const { code, logs } = await c.exited
    const { messages, whole } = await responses(codec, Buffer.concat(c.stdout))
    t.ok(whole, 'stdout ends on a frame boundary')
    t.equal(kinds(messages).at(-1), 'checkpoint', 'the last frame is a checkpoint')
    t.equal(code, 0, JSON.stringify(logs.at(-1)))
    const ids = docIds(messages)
    t.same(ids, Array.from({ length: ids.length }, (_, i) => i + 1), 'documents in order, none lost or repeated')
  })

  t.test(`${codec}: stdin closed in the middle of a frame is a coded error, the last log line`, async (t) => {
    const c = start(t, codec, {}, { open: false })
    const frame = encodeFrame(codec, captureRequest, openRequest({ scenario: 'endless' }))
    c.child.stdin.end(frame.subarray(0, Math.floor(frame.length / 2)))
    const { code, logs } = await c.exited
    t.equal(code, 1)
    t.equal(logs.at(-1)?.level, 'error')
    t.equal(logs.at(-1)?.fields?.code, 'FRAME_TRUNCATED', logs.at(-1)?.message ?? 'no log')
  })

  t.test(`${codec}: a reader that stops reading blocks the connector with flat memory; it resumes and nothing is lost`, async (t) => {
    // 20,000 documents of 2 KB (40 MB) against a reader that pauses for a second twice.
    const c = start(t, codec, { scenario: 'bulk', count: 20_000, padding: 2000, every: 1000 }, { ack: true })
    const received = () => Buffer.concat(c.stdout)
    await until(() => received().length > 5_000_000)
    for (let pause = 0; pause < 2; pause++) {
      c.child.stdout.pause()
      await sleep(300)
      const before = received().length
      await sleep(1000)
      t.equal(received().length, before, 'nothing arrives while the reader does not read')
      c.child.stdout.resume()
      // Waits only until output moves again, so that the second pause still finds the connector mid-stream.
      const resumed = await until(() => received().length > before, 30_000).then(() => true, () => false)
      t.ok(resumed, 'output resumes when the reader reads again')
    }
    const { code, logs } = await c.exited
    t.equal(code, 0, JSON.stringify(logs.at(-1)))
    const { messages, whole } = await responses(codec, received())
    t.ok(whole)
    const ids = docIds(messages)
    t.equal(ids.length, 20_000, 'every document arrived')
    t.ok(ids.every((id, i) => id === i + 1), 'in order, none repeated')
    const stopped = logs.find((log) => log.message === 'source stopped')
    const peak = (stopped?.fields?.peakRssMB as number | undefined) ?? Infinity
    t.ok(peak < 250, `peak RSS ${peak} MB for 40 MB of output: memory stayed flat`)
  })

  t.test(`${codec}: a source that throws mid-transaction: the error is the last log line, exit 1, no checkpoint after it`, async (t) => {
    const c = start(t, codec, { scenario: 'throws-mid-transaction' })
    c.child.stdin.end()
    const { code, logs } = await c.exited
    const { messages, whole } = await responses(codec, Buffer.concat(c.stdout))
    t.equal(code, 1)
    t.same(logs.at(-1), { ...logs.at(-1), level: 'error', message: 'the source lost its connection mid-transaction' })
    t.ok(whole, 'whole frames')
    t.same(kinds(messages).slice(0, 4), ['spec', 'opened', 'captured', 'checkpoint'])
    t.same(new Set(kinds(messages).slice(4)), new Set(kinds(messages).slice(4).length ? ['captured'] : []), 'after the one checkpoint, documents at most')
    t.equal(messages[3]?.checkpoint?.state?.updatedJson, '{"cursor":1}', 'the checkpoint is the one before the error')
  })

  t.test(`${codec}: a source that ignores its AbortSignal: the process still ends within the grace period after SIGTERM`, async (t) => {
    const c = start(t, codec, { scenario: 'ignores-signal' })
    await firstCheckpoint(c)
    await sleep(300)
    const signalled = Date.now()
    c.child.kill('SIGTERM')
    const { code, logs } = await c.exited
    const ms = Date.now() - signalled
    t.ok(ms < 8000, `ended ${ms} ms after SIGTERM (grace 5 s)`)
    t.equal(code, 0)
    t.ok(logs.some((log) => log.level === 'warn' && /did not stop/.test(log.message)), 'a warning says the source did not stop')
    const { messages, whole } = await responses(codec, Buffer.concat(c.stdout))
    t.ok(whole)
    t.equal(kinds(messages).at(-1), 'checkpoint')
  })

  // Acknowledging more checkpoints than were written: test/capture/serve.test.ts.
  t.test(`${codec}: an Acknowledge of 0 checkpoints is a protocol error naming it`, async (t) => {
    const c = start(t, codec, { scenario: 'await-acks', count: 3 })
    await firstCheckpoint(c)
    c.send({ acknowledge: { checkpoints: 0 } })
    const { code, logs } = await c.exited
    t.equal(code, 1)
    t.equal(logs.at(-1)?.fields?.code, 'PROTOCOL_VIOLATION')
    t.match(logs.at(-1)?.message, /Acknowledge of 0 checkpoints/)
  })
}
