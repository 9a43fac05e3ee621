import { Buffer } from 'node:buffer'
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { MessageError } from '../errors.ts'
import { parseCsv, type CsvOptions } from './csv.ts'
import { TimeoutError } from './http-error.ts'
import { JsonItemSplitter, type JsonItemsOptions } from './json-items.ts'
import { parseNdjson, splitLines } from './lines.ts'

/** How a response body is read: whether it is gunzipped. */
export interface BodyOptions {
  /** Gunzip the body; default: when its content type is application/gzip or application/x-gzip. (A `Content-Encoding: gzip` body is already decoded by fetch.) */
  readonly gunzip?: boolean
}

/** What the client hands a response: its fetch Response, how to abort its reading, and what to do when it is done. */
export interface ResponseParts {
  readonly response: Response
  /** Most time without a byte of the body before the request is aborted. */
  readonly idleTimeoutMs: number
  readonly abort: (reason: Error) => void
  /** Called once the body has been read, dropped or has failed: releases the rate-limit permit. */
  readonly done: () => void
  /** The request, for error messages (credentials redacted). */
  readonly describe: string
}

/**
 * A response whose head has arrived. Its body is read once, in one of the forms below; every
 * form but bytes/text/json is a stream that holds a bounded amount of the body at a time, and
 * each stops reading (and closes the connection) when its consumer stops early. A response
 * whose body is not wanted must be `discard`ed, or its permit stays taken.
 */
export class HttpResponse {
  readonly status: number
  readonly headers: Headers
  readonly url: string
  readonly #parts: ResponseParts
  #used = false

  constructor(parts: ResponseParts) {
    this.#parts = parts
    this.status = parts.response.status
    this.headers = parts.response.headers
    this.url = parts.response.url
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  /** The body's chunks as they arrive (gunzipped when it is gzip). */
  async *chunks(options: BodyOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const raw = this.#read()
    const gzip = options.gunzip ?? /^application\/(x-)?gzip\b/i.test(this.headers.get('content-type') ?? '')
    if (!gzip) return yield* raw
    const input = Readable.from(raw, { objectMode: false })
    const gunzip = createGunzip()
    input.on('error', (error) => gunzip.destroy(error))
    input.pipe(gunzip)
    try {
      for await (const chunk of gunzip) yield chunk as Buffer
    } finally {
      input.destroy()
      gunzip.destroy()
    }
  }

  /** The whole body, at most `maxBytes` (default 256 MiB). */
  async bytes(options: BodyOptions & { readonly maxBytes?: number } = {}): Promise<Buffer> {
    const max = options.maxBytes ?? 256 << 20
    const parts: Buffer[] = []
    let length = 0
    for await (const chunk of this.chunks(options)) {
      length += chunk.length
      if (length > max) throw new MessageError(`the body of ${this.#parts.describe} is larger than ${max} bytes; read it as a stream`)
      parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    }
    return Buffer.concat(parts, length)
  }

  async text(options?: BodyOptions & { readonly maxBytes?: number }): Promise<string> {
    return (await this.bytes(options)).toString('utf8')
  }

  async json<T = unknown>(options?: BodyOptions & { readonly maxBytes?: number }): Promise<T> {
    const text = await this.text(options)
    try {
      return JSON.parse(text) as T
    } catch (error) {
      throw new MessageError(`the body of ${this.#parts.describe} is not JSON: ${(error as Error).message}`, { cause: error })
    }
  }

  /** The body's lines, as bytes without their ending. */
  lines(options: BodyOptions & { readonly maxLineBytes?: number } = {}): AsyncGenerator<Buffer, void, undefined> {
    return splitLines(this.chunks(options), options.maxLineBytes)
  }

  /** The values of a newline-delimited JSON body. */
  ndjson<T = unknown>(options: BodyOptions & { readonly maxLineBytes?: number } = {}): AsyncGenerator<T, void, undefined> {
    return parseNdjson<T>(this.chunks(options), options.maxLineBytes)
  }

  /** The records of a CSV body (objects keyed by the header row, unless `columns: false`). */
  csv<T = Record<string, string>>(options: BodyOptions & { readonly csv?: CsvOptions } = {}): AsyncGenerator<T, void, undefined> {
    return parseCsv<T>(this.chunks(options), options.csv)
  }

  /** The items of the array at `path` (e.g. `results.*`), parsed; the rest of the body once they are all read. */
  jsonItems<T = unknown>(path: string, options: BodyOptions & JsonItemsOptions = {}): JsonItems<T> {
    return new JsonItems<T>(this.chunks(options), new JsonItemSplitter(path, options), (bytes) => JSON.parse(bytes.toString('utf8')) as T)
  }

  /** As `jsonItems`, each item the bytes of its JSON text, as it came (a capture can emit them as documents unparsed). */
  jsonItemBytes(path: string, options: BodyOptions & JsonItemsOptions = {}): JsonItems<Buffer> {
    return new JsonItems<Buffer>(this.chunks(options), new JsonItemSplitter(path, options), (bytes) => bytes)
  }

  /** Drops the body unread and closes its connection. */
  async discard(): Promise<void> {
    if (this.#used) return
    this.#used = true
    try {
      await this.#parts.response.body?.cancel()
    } catch {
      // a body that failed is dropped all the same
    } finally {
      this.#parts.done()
    }
  }

  /** The raw body's chunks, each read within the idle timeout; the permit is released at the end, however it comes. */
  async *#read(): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.#used) throw new MessageError(`the body of ${this.#parts.describe} was already read`)
    this.#used = true
    const { response, idleTimeoutMs, abort, done } = this.#parts
    const reader = response.body?.getReader()
    let finished = false
    try {
      if (reader === undefined) return
      for (;;) {
        const timer = setTimeout(() => abort(new TimeoutError(`no byte of the body of ${this.#parts.describe} came for ${idleTimeoutMs} ms`)), idleTimeoutMs)
        let result: Awaited<ReturnType<NonNullable<typeof reader>['read']>>
        try {
          result = await reader.read()
        } finally {
          clearTimeout(timer)
        }
        if (result.done) break
        yield result.value
      }
      finished = true
    } finally {
      if (!finished) await reader?.cancel().catch(() => {})
      done()
    }
  }
}

/**
 * The items of a JSON body's array, iterated once; `rest()` then gives the body without them
 * (the array emptied), for a next-page token or a total.
 */
export class JsonItems<T> implements AsyncIterable<T> {
  readonly #chunks: AsyncIterable<Uint8Array>
  readonly #splitter: JsonItemSplitter
  readonly #convert: (bytes: Buffer) => T
  #rest: { readonly value: unknown } | undefined

  constructor(chunks: AsyncIterable<Uint8Array>, splitter: JsonItemSplitter, convert: (bytes: Buffer) => T) {
    this.#chunks = chunks
    this.#splitter = splitter
    this.#convert = convert
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const chunk of this.#chunks) {
      for (const item of this.#splitter.push(chunk)) yield this.#convert(item)
    }
    this.#rest = { value: this.#splitter.end() }
  }

  /** The body outside the items; only once every item has been read. */
  rest<R = Record<string, unknown>>(): R {
    if (this.#rest === undefined) throw new MessageError('the rest of a JSON body is known only once all its items have been read')
    return this.#rest.value as R
  }
}
