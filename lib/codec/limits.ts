/**
 * Size limits shared by the framing codecs.
 *
 * The Flow runtime decodes each message with a limit of 64 MiB (`MAX_MESSAGE_SIZE = 1 << 26`),
 * so a frame past that size could never be delivered: the codecs refuse it as soon as it is
 * known to be larger, instead of buffering it first.
 */

/** Largest frame (message bytes, without the newline or the 4-byte header) a codec accepts. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 26

/** Size of the Buffers an encoder fills before yielding them. */
export const DEFAULT_CHUNK_BYTES = 1 << 16

/** Largest length a u32 frame header can declare. */
const MAX_U32 = 0xffff_ffff

/** Returns the validated `maxFrameBytes` option, or the default. Throws RangeError on a bad value. */
export function resolveMaxFrameBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_FRAME_BYTES
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_U32) {
    throw new RangeError(`maxFrameBytes must be an integer from 0 to ${MAX_U32}, got ${value}`)
  }
  return value
}

/** Returns the validated `chunkBytes` option, or the default. Throws RangeError on a bad value. */
export function resolveChunkBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CHUNK_BYTES
  if (!Number.isSafeInteger(value) || value < 16 || value > MAX_U32) {
    throw new RangeError(`chunkBytes must be an integer from 16 to ${MAX_U32}, got ${value}`)
  }
  return value
}
