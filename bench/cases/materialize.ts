/**
 * Stores into SQLite through a materialization's whole protocol path: examples/materialize-sqlite
 * spawned as Flow's runtime would (`node --import tsx`, both codecs), fed a session of
 * transactions (Acknowledge, Flush, STORES_PER_TRANSACTION Stores, StartCommit) and timed from
 * its Opened to the Acknowledged of the last transaction; beside it, in the same rounds, the
 * same rows written by a plain better-sqlite3 loop (one prepared upsert, a transaction per
 * Flow transaction, the checkpoint row with each), the connector's ceiling.
 *
 * The rows are the bench documents (bench/connectors/documents.ts, ~440 B): key `id`; values
 * amount, currency, status and createdAt; and the document as JSON text. Keys are new, so the
 * runtime sends no Loads, as Flow skips Loads of keys above the highest it stored. Each run
 * writes a fresh SQLite file, its tables made by the connector's own Apply (not timed).
 */
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Long from 'long'
import { decodeFrames, encodeFrame, type Codec } from '../../lib/codec/frames.ts'
import { packTuple } from '../../lib/json/tuple.ts'
import { materializeRequest, materializeResponse, runtimeCheckpoint, type MaterializeRequest, type MaterializeResponse } from '../../lib/protocol/index.ts'
import type { BenchCase, BenchGroup, Work } from '../harness.ts'
import { makeDocument } from '../connectors/documents.ts'

const STORES = 200_000
const STORES_PER_TRANSACTION = 2000
const TRANSACTIONS = STORES / STORES_PER_TRANSACTION
const VALUES = ['amount', 'currency', 'status', 'createdAt'] as const
/** Extra node flags for the connector (e.g. `--cpu-prof`), from BENCH_CONNECTOR_NODE_ARGS. */
const nodeArgs = (process.env.BENCH_CONNECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean)
const main = fileURLToPath(new URL('../../examples/materialize-sqlite/main.ts', import.meta.url))

interface Row {
  readonly key: [number]
  readonly values: unknown[]
  readonly doc: string
}

let rows: Row[] | undefined
function benchRows(): Row[] {
  rows ??= Array.from({ length: STORES }, (_, i) => {
    const doc = makeDocument(i) as unknown as Record<string, unknown>
    return { key: [doc.id as number], values: VALUES.map((field) => doc[field]), doc: JSON.stringify(doc) }
  })
  return rows
}

function materialization(path: string) {
  const projection = (field: string, types: string[]) => ({ field, ptr: `/${field}`, inference: { types, exists: 1 } })
  return {
    name: 'acmeCo/bench/sqlite',
    configJson: JSON.stringify({ path }),
    bindings: [{
      resourceConfigJson: JSON.stringify({ table: 'orders' }),
      resourcePath: ['orders'],
      collection: {
        name: 'acmeCo/bench/orders',
        key: ['/id'],
        projections: [{ ...projection('id', ['integer']), isPrimaryKey: true }, projection('amount', ['number']), projection('currency', ['string']), projection('status', ['string']), projection('createdAt', ['string']), { field: 'flow_document', ptr: '', inference: { types: ['object'], exists: 1 } }],
      },
      fieldSelection: { keys: ['id'], values: [...VALUES], document: 'flow_document' },
    }],
  }
}

/** The runtime's side of the session, encoded once per codec and path. */
function sessionBytes(codec: Codec, path: string): Buffer {
  const frames: Buffer[] = []
  const send = (request: MaterializeRequest) => frames.push(encodeFrame(codec, materializeRequest, request))
  send({ open: { materialization: materialization(path), version: 'v1', range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }, stateJson: '{}' } })
  send({ acknowledge: {} })
  const all = benchRows()
  for (let t = 0; t < TRANSACTIONS; t++) {
    send({ flush: {} })
    for (const row of all.slice(t * STORES_PER_TRANSACTION, (t + 1) * STORES_PER_TRANSACTION)) {
      const fields = codec === 'json' ? { keyJson: JSON.stringify(row.key), valuesJson: JSON.stringify(row.values) } : { keyPacked: packTuple(row.key), valuesPacked: packTuple(row.values as never) }
      send({ store: { binding: 0, ...fields, docJson: row.doc } })
    }
    send({ startCommit: { runtimeCheckpoint: { sources: { 'acmeCo/bench/orders/pivot=00': { readThrough: Long.fromNumber(t + 1) } } } } })
    send({ acknowledge: {} })
  }
  return Buffer.concat(frames)
}

/** Runs the connector once with `input` on stdin; resolves with its responses and the seconds from Opened to the last. */
async function runConnector(codec: Codec, input: Buffer): Promise<{ responses: MaterializeResponse[]; seconds: number }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', main], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, FLOW_RUNTIME_CODEC: codec === 'json' ? 'json' : '', LOG_LEVEL: 'warn' } })
  child.stdin.end(input)
  const responses: MaterializeResponse[] = []
  let opened = 0
  for await (const batch of decodeFrames(child.stdout, codec, materializeResponse)) {
    if (opened === 0) opened = performance.now()
    responses.push(...batch)
  }
  const seconds = (performance.now() - opened) / 1000
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)))
  if (code !== 0) throw new Error(`materialize-sqlite exited ${code}`)
  return { responses, seconds }
}

/** A fresh SQLite file with the tables the connector's Apply makes. */
async function freshFile(codec: Codec): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-bench-sqlite-'))
  const path = join(dir, 'bench.db')
  await runConnector(codec, encodeFrame(codec, materializeRequest, { apply: { materialization: materialization(path), version: 'v1' } }))
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

function countRows(path: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n
  } finally {
    db.close()
  }
}

function connectorCase(codec: Codec): BenchCase {
  return {
    name: `materialize-sqlite stores ${codec} ${STORES / 1000}k`,
    async run(): Promise<Work> {
      const file = await freshFile(codec)
      try {
        const input = sessionBytes(codec, file.path)
        const { responses, seconds } = await runConnector(codec, input)
        const acknowledged = responses.filter((r) => r.acknowledged).length
        if (acknowledged !== TRANSACTIONS + 1 || countRows(file.path) !== STORES) throw new Error(`materialize-sqlite: ${acknowledged} acknowledgements, ${countRows(file.path)} rows`)
        return { bytes: input.length, frames: STORES, docs: STORES, seconds }
      } finally {
        file.remove()
      }
    },
  }
}

/** The same rows, upserted by a plain loop over one prepared statement. */
const plainLoop: BenchCase = {
  name: `plain better-sqlite3 upsert loop ${STORES / 1000}k`,
  async run(): Promise<Work> {
    const file = await freshFile('json')
    const all = benchRows()
    try {
      const db = new Database(file.path)
      db.pragma('journal_mode = WAL')
      const upsert = db.prepare('INSERT OR REPLACE INTO orders (id, amount, currency, status, createdAt, flow_document) VALUES (?, ?, ?, ?, ?, ?)')
      const checkpoint = db.prepare('INSERT OR REPLACE INTO flow_checkpoints (materialization, key_range, checkpoint) VALUES (?, ?, ?)')
      const started = performance.now()
      for (let t = 0; t < TRANSACTIONS; t++) {
        db.exec('BEGIN')
        for (let i = t * STORES_PER_TRANSACTION; i < (t + 1) * STORES_PER_TRANSACTION; i++) {
          const row = all[i] as Row
          upsert.run(row.key[0], ...(row.values as (string | number)[]), row.doc)
        }
        checkpoint.run('acmeCo/bench/sqlite', '00000000-ffffffff', Buffer.from(runtimeCheckpoint.toProto({ sources: { 'acmeCo/bench/orders/pivot=00': { readThrough: Long.fromNumber(t + 1) } } })))
        db.exec('COMMIT')
      }
      const seconds = (performance.now() - started) / 1000
      db.close()
      if (countRows(file.path) !== STORES) throw new Error('plain loop: rows missing')
      return { bytes: 0, frames: STORES, docs: STORES, seconds }
    } finally {
      file.remove()
    }
  },
}

export function groups(): BenchGroup[] {
  const cases = (['json', 'proto'] as const).map(connectorCase)
  return [{ ceiling: plainLoop, cases, maxRuns: 3, warmUp: false, targets: cases.map((c) => ({ case: c.name, atLeast: 0.5 })) }]
}
