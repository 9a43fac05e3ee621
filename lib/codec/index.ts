/**
 * Framing of Flow's two wire codecs: newline-delimited JSON and u32-LE length-prefixed
 * protobuf. Decoders turn chunks of bytes into batches of messages through a `parse` hook;
 * encoders turn batches of messages into chunks of bytes through a `serialize` hook. The
 * frame functions do the same for whole messages of a `FrameCodec`, in either `Codec`.
 */
export { decodeNdjson, encodeNdjson } from './ndjson.ts'
export type { NdjsonDecodeOptions } from './ndjson.ts'
export { decodeLengthPrefixed, encodeLengthPrefixed } from './length-prefixed.ts'
export type { LengthPrefixedDecodeOptions } from './length-prefixed.ts'
export type { EncodeOptions } from './chunk-writer.ts'
export { decodeFrames, encodeFrame, encodeFrames, MessageReader, readFrames } from './frames.ts'
export type { Codec, FrameCodec, FrameOptions } from './frames.ts'
export { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_FRAME_BYTES } from './limits.ts'
