/**
 * The progress of `flowkit preview` on stderr: documents, bytes, rates, transactions and
 * documents per collection, counted as transactions commit.
 *
 * On a terminal (see `canRedraw`) it is one line redrawn in place a few times a second; any
 * other text written through it (the connector's logs) clears the line, goes above it, and the
 * line is drawn again below; `stop` removes it. Otherwise it is a plain line written at an
 * interval, e.g.
 * `preview: 12,000 documents (3.4 MB; 2,100/s, 590 kB/s) in 12 transactions; acmeCo/greetings 6,000, acmeCo/events 6,000`.
 */
import { fstatSync } from 'node:fs'

/** Where the status goes: stderr, or anything shaped like it. */
export interface StatusStream {
  readonly isTTY?: boolean | undefined
  readonly columns?: number | undefined
  write(text: string): unknown
}

export interface StatusOptions {
  /** The collection of each binding, by binding index. */
  readonly collections: readonly string[]
  /** Redraw one line in place rather than write lines. Default: when the stream is a terminal. */
  readonly inPlace?: boolean | undefined
  /** Not in place: how often the line is written. 0: never. Default 10 s. */
  readonly intervalMs?: number | undefined
  /** In place: how often the line is redrawn. Default 250 ms. */
  readonly redrawMs?: number | undefined
  /** In place, the rates are over about this much recent time (else since the last line). Default 5 s. */
  readonly rateWindowMs?: number | undefined
  /** The clock, in milliseconds. Default `Date.now`. */
  readonly now?: (() => number) | undefined
  /** false: start no timer; `tick()` draws or writes the line. Default true. */
  readonly timers?: boolean | undefined
}

/** What the status counts. */
export interface StatusCounts {
  readonly documents: number
  /** Bytes of document JSON (UTF-8). */
  readonly bytes: number
  readonly transactions: number
  /** Documents per collection, in the order of the bindings. */
  readonly collections: ReadonlyMap<string, number>
}

export interface StatusRates {
  readonly documentsPerSecond: number
  readonly bytesPerSecond: number
}

/**
 * Whether a status on `stderr` may be redrawn in place while documents go to `output`: stderr
 * must be a terminal, and `output` not a pipe, whose reader (jq, less) may well write to the
 * same terminal, in the middle of the line. Documents written to the terminal itself are
 * fine: the line is taken off around them (`hide`, `show`).
 */
export function canRedraw(stderr: StatusStream, output: unknown): boolean {
  if (stderr.isTTY !== true) return false
  const fd = (output as { fd?: unknown } | null)?.fd
  if (typeof fd !== 'number') return true
  try {
    const stat = fstatSync(fd)
    return !(stat.isFIFO() || stat.isSocket())
  } catch {
    return true
  }
}

/** Erases the terminal line the cursor is on and returns to its start. */
export const CLEAR_LINE = '\r\x1b[2K'

/** At most this many collections are named; the rest are counted. */
const MAX_COLLECTIONS = 8

interface Sample {
  readonly at: number
  readonly documents: number
  readonly bytes: number
}

export class PreviewStatus {
  readonly #stream: StatusStream
  readonly #inPlace: boolean
  readonly #now: () => number
  readonly #rateWindowMs: number
  readonly #collections: readonly string[]
  readonly #perCollection = new Map<string, number>()
  #documents = 0
  #bytes = 0
  #transactions = 0
  /** Earlier counts, oldest first, that rates are measured from. */
  #samples: Sample[]
  #timer: NodeJS.Timeout | undefined
  /** The line as last drawn on the terminal, '' before the first. */
  #line = ''
  /** True while the line is on the terminal, where the cursor is. */
  #shown = false
  /** True between `hide` and `show`: other output owns the terminal. */
  #hidden = false
  #stopped = false

  constructor(stream: StatusStream, options: StatusOptions) {
    this.#stream = stream
    this.#inPlace = options.inPlace ?? stream.isTTY === true
    this.#now = options.now ?? Date.now
    this.#collections = options.collections
    for (const name of options.collections) this.#perCollection.set(name, 0)
    this.#samples = [{ at: this.#now(), documents: 0, bytes: 0 }]
    const interval = options.intervalMs ?? 10_000
    this.#rateWindowMs = this.#inPlace ? (options.rateWindowMs ?? 5_000) : interval
    const period = this.#inPlace ? (options.redrawMs ?? 250) : interval
    if (interval > 0 && options.timers !== false) {
      this.#timer = setInterval(() => this.tick(), period)
      this.#timer.unref()
    }
  }

  /** True when the status is one line redrawn in place. */
  get inPlace(): boolean {
    return this.#inPlace
  }

  /** Counts a committed transaction: `[binding index, document JSON]` each. */
  transaction(documents: readonly (readonly [number, string])[]): void {
    this.#transactions++
    for (const [binding, doc] of documents) {
      this.#documents++
      this.#bytes += Buffer.byteLength(doc)
      const name = this.#collections[binding] ?? `binding ${binding}`
      this.#perCollection.set(name, (this.#perCollection.get(name) ?? 0) + 1)
    }
  }

  get counts(): StatusCounts {
    return { documents: this.#documents, bytes: this.#bytes, transactions: this.#transactions, collections: this.#perCollection }
  }

  /**
   * Writes the status: on a terminal, redraws the line (unless hidden); elsewhere, writes it
   * as a line of its own. The rates are over the recent window, elsewhere since the last line.
   */
  tick(): void {
    if (this.#stopped) return
    const now = this.#now()
    const text = formatStatus(this.counts, this.#rates(now))
    if (!this.#inPlace) {
      this.#samples = [{ at: now, documents: this.#documents, bytes: this.#bytes }]
      this.#stream.write(text + '\n')
      return
    }
    this.#samples.push({ at: now, documents: this.#documents, bytes: this.#bytes })
    if (this.#hidden) return
    this.#line = fitLine(text, this.#stream.columns)
    this.#stream.write(CLEAR_LINE + this.#line)
    this.#shown = true
  }

  /** Writes other text (whole lines) above the status line, which is drawn again below it. */
  write(text: string): void {
    const lines = text === '' || text.endsWith('\n') ? text : text + '\n'
    if (!this.#shown) {
      this.#stream.write(lines)
      return
    }
    this.#stream.write(CLEAR_LINE + lines + this.#line)
  }

  /** Takes the line off the terminal while other output (stdout on the same terminal) is written. */
  hide(): void {
    if (!this.#inPlace || this.#stopped) return
    this.#hidden = true
    this.#clear()
  }

  /** Lets the line be drawn again, at the next redraw. */
  show(): void {
    this.#hidden = false
  }

  /** Stops the timer and removes the line from the terminal. */
  stop(): void {
    if (this.#stopped) return
    clearInterval(this.#timer)
    this.#clear()
    this.#stopped = true
  }

  #clear(): void {
    if (!this.#shown) return
    this.#stream.write(CLEAR_LINE)
    this.#shown = false
  }

  /** Rates since the oldest sample within the window (the first counts when none is). */
  #rates(now: number): StatusRates {
    const from = now - this.#rateWindowMs
    while (this.#samples.length > 1 && (this.#samples[1] as Sample).at <= from) this.#samples.shift()
    const oldest = this.#samples[0] as Sample
    const seconds = (now - oldest.at) / 1000
    if (seconds <= 0) return { documentsPerSecond: 0, bytesPerSecond: 0 }
    return { documentsPerSecond: (this.#documents - oldest.documents) / seconds, bytesPerSecond: (this.#bytes - oldest.bytes) / seconds }
  }
}

/**
 * `preview: 12,000 documents (3.4 MB; 2,100/s, 590 kB/s) in 12 transactions; acmeCo/greetings 6,000, acmeCo/events 6,000`:
 * collections with documents, in binding order, at most eight named.
 */
export function formatStatus(counts: StatusCounts, rates: StatusRates): string {
  const documents = plural(counts.documents, 'document')
  const rate = `${formatCount(Math.round(rates.documentsPerSecond))}/s, ${formatBytes(rates.bytesPerSecond)}/s`
  let text = `preview: ${documents} (${formatBytes(counts.bytes)}; ${rate}) in ${plural(counts.transactions, 'transaction')}`
  const named = [...counts.collections].filter(([, n]) => n > 0)
  if (named.length > 0) {
    const shown = named.slice(0, MAX_COLLECTIONS).map(([name, n]) => `${name} ${formatCount(n)}`)
    if (named.length > MAX_COLLECTIONS) shown.push(`${named.length - MAX_COLLECTIONS} more`)
    text += `; ${shown.join(', ')}`
  }
  return text
}

/** `12,000`. */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

const BYTE_UNITS = ['kB', 'MB', 'GB', 'TB']

/** Decimal units: `512 B`, `3.4 kB`, `12 MB`, `1.2 GB`. */
export function formatBytes(n: number): string {
  if (n < 999.5) return `${Math.round(n)} B`
  let value = n
  for (const unit of BYTE_UNITS) {
    value /= 1000
    if (value < 999.5 || unit === 'TB') return `${value < 9.95 ? value.toFixed(1) : formatCount(value)} ${unit}`
  }
  return `${n} B`
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`
}

/** The line cut to fit a terminal `columns` wide without wrapping (a wrapped line cannot be redrawn in place). */
export function fitLine(text: string, columns: number | undefined): string {
  const width = Math.max(10, (columns !== undefined && columns > 0 ? columns : 80) - 1)
  return text.length <= width ? text : text.slice(0, width - 1) + '…'
}
