/**
 * Splits a JSON body, as its bytes arrive, into the items of one array inside it (`results.*`)
 * and the rest of the body, in memory bounded by the largest item and the size of the rest:
 * the items are cut out as bytes, never building the body as a whole.
 */
import { Buffer } from 'node:buffer'
import { ArgumentError, MessageError } from '../errors.ts'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09

/**
 * Bounds of streaming JSON items: the largest item, and the largest rest of the body, each failing
 * the stream when exceeded.
 */
export interface JsonItemsOptions {
  /** Largest item, in bytes; default 64 MiB. */
  readonly maxItemBytes?: number
  /** Largest rest of the body (all but the items), in bytes; default 16 MiB. */
  readonly maxRestBytes?: number
}

/**
 * A path to an array's items: member names separated by dots, ending in `*`: `results.*`,
 * `data.items.*`; `*` alone for a body that is an array.
 */
export function parseItemsPath(path: string): readonly string[] {
  const segments = path.split('.')
  if (segments.at(-1) !== '*' || segments.slice(0, -1).some((s) => s === '' || s === '*')) {
    throw new ArgumentError(`an items path is member names joined by dots and ending in .* (e.g. results.*), got ${JSON.stringify(path)}`)
  }
  return segments.slice(0, -1)
}

interface Frame {
  readonly object: boolean
  /** This container's path is a prefix of the path to the items array. */
  readonly onPath: boolean
  readonly depth: number
  expectKey: boolean
  key: string | undefined
}

type Mode = 'rest' | 'between' | 'item'

/**
 * Feed it the body's chunks with `push` (each call returns the items completed in it, as the
 * bytes of their JSON text), then call `end` for the rest of the body: the body with the items
 * array emptied. Checks structure only as far as it needs to; items and rest are checked when
 * parsed.
 */
export class JsonItemSplitter {
  readonly #names: readonly string[]
  readonly #maxItem: number
  readonly #maxRest: number
  readonly #stack: Frame[] = []
  #mode: Mode = 'rest'
  #rest = Buffer.alloc(1024)
  #restLength = 0
  #inString = false
  #escaped = false
  #keyStart = -1
  /** Nesting inside the current item (0: a scalar or string item). */
  #itemDepth = 0
  #itemString = false
  #itemScalar = false
  #pieces: Buffer[] = []
  #itemBytes = 0
  #found = false

  constructor(path: string, options: JsonItemsOptions = {}) {
    this.#names = parseItemsPath(path)
    this.#maxItem = options.maxItemBytes ?? 64 << 20
    this.#maxRest = options.maxRestBytes ?? 16 << 20
  }

  /** The items completed by `chunk`, each the bytes of one JSON value. */
  push(chunk: Uint8Array): Buffer[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const items: Buffer[] = []
    let i = 0
    while (i < bytes.length) {
      if (this.#mode === 'item') i = this.#scanItem(bytes, i, items)
      else if (this.#mode === 'between') i = this.#scanBetween(bytes, i)
      else i = this.#scanRest(bytes, i)
    }
    return items
  }

  /** The rest of the body, parsed; fails if the body ended early or held no array at the path. */
  end(): unknown {
    if (this.#mode !== 'rest' || this.#stack.length > 0 || this.#inString) throw new MessageError('the JSON body ended before it was complete')
    if (!this.#found) throw new MessageError(`the JSON body has no array at ${[...this.#names, '*'].join('.')}`)
    try {
      return JSON.parse(this.#rest.toString('utf8', 0, this.#restLength))
    } catch (error) {
      throw new MessageError(`the JSON body is not valid JSON: ${(error as Error).message}`, { cause: error })
    }
  }

  /** Outside the items: copies bytes to the rest, following structure and the keys on the path. */
  #scanRest(bytes: Buffer, start: number): number {
    let i = start
    for (; i < bytes.length; i++) {
      const b = bytes[i] as number
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false
        else if (b === BACKSLASH) this.#escaped = true
        else if (b === QUOTE) {
          this.#inString = false
          if (this.#keyStart >= 0) this.#endKey(bytes, start, i)
        }
        continue
      }
      if (b === QUOTE) {
        this.#inString = true
        const top = this.#stack.at(-1)
        if (top?.object && top.expectKey && top.onPath) this.#keyStart = this.#restLength + (i - start)
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (this.#open(b === OPEN_OBJECT)) {
          this.#append(bytes, start, i + 1)
          this.#mode = 'between'
          return i + 1
        }
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) this.#stack.pop()
      else if (b === COMMA) {
        const top = this.#stack.at(-1)
        if (top?.object) top.expectKey = true
      } else if (b === COLON) {
        const top = this.#stack.at(-1)
        if (top) top.expectKey = false
      }
    }
    this.#append(bytes, start, i)
    return i
  }

  /** A container opens in the rest; true when it is the items array. */
  #open(object: boolean): boolean {
    const parent = this.#stack.at(-1)
    const depth = parent === undefined ? 0 : parent.depth + 1
    const onPath = parent === undefined ? true : parent.onPath && parent.object && parent.key === this.#names[parent.depth]
    const items = onPath && depth === this.#names.length && !object
    this.#found ||= items
    this.#stack.push({ object, onPath: onPath && depth < this.#names.length, depth, expectKey: object, key: undefined })
    return items
  }

  #endKey(bytes: Buffer, start: number, end: number): void {
    this.#append(bytes, start, end + 1)
    const from = this.#keyStart
    this.#keyStart = -1
    const top = this.#stack.at(-1) as Frame
    top.key = JSON.parse(this.#rest.toString('utf8', from, this.#restLength)) as string
    // The bytes up to the key's end are in the rest now; the caller appends from `start` again.
    this.#restLength -= end + 1 - start
  }

  /** Inside the items array, between items: skips separators until an item or the array's end. */
  #scanBetween(bytes: Buffer, start: number): number {
    for (let i = start; i < bytes.length; i++) {
      const b = bytes[i] as number
      if (isSpace(b) || b === COMMA) continue
      if (b === CLOSE_ARRAY) {
        this.#mode = 'rest'
        return i // the bracket goes to the rest, closing the now empty array
      }
      this.#mode = 'item'
      this.#itemDepth = 0
      this.#itemString = false
      this.#itemScalar = b !== OPEN_OBJECT && b !== OPEN_ARRAY && b !== QUOTE
      this.#escaped = false
      return i
    }
    return bytes.length
  }

  /** Inside an item: finds where it ends, keeping its bytes. */
  #scanItem(bytes: Buffer, start: number, items: Buffer[]): number {
    const end = this.#itemScalar ? scalarEnd(bytes, start) : this.#nestedEnd(bytes, start)
    this.#keep(bytes.subarray(start, end < 0 ? bytes.length : end))
    if (end < 0) return bytes.length
    items.push(this.#pieces.length === 1 ? Buffer.from(this.#pieces[0] as Buffer) : Buffer.concat(this.#pieces, this.#itemBytes))
    this.#pieces = []
    this.#itemBytes = 0
    this.#mode = 'between'
    return end
  }

  /** Where an object, array or string item ends (just after it), or -1 when it goes on past these bytes. */
  #nestedEnd(bytes: Buffer, start: number): number {
    let depth = this.#itemDepth
    let inString = this.#itemString
    let escaped = this.#escaped
    let end = -1
    for (let i = start; i < bytes.length; i++) {
      if (inString) {
        if (escaped) {
          escaped = false
          continue
        }
        const close = closingQuote(bytes, i)
        if (close < 0) {
          escaped = close === ENDS_ESCAPED
          break
        }
        i = close
        inString = false
        if (depth === 0) {
          end = i + 1
          break
        }
        continue
      }
      const b = bytes[i] as number
      if (b === QUOTE) inString = true
      else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++
      else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --depth === 0) {
        end = i + 1
        break
      }
    }
    this.#itemDepth = depth
    this.#itemString = inString
    this.#escaped = escaped
    return end
  }

  #keep(piece: Buffer): void {
    if (piece.length === 0) return
    this.#itemBytes += piece.length
    if (this.#itemBytes > this.#maxItem) throw new MessageError(`an item of the JSON body is larger than ${this.#maxItem} bytes`)
    this.#pieces.push(piece)
  }

  #append(bytes: Buffer, start: number, end: number): void {
    const length = end - start
    if (length <= 0) return
    const needed = this.#restLength + length
    if (needed > this.#maxRest) throw new MessageError(`the JSON body outside its items is larger than ${this.#maxRest} bytes`)
    if (needed > this.#rest.length) {
      const grown = Buffer.alloc(Math.min(this.#maxRest, Math.max(needed, this.#rest.length * 2)))
      this.#rest.copy(grown, 0, 0, this.#restLength)
      this.#rest = grown
    }
    bytes.copy(this.#rest, this.#restLength, start, end)
    this.#restLength = needed
  }
}

/** Where a number, true, false or null item ends (at the separator after it), or -1 when it goes on past these bytes. */
function scalarEnd(bytes: Buffer, start: number): number {
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b === COMMA || b === CLOSE_ARRAY || isSpace(b)) return i
  }
  return -1
}

const ENDS_OPEN = -1
const ENDS_ESCAPED = -2

/**
 * From inside a string at `from` (not just after a backslash): the index of its closing quote;
 * ENDS_OPEN when the bytes end inside it, ENDS_ESCAPED when they end just after a backslash.
 * Searches with indexOf, so long strings cost a native scan rather than a loop per byte.
 */
function closingQuote(bytes: Buffer, from: number): number {
  let i = from
  for (;;) {
    const quote = bytes.indexOf(QUOTE, i)
    const end = quote < 0 ? bytes.length : quote
    let backslash = -1
    if (end - i > 24) {
      const at = bytes.subarray(i, end).indexOf(BACKSLASH)
      backslash = at < 0 ? -1 : i + at
    } else {
      for (let j = i; j < end; j++) {
        if (bytes[j] === BACKSLASH) {
          backslash = j
          break
        }
      }
    }
    if (backslash < 0) return quote < 0 ? ENDS_OPEN : quote
    if (backslash + 1 >= bytes.length) return ENDS_ESCAPED
    i = backslash + 2
    if (i >= bytes.length) return ENDS_OPEN
  }
}
