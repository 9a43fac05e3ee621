/**
 * Counts the response frames a capture connector writes without decoding a message: it reads
 * the framing only (newlines, or u32-LE length prefixes) and tells a Captured frame from a
 * Checkpoint from an Opened one by each frame's first bytes (the JSON line's first key, the
 * protobuf frame's field tag). What a benchmark reader needs to keep up with any connector.
 */
import { FramingError } from '../errors.ts'
import type { Codec } from '../codec/frames.ts'
import { captureResponse } from '../protocol/index.ts'

type Kind = 'opened' | 'captured' | 'checkpoint' | 'other'

/** The first protobuf byte (field tag) of each kind of response, from the generated code. */
const protoTags = (() => {
  const tag = (response: Parameters<typeof captureResponse.toProto>[0]) => captureResponse.toProto(response)[0] as number
  return { opened: tag({ opened: {} }), captured: tag({ captured: { docJson: '{}' } }), checkpoint: tag({ checkpoint: {} }) }
})()

/** Two bytes of a JSON response line that tell its kind: the third and fourth (`{"op`, `{"ca`, `{"ch`). */
const jsonHeads = (() => {
  const head = (line: string) => (line.charCodeAt(2) << 8) | line.charCodeAt(3)
  return { opened: head('{"opened"'), captured: head('{"captured"'), checkpoint: head('{"checkpoint"') }
})()

/**
 * Counts the frames of a stream of response bytes and tells their kinds. Chunks may split
 * frames anywhere. Frames before Opened are counted in `bytesThroughOpened` only.
 */
export class FrameCounter {
  readonly #json: boolean
  bytes = 0
  bytesThroughOpened = 0
  opened = false
  framesAfterOpened = 0
  docs = 0
  checkpoints = 0
  /** JSON: bytes of the current line seen (up to 4) and the 3rd and 4th of them. */
  #headSeen = 0
  #head = 0
  /** protobuf: bytes of the current length prefix seen, its value so far, body bytes left to skip. */
  #prefixSeen = 0
  #length = 0
  #skip = 0
  #needTag = false
  /** protobuf: the kind of the frame being skipped. */
  #kind: Kind = 'other'

  constructor(codec: Codec) {
    this.#json = codec === 'json'
  }

  push(chunk: Buffer): void {
    if (this.#json) this.#pushJson(chunk)
    else this.#pushProto(chunk)
    this.bytes += chunk.length
  }

  /** Whether the bytes so far end with a whole frame. */
  get atFrameBoundary(): boolean {
    return this.#json ? this.#headSeen === 0 : this.#prefixSeen === 0 && this.#skip === 0 && !this.#needTag
  }

  /** Throws a FramingError if the stream ended inside a frame. */
  finish(): void {
    if (!this.atFrameBoundary) throw new FramingError('FRAME_TRUNCATED', `output ended inside a frame, after ${this.bytes} bytes`)
  }

  #frame(kind: Kind, endOffset: number): void {
    if (!this.opened) {
      if (kind === 'opened') {
        this.opened = true
        this.bytesThroughOpened = this.bytes + endOffset
      }
      return
    }
    this.framesAfterOpened++
    if (kind === 'captured') this.docs++
    else if (kind === 'checkpoint') this.checkpoints++
  }

  #pushJson(chunk: Buffer): void {
    const n = chunk.length
    let pos = 0
    while (pos < n) {
      while (this.#headSeen < 4 && pos < n && chunk[pos] !== 0x0a) {
        if (this.#headSeen >= 2) this.#head = (this.#head << 8) | (chunk[pos] as number)
        this.#headSeen++
        pos++
      }
      const newline = chunk.indexOf(0x0a, pos)
      if (newline < 0) return
      const head = this.#head
      this.#frame(
        head === jsonHeads.captured ? 'captured' : head === jsonHeads.checkpoint ? 'checkpoint' : head === jsonHeads.opened ? 'opened' : 'other',
        newline + 1,
      )
      this.#headSeen = 0
      this.#head = 0
      pos = newline + 1
    }
  }

  #pushProto(chunk: Buffer): void {
    const n = chunk.length
    let pos = 0
    while (pos < n) {
      if (this.#needTag) {
        this.#needTag = false
        this.#kind = kindOfTag(chunk[pos] as number)
      }
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, n - pos)
        this.#skip -= take
        pos += take
        if (this.#skip === 0) this.#frame(this.#kind, pos)
        continue
      }
      // Whole frames inside the chunk, read in place (the common case).
      while (this.#prefixSeen === 0 && pos + 5 <= n) {
        const length = (chunk[pos] as number) + ((chunk[pos + 1] as number) << 8) + ((chunk[pos + 2] as number) << 16) + (chunk[pos + 3] as number) * 0x1000000
        if (length === 0 || pos + 4 + length > n) break
        this.#frame(kindOfTag(chunk[pos + 4] as number), pos + 4 + length)
        pos += 4 + length
      }
      if (pos >= n) return
      // A length prefix, u32 little-endian, possibly split across chunks.
      while (this.#prefixSeen < 4 && pos < n) {
        this.#length += (chunk[pos] as number) * 2 ** (8 * this.#prefixSeen)
        this.#prefixSeen++
        pos++
      }
      if (this.#prefixSeen < 4) return
      this.#prefixSeen = 0
      this.#skip = this.#length
      this.#length = 0
      if (this.#skip === 0) this.#frame('other', pos)
      else if (pos < n) this.#kind = kindOfTag(chunk[pos] as number)
      else this.#needTag = true
    }
  }
}

function kindOfTag(tag: number): Kind {
  return tag === protoTags.captured ? 'captured' : tag === protoTags.checkpoint ? 'checkpoint' : tag === protoTags.opened ? 'opened' : 'other'
}
