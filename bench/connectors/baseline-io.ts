/**
 * The protocol plumbing the plain-Node baselines share, none of it flowkit's: wait for the
 * runtime's two requests (internal Spec, Open) without decoding them, write Opened, and at
 * the end log the peak RSS in the same line shape as flowkit's session summary, flush stdout
 * and exit. Baselines speak the JSON codec (FLOW_RUNTIME_CODEC=json).
 */
import { once } from 'node:events'
import { OPENED_LINE } from './documents.ts'

/** Resolves once `count` newline-terminated request lines have arrived on stdin. */
export function readRequests(count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0
    const onData = (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) seen++
      if (seen >= count) {
        process.stdin.off('data', onData)
        process.stdin.pause()
        resolve()
      }
    }
    process.stdin.on('data', onData)
    process.stdin.once('end', () => reject(new Error(`stdin ended after ${seen} of ${count} requests`)))
  })
}

/** Reads the runtime's internal Spec and Open, then writes Opened. */
export async function open(): Promise<void> {
  await readRequests(2)
  if (!process.stdout.write(OPENED_LINE)) await once(process.stdout, 'drain')
}

const CHUNK = 64 * 1024

/**
 * Lines gathered into 64 KiB Buffers, as a hand-written loop gathers them: each line written
 * straight into the current Buffer; a full one goes to stdout.write (which keeps it), awaiting
 * 'drain' whenever write() returns false.
 */
export class ChunkedLines {
  #chunk = Buffer.allocUnsafe(CHUNK)
  #end = 0

  /** Adds a line; returns a promise only when a full Buffer had to be written first. */
  add(line: string): Promise<void> | undefined {
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so measure only near the end.
    if (this.#end + line.length * 3 <= CHUNK || this.#end + Buffer.byteLength(line) <= CHUNK) {
      this.#end += this.#chunk.write(line, this.#end)
      return undefined
    }
    return this.#flush().then(() => void (this.#end += this.#chunk.write(line, this.#end)))
  }

  /** Writes what is gathered. */
  async end(): Promise<void> {
    if (this.#end > 0) await this.#flush()
  }

  async #flush(): Promise<void> {
    const full = this.#chunk.subarray(0, this.#end)
    this.#chunk = Buffer.allocUnsafe(CHUNK)
    this.#end = 0
    if (!process.stdout.write(full)) await once(process.stdout, 'drain')
  }
}

/**
 * Logs the peak RSS, waits until stdout has taken every byte, exits 0. An empty write's
 * callback runs once every write before it is done; 'drain' would not do: it comes only
 * after a write() that returned false, and a short last write that waits for the pipe does not.
 */
export async function finish(): Promise<never> {
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'info', message: 'capture session ended', fields: { peakRssMB } })}\n`)
  await new Promise<void>((resolve, reject) => process.stdout.write('', (error) => (error ? reject(error) : resolve())))
  process.exit(0)
}
