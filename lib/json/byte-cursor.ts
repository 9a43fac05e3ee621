/**
 * A position in UTF-8 JSON bytes, for reading a line of a foreign connector's output without
 * decoding it to a JS string: object members matched against known key names, strings read
 * where a value is needed, and any other value skipped with its grammar checked, its span
 * returned so that its bytes can be passed on as they came.
 *
 * The grammar is checked, not the UTF-8: check the bytes with `isUtf8` (node:buffer) first.
 * Every failure throws a MessageError naming the offset and what was expected.
 */
import { Buffer } from 'node:buffer'
import { MessageError } from '../errors.ts'

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b

/** What `member` returns after an object's last member. */
export const END = -2

/** Key names a `member` call matches, as bytes; a member's index in the list is what the visitor gets. */
export type KeyNames = readonly Uint8Array[]

/** The names as `member` matches them. */
export function keyNames(...names: string[]): KeyNames {
  return names.map((name) => Buffer.from(name, 'utf8'))
}

export class ByteCursor {
  bytes: Buffer = Buffer.alloc(0)
  pos = 0
  /** Where the text ends (exclusive). */
  limit = 0
  /** A few short string values remembered with their bytes, as a type or stream name repeats from line to line. */
  readonly #known: { readonly raw: Buffer; readonly value: string }[] = []

  /** Points the cursor at `bytes[start, end)`. */
  reset(bytes: Uint8Array, start = 0, end = bytes.length): this {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = start
    this.limit = end
    return this
  }

  /** Skips whitespace and returns the next byte (-1 at the end). */
  peek(): number {
    const b = this.bytes
    const end = this.limit
    let p = this.pos
    while (p < end) {
      const c = b[p] as number
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break
      p++
    }
    this.pos = p
    return p < end ? (b[p] as number) : -1
  }

  fail(expected: string): never {
    const found = this.pos >= this.limit ? 'the end of the text' : JSON.stringify(this.bytes.toString('utf8', this.pos, Math.min(this.limit, this.pos + 12)))
    throw new MessageError(`expected ${expected} at offset ${this.pos}, found ${found}`)
  }

  /** Consumes `code` (after whitespace) or fails naming `expected`. */
  expect(code: number, expected: string): void {
    if (this.peek() !== code) this.fail(expected)
    this.pos++
  }

  /** Opens an object; then `member` reads its members one by one. */
  openObject(): void {
    this.expect(OPEN_OBJECT, 'an object')
    this.#firstMember = true
  }

  /**
   * Reads the next member's key and returns its index in `names` (-1 for any other key); the
   * caller then reads or skips its value. Returns END after the last member, having read the
   * object's `}`.
   */
  member(names: KeyNames): number {
    const c = this.peek()
    const first = this.#firstMember
    this.#firstMember = false
    if (c === CLOSE_OBJECT) {
      this.pos++
      return END
    }
    if (!first) {
      if (c !== COMMA) this.fail("',' or '}'")
      this.pos++
    }
    return this.#key(names)
  }

  /** `member` has not been called since `openObject`. */
  #firstMember = false

  /** True if the next token is a string (not consumed). */
  atString(): boolean {
    return this.peek() === QUOTE
  }

  /** Reads a JSON string and returns its value. */
  string(): string {
    if (this.peek() !== QUOTE) this.fail('a string')
    const start = this.pos
    const escaped = this.#skipString()
    const b = this.bytes
    if (escaped) return JSON.parse(b.toString('utf8', start, this.pos)) as string
    return this.#remembered(start + 1, this.pos - 1)
  }

  /** The string of the unescaped bytes `[from, to)`, decoded once if short. */
  #remembered(from: number, to: number): string {
    const b = this.bytes
    const length = to - from
    if (length > 64) return b.toString('utf8', from, to)
    const known = this.#known
    for (let k = 0; k < known.length; k++) {
      const { raw, value } = known[k] as { raw: Buffer; value: string }
      if (raw.length !== length) continue
      let i = 0
      while (i < length && raw[i] === b[from + i]) i++
      if (i === length) return value
    }
    const value = b.toString('utf8', from, to)
    if (known.length === 16) known.shift()
    known.push({ raw: Buffer.from(b.subarray(from, to)), value })
    return value
  }

  /** Fails unless only whitespace remains. */
  end(): void {
    if (this.peek() !== -1) this.fail('the end of the text')
  }

  /**
   * Skips one complete JSON value, checking its grammar, and returns the offset where it began
   * (the cursor then stands just past it). Iterative: nesting depth is not bounded by the stack.
   * Written as one loop over module functions, as this is where a shim spends its time.
   */
  skipValue(): number {
    const b = this.bytes
    const end = this.limit
    let p = ws(b, this.pos, end)
    const start = p
    let depth = 0
    for (;;) {
      const c = p < end ? (b[p] as number) : -1
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        p = ws(b, p + 1, end)
        if (p < end && b[p] === c + 2) p++ // `{}` or `[]`: the close is the open + 2
        else {
          if (depth === this.#stack.length) this.#stack = growStack(this.#stack)
          this.#stack[depth++] = c
          if (c === OPEN_OBJECT) p = this.#skipKey(p)
          continue
        }
      } else p = this.#skipScalar(p, c)
      // A value ended: close containers until one goes on with a comma.
      for (;;) {
        if (depth === 0) {
          this.pos = p
          return start
        }
        p = ws(b, p, end)
        const open = this.#stack[depth - 1] as number
        const next = p < end ? b[p] : -1
        if (next === COMMA) {
          p = ws(b, p + 1, end)
          if (open === OPEN_OBJECT) p = this.#skipKey(p)
          break
        }
        if (next !== open + 2) this.#failAt(p, open === OPEN_OBJECT ? "',' or '}'" : "',' or ']'")
        p++
        depth--
      }
    }
  }

  /** Open containers of `skipValue`, by their opening byte. */
  #stack = new Uint8Array(32)

  /** A string, number or literal at `p` (first byte `c`); returns where it ends. */
  #skipScalar(p: number, c: number): number {
    const b = this.bytes
    const end = this.limit
    if (c === QUOTE) {
      const q = skipPlainString(b, p, end)
      if (q >= 0) return q
      this.pos = p
      this.#skipString() // escapes, or the error that says what is wrong
      return this.pos
    }
    const q = c === MINUS || (c >= ZERO && c <= NINE) ? skipNumber(b, p, end) : skipLiteral(b, p, end)
    if (q < 0) this.#failAt(p, c === MINUS || (c >= ZERO && c <= NINE) ? 'a number' : 'a JSON value')
    return q
  }

  /** A key, its colon and the whitespace after it, from `p`; returns where its value starts. */
  #skipKey(p: number): number {
    const b = this.bytes
    const end = this.limit
    if (p >= end || b[p] !== QUOTE) this.#failAt(p, 'a string')
    p = this.#skipScalar(p, QUOTE)
    p = ws(b, p, end)
    if (p >= end || b[p] !== COLON) this.#failAt(p, "':'")
    return ws(b, p + 1, end)
  }

  #failAt(p: number, expected: string): never {
    this.pos = p
    return this.fail(expected)
  }

  /** Reads an object key and its colon; returns its index in `names` (-1: not one of them, or no names given). */
  #key(names: KeyNames | undefined): number {
    if (this.peek() !== QUOTE) this.fail('a string')
    const start = this.pos + 1
    const escaped = this.#skipString()
    const end = this.pos - 1
    this.expect(COLON, "':'")
    if (names === undefined) return -1
    if (escaped) return names.findIndex((name) => Buffer.from(JSON.parse(this.bytes.toString('utf8', start - 1, end + 1)) as string).equals(name))
    const b = this.bytes
    for (let n = 0; n < names.length; n++) {
      const name = names[n] as Uint8Array
      if (name.length !== end - start) continue
      let i = 0
      while (i < name.length && name[i] === b[start + i]) i++
      if (i === name.length) return n
    }
    return -1
  }

  /** Skips a string starting at the cursor's quote; returns true if it contained escapes. */
  #skipString(): boolean {
    const b = this.bytes
    const end = this.limit
    let p = this.pos + 1
    let escaped = false
    for (;;) {
      // The run of plain bytes; it stops at the line's end too (a `\n`, or past the buffer).
      while (PLAIN[b[p] as number] === 1) p++
      const c = p < end ? (b[p] as number) : -1
      if (c === QUOTE) break
      if (c !== BACKSLASH) {
        this.pos = p
        this.fail(c === -1 ? 'the closing quote of a string' : 'no control characters inside a string')
      }
      escaped = true
      p = this.#skipEscape(p)
    }
    this.pos = p + 1
    return escaped
  }

  /** Checks the escape sequence at `p` (its backslash); returns where it ends. */
  #skipEscape(p: number): number {
    const b = this.bytes
    const e = p + 1 < this.limit ? b[p + 1] : -1
    if (e === 0x75) {
      for (let i = p + 2; i < p + 6; i++) {
        const h = i < this.limit ? (b[i] as number) : -1
        if (!((h >= ZERO && h <= NINE) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) {
          this.pos = p
          this.fail('four hex digits after \\u')
        }
      }
      return p + 6
    }
    if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) return p + 2
    this.pos = p
    return this.fail('a valid escape sequence')
  }
}

/** 1 for the bytes that may stand unescaped in a string: not `"`, `\\` or a control character. */
const PLAIN = new Uint8Array(256).fill(1, SPACE)
PLAIN[QUOTE] = 0
PLAIN[BACKSLASH] = 0

/** Skips whitespace from `p`. */
function ws(b: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = b[p] as number
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break
    p++
  }
  return p
}

/** A string without escapes whose quote is at `p`: where it ends; -1 if it has an escape or is not well formed. */
function skipPlainString(b: Buffer, p: number, end: number): number {
  p++
  // The run of plain bytes stops at the line's end too (a `\n`, or past the buffer).
  while (PLAIN[b[p] as number] === 1) p++
  return p < end && b[p] === QUOTE ? p + 1 : -1
}

/** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at `p`: where it ends, or -1. */
function skipNumber(b: Buffer, p: number, end: number): number {
  if (b[p] === MINUS) p++
  const first = p < end ? (b[p] as number) : -1
  if (first === ZERO) p++
  else if (first > ZERO && first <= NINE) p = digits(b, p + 1, end)
  else return -1
  if (p < end && b[p] === 0x2e) {
    const after = digits(b, p + 1, end)
    if (after === p + 1) return -1
    p = after
  }
  if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
    p++
    if (p < end && (b[p] === 0x2b || b[p] === MINUS)) p++
    const after = digits(b, p, end)
    if (after === p) return -1
    p = after
  }
  return p
}

const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')
const NULL = Buffer.from('null')

/** `true`, `false` or `null` at `p`: where it ends, or -1. */
function skipLiteral(b: Buffer, p: number, end: number): number {
  const c = b[p]
  const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : undefined
  if (word === undefined || p + word.length > end) return -1
  for (let i = 1; i < word.length; i++) if (b[p + i] !== word[i]) return -1
  return p + word.length
}

function growStack(stack: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(stack.length * 2)
  grown.set(stack)
  return grown
}

/** The end of the run of decimal digits from `p`. */
function digits(b: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = b[p] as number
    if (c < ZERO || c > NINE) break
    p++
  }
  return p
}

const utf8 = new TextDecoder()

/** UTF-8 JSON text, parsed. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(utf8.decode(bytes))
}
