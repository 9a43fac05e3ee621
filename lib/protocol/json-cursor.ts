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
const CLOSE_ARRAY = 0x5d

/** A run of characters that may stand unescaped in a JSON string (sticky: matches at lastIndex). */
const PLAIN = /[^"\\\x00-\x1f]*/y
const HEX4 = /[0-9a-fA-F]{4}/y

/**
 * A position in a JSON text, with the few reads the Flow mapping needs: strings, number tokens,
 * literals, and skipping a whole value while checking its grammar. Skipped values are returned
 * as offsets so raw `*_json` fields can be kept verbatim, byte for byte as they arrived.
 *
 * Every failure throws a MessageError naming the offset and what was expected.
 */
export class JsonCursor {
  pos = 0

  constructor(readonly text: string) {}

  /** Skips whitespace and returns the next character code (NaN at the end). */
  peek(): number {
    const s = this.text
    let p = this.pos
    let c = s.charCodeAt(p)
    while (c === SPACE || c === LF || c === CR || c === TAB) c = s.charCodeAt(++p)
    this.pos = p
    return c
  }

  fail(expected: string): never {
    const c = this.text.charCodeAt(this.pos)
    const found = Number.isNaN(c) ? 'the end of the text' : JSON.stringify(this.text.slice(this.pos, this.pos + 12))
    throw new MessageError(`expected ${expected} at offset ${this.pos}, found ${found}`)
  }

  /** Consumes `code` (after whitespace) or fails naming `expected`. */
  expect(code: number, expected: string): void {
    if (this.peek() !== code) this.fail(expected)
    this.pos++
  }

  /** After a member or element: true if a comma follows, false if `close` does. */
  more(close: number): boolean {
    const c = this.peek()
    if (c === COMMA) {
      this.pos++
      return true
    }
    if (c === close) {
      this.pos++
      return false
    }
    return this.fail(close === CLOSE_OBJECT ? "',' or '}'" : "',' or ']'")
  }

  /** Opens an object or array; returns false (having consumed the close) when it is empty. */
  open(code: typeof OPEN_OBJECT | typeof OPEN_ARRAY, expected: string): boolean {
    this.expect(code, expected)
    const close = code === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY
    if (this.peek() === close) {
      this.pos++
      return false
    }
    return true
  }

  /** Reads an object, calling `member` with each key in turn; `member` must read or skip its value. */
  members(member: (key: string) => void): void {
    if (!this.open(OPEN_OBJECT, 'an object')) return
    do member(this.key())
    while (this.more(CLOSE_OBJECT))
  }

  /** Reads an object key and its colon. */
  key(): string {
    const key = this.string()
    this.expect(COLON, "':'")
    return key
  }

  /** Reads a JSON string (after whitespace) and returns its value. */
  string(): string {
    if (this.peek() !== QUOTE) this.fail('a string')
    const start = this.pos
    const escaped = this.skipString()
    if (!escaped) return this.text.slice(start + 1, this.pos - 1)
    return JSON.parse(this.text.slice(start, this.pos)) as string
  }

  /** True if the next value is `null`, which is then consumed. */
  null(): boolean {
    if (this.peek() !== 0x6e || !this.text.startsWith('null', this.pos)) return false
    this.pos += 4
    return true
  }

  /** True if the next token is a string (not consumed). */
  atString(): boolean {
    return this.peek() === QUOTE
  }

  /** Reads a number token and returns its text, unchanged. */
  numberToken(): string {
    const start = this.pos
    if (!this.skipNumber()) this.fail('a number')
    return this.text.slice(start, this.pos)
  }

  /** Reads `true` or `false`. */
  boolean(): boolean {
    const c = this.peek()
    if (c === 0x74 && this.text.startsWith('true', this.pos)) {
      this.pos += 4
      return true
    }
    if (c === 0x66 && this.text.startsWith('false', this.pos)) {
      this.pos += 5
      return false
    }
    return this.fail('true or false')
  }

  /**
   * Skips one complete JSON value, checking its grammar, and returns the offset where it began
   * (the cursor then stands just past it). Iterative, so nesting depth is not bounded by the stack.
   */
  skipValue(): number {
    const s = this.text
    const start = (this.peek(), this.pos)
    // One entry per open container: true for an object, false for an array.
    const stack: boolean[] = []
    for (;;) {
      // A value is expected here.
      let c = this.peek()
      if (c === OPEN_OBJECT) {
        this.pos++
        if (this.peek() === CLOSE_OBJECT) this.pos++
        else {
          stack.push(true)
          this.key()
          continue
        }
      } else if (c === OPEN_ARRAY) {
        this.pos++
        if (this.peek() === CLOSE_ARRAY) this.pos++
        else {
          stack.push(false)
          continue
        }
      } else if (c === QUOTE) {
        this.skipString()
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        this.skipNumber() || this.fail('a number')
      } else if (c === 0x74 && s.startsWith('true', this.pos)) this.pos += 4
      else if (c === 0x66 && s.startsWith('false', this.pos)) this.pos += 5
      else if (c === 0x6e && s.startsWith('null', this.pos)) this.pos += 4
      else this.fail('a JSON value')

      // A value was completed: close containers until one continues with a comma.
      for (;;) {
        if (stack.length === 0) return start
        const inObject = stack[stack.length - 1]
        c = this.peek()
        if (c === COMMA) {
          this.pos++
          if (inObject) this.key()
          break
        }
        if (c === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
          this.pos++
          stack.pop()
          continue
        }
        this.fail(inObject ? "',' or '}'" : "',' or ']'")
      }
    }
  }

  /** Fails unless only whitespace remains. */
  end(): void {
    if (!Number.isNaN(this.peek())) this.fail('the end of the text')
  }

  /** Skips a string starting at the cursor's quote; returns true if it contained escapes. */
  private skipString(): boolean {
    const s = this.text
    let p = this.pos + 1
    let escaped = false
    for (;;) {
      // Short runs are walked here; long ones are jumped over by the native regex engine.
      let c = s.charCodeAt(p)
      for (let n = 0; n < 16 && c !== QUOTE && c !== BACKSLASH && c >= SPACE; n++) c = s.charCodeAt(++p)
      if (c !== QUOTE && c !== BACKSLASH && c >= SPACE) {
        PLAIN.lastIndex = p
        PLAIN.test(s)
        p = PLAIN.lastIndex
        c = s.charCodeAt(p)
      }
      if (c === QUOTE) break
      if (c === BACKSLASH) {
        escaped = true
        const e = s.charCodeAt(p + 1)
        if (e === 0x75) {
          HEX4.lastIndex = p + 2
          if (!HEX4.test(s)) {
            this.pos = p
            this.fail('four hex digits after \\u')
          }
          p += 6
        } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          p += 2
        } else {
          this.pos = p
          this.fail('a valid escape sequence')
        }
        continue
      }
      this.pos = p
      this.fail(Number.isNaN(c) ? 'the closing quote of a string' : 'no control characters inside a string')
    }
    this.pos = p + 1
    return escaped
  }

  /** Skips `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; returns false if none is here. */
  private skipNumber(): boolean {
    const s = this.text
    let p = this.pos
    if (s.charCodeAt(p) === MINUS) p++
    let c = s.charCodeAt(p)
    if (c === ZERO) c = s.charCodeAt(++p)
    else if (c > ZERO && c <= NINE) {
      do c = s.charCodeAt(++p)
      while (c >= ZERO && c <= NINE)
    } else return false
    if (c === 0x2e) {
      c = s.charCodeAt(++p)
      if (!(c >= ZERO && c <= NINE)) return false
      do c = s.charCodeAt(++p)
      while (c >= ZERO && c <= NINE)
    }
    if (c === 0x65 || c === 0x45) {
      c = s.charCodeAt(++p)
      if (c === 0x2b || c === MINUS) c = s.charCodeAt(++p)
      if (!(c >= ZERO && c <= NINE)) return false
      do c = s.charCodeAt(++p)
      while (c >= ZERO && c <= NINE)
    }
    this.pos = p
    return true
  }
}

export const OBJECT = OPEN_OBJECT
export const ARRAY = OPEN_ARRAY
export const END_OBJECT = CLOSE_OBJECT
export const END_ARRAY = CLOSE_ARRAY

/**
 * Checks that `text` is exactly one JSON value and returns it in a form safe for a JSON line:
 * unchanged when it holds no line breaks (the common case), otherwise with the whitespace
 * between tokens removed (line breaks can only occur there, never inside a string).
 */
export function checkRawJson(text: string): string {
  const cursor = new JsonCursor(text)
  cursor.skipValue()
  cursor.end()
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return text
  return compactJson(text)
}

/** Removes whitespace outside strings from a valid JSON text. */
function compactJson(text: string): string {
  let out = ''
  let from = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === SPACE || c === LF || c === CR || c === TAB) {
      out += text.slice(from, i)
      from = i + 1
    }
  }
  return out + text.slice(from)
}
