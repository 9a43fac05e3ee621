/**
 * Size limits shared by the framing codecs.
 *
 * The Flow runtime decodes each message with a limit of 64 MiB (`MAX_MESSAGE_SIZE = 1 << 26`),
 * so a frame past that size could never be delivered: the codecs refuse it as soon as it is
 * known to be larger, instead of buffering it first.
 */
import { ArgumentError, FramingError } from '../errors.ts'

/** Largest frame (message bytes, without the newline or the 4-byte header) a codec accepts. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 26

/** Size of the Buffers an encoder fills before yielding them. */
export const DEFAULT_CHUNK_BYTES = 1 << 16

/** The error of a frame too large to write: names its size (`what`: 'frame' or 'ndjson line') and the limit. */
export function frameTooLarge(bytes: number, maxFrameBytes: number, what = 'frame'): FramingError {
  return new FramingError('FRAME_TOO_LARGE', `cannot encode a ${bytes}-byte ${what}: the frame size limit is ${maxFrameBytes} bytes (maxFrameBytes)`)
}

/** Largest length a u32 frame header can declare. */
const MAX_U32 = 0xffff_ffff

/** Smallest `chunkBytes`: an encoder with it gives almost every frame a Buffer of its own size. */
export const MIN_CHUNK_BYTES = 16

/** Returns the validated `maxFrameBytes` option, or the default. Throws an ArgumentError (ARGUMENT_INVALID) on a bad value. */
export function resolveMaxFrameBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_FRAME_BYTES
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_U32) {
    throw new ArgumentError(`maxFrameBytes must be an integer from 0 to ${MAX_U32}, got ${value}`)
  }
  return value
}

/** Returns the validated `chunkBytes` option, or the default. Throws an ArgumentError (ARGUMENT_INVALID) on a bad value. */
export function resolveChunkBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CHUNK_BYTES
  if (!Number.isSafeInteger(value) || value < MIN_CHUNK_BYTES || value > MAX_U32) {
    throw new ArgumentError(`chunkBytes must be an integer from ${MIN_CHUNK_BYTES} to ${MAX_U32}, got ${value}`)
  }
  return value
}
