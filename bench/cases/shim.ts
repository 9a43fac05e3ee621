/**
 * The Airbyte shim's throughput: a bench source (bench/connectors/airbyte-emitter.ts) copies a
 * file of RECORD lines of the bench documents (two streams, a per-stream STATE after every
 * 1000; written once, before the rounds) to its stdout as fast as it can; the shim turns them into
 * Flow frames. Beside it, in the same rounds: `emitter | cat` (the source's own output through
 * one more pipe, the shim's ceiling) and flowkit's JSON-text path (a flowkit connector emitting
 * the same documents as pre-serialized text). The shim's text path hands each record's data to
 * the frame as the text it came as; its object path (an identity transform) parses and
 * serializes every record. Every process runs bundled under plain node; a case is timed from
 * Opened (the `cat` case from its start), so each includes the source's start-up.
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CaptureRequest } from '../../lib/protocol/index.ts'
import { bundled } from '../bundle.ts'
import { connectorScript, type Codec } from '../connector-session.ts'
import type { BenchCase, BenchGroup, Work } from '../harness.ts'
import { connectorCase } from './capture.ts'
import { CHECKPOINT_EVERY, bindingOf, makeDocument } from '../connectors/documents.ts'

const DOCUMENTS = 500_000
const STATES = DOCUMENTS / 1000

const bindings = ['orders', 'refunds'].map((stream) => ({
  resourceConfigJson: JSON.stringify({ stream, syncMode: 'incremental' }),
  resourcePath: [stream],
  stateKey: `${stream}.v1`,
  collection: { name: `acmeCo/bench/${stream}`, key: ['/id'] },
}))

const requests: CaptureRequest[] = [
  { spec: { connectorType: 8, configJson: '{}' } },
  { open: { capture: { name: 'acmeCo/bench/airbyte', connectorType: 8, configJson: '{}', bindings }, version: 'v1', range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }, stateJson: '{}' } },
]

/** The file of the source's output, written on first use: DOCUMENTS records and their STATEs. */
function recordsFile(): { readonly path: string; ensure(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-shim-bench-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'records.jsonl')
  let written = false
  const ensure = () => {
    if (written) return
    const fd = openSync(path, 'w')
    let lines = ''
    for (let i = 0; i < DOCUMENTS; ) {
      const stream = bindingOf(i) === 0 ? 'orders' : 'refunds'
      lines += `{"type":"RECORD","record":{"stream":"${stream}","data":${JSON.stringify(makeDocument(i))},"emitted_at":1767225600000}}\n`
      i++
      if (i % CHECKPOINT_EVERY !== 0) continue
      lines += `{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"${stream}"},"stream_state":{"cursor":${i}}}}}\n`
      writeSync(fd, lines)
      lines = ''
    }
    closeSync(fd)
    written = true
  }
  return { path, ensure }
}

/** The case, with the records file written before its first run. */
function withRecords(records: { ensure(): void }, c: BenchCase): BenchCase {
  return { name: c.name, run: () => (records.ensure(), c.run()) }
}

/** `node emitter read | cat`, timed from its start to the end of its output; lines counted. */
function catCase(emitter: string, records: string): BenchCase {
  return {
    name: `shim ceiling: source | cat ${DOCUMENTS / 1000}k`,
    async run(): Promise<Work> {
      const started = performance.now()
      const child = spawn('sh', ['-c', '"$NODE" "$EMITTER" read | cat'], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE: process.execPath, EMITTER: emitter, BENCH_RECORDS_FILE: records },
      })
      let bytes = 0
      let lines = 0
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++
      })
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
      const seconds = (performance.now() - started) / 1000
      if (code !== 0 || lines !== DOCUMENTS + STATES) throw new Error(`source | cat: exit ${code}, ${lines} lines`)
      return { bytes, frames: lines, docs: DOCUMENTS, seconds }
    },
  }
}

export function groups(): BenchGroup[] {
  const emitter = bundled(connectorScript('airbyte-emitter.ts'))
  const records = recordsFile()
  const shim = (codec: Codec, objects: boolean) =>
    withRecords(
      records,
      connectorCase(`shim airbyte ${objects ? 'object' : 'text'} path`, 'airbyte-shim.ts', codec, DOCUMENTS, {
        requests,
        env: { BENCH_EMITTER: emitter, BENCH_SHIM_OBJECTS: objects ? '1' : '0', BENCH_RECORDS_FILE: records.path },
      }),
    )
  const codecs = ['json', 'proto'] as const
  const text = codecs.map((codec) => shim(codec, false))
  const objects = codecs.map((codec) => shim(codec, true))
  const flowkitText = codecs.map((codec) => connectorCase('shim baseline: flowkit emit text docs', 'flowkit-text.ts', codec, DOCUMENTS))
  return [
    {
      ceiling: withRecords(records, catCase(emitter, records.path)),
      cases: [...text, ...objects, ...flowkitText],
      maxRuns: 3,
      warmUp: false,
      targets: [
        ...text.map((c) => ({ case: c.name, atLeast: 0.5 })),
        ...text.map((c, i) => ({ case: c.name, versus: (flowkitText[i] as BenchCase).name, atLeast: 0.8 })),
        ...objects.map((c, i) => ({ case: c.name, versus: (text[i] as BenchCase).name })),
      ],
    },
  ]
}
