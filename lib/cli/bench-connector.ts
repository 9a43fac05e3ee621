/**
 * The `flowkit bench --source` case: one capture session of the user's own connector, end to
 * end, as `flowkit preview` runs it (lib/runtime/capture-session.ts: spawned as the runtime
 * spawns it, every response decoded, checkpoints applied and acknowledged when asked), from
 * empty state. Documents are not checked against their schemas, so the time is the
 * connector's and the protocol's. It is timed from Opened to the session's end; its work is
 * the documents committed and their JSON bytes; its peak RSS is what the connector's session
 * summary log line reports (flowkit connectors write one).
 */
import type { ConnectorLog } from '../io/log-reader.ts'
import { runCaptureSession } from '../runtime/capture-session.ts'
import { loadCapture } from '../runtime/catalog.ts'
import type { BenchCase, BenchGroup, Work } from './bench-measure.ts'

export interface ConnectorBenchOptions {
  readonly source: string
  readonly capture?: string
}

/** The group of the connector's case alone (its own reference: a connector's output has no ceiling to compare with). */
export function connectorGroup(options: ConnectorBenchOptions): { label: string; group: BenchGroup } {
  const task = loadCapture(options.source, options.capture)
  const c: BenchCase = {
    name: `${task.name} end to end`,
    async run(): Promise<Work> {
      let openedAt: number | undefined
      let bytes = 0
      let peakRssMB: number | undefined
      const onLog = (log: ConnectorLog) => {
        const peak = log.fields.peakRssMB
        if (log.message === 'capture session ended' && typeof peak === 'number') peakRssMB = peak
      }
      const result = await runCaptureSession(task, {
        checkDocuments: false,
        onLog,
        onOpened: () => void (openedAt = performance.now()),
        onTransaction: (transaction) => {
          for (const [, doc] of transaction.documents) bytes += Buffer.byteLength(doc)
        },
      })
      const seconds = (performance.now() - (openedAt ?? performance.now())) / 1000
      return { bytes, frames: result.documents + result.transactions, docs: result.documents, seconds, ...(peakRssMB === undefined ? {} : { peakRssMB }) }
    },
  }
  return { label: `capture ${task.name} (${options.source})`, group: { ceiling: c, cases: [], warmUp: false } }
}
