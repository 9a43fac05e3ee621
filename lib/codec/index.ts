/**
 * Framing of Flow's two wire codecs: newline-delimited JSON and u32-LE length-prefixed
 * protobuf. Decoders turn chunks of bytes into batches of messages through a `parse` hook;
 * encoders turn batches of messages into chunks of bytes through a `serialize` hook.
 */
export { decodeNdjson, encodeNdjson } from './ndjson.ts'
export type { NdjsonDecodeOptions, NdjsonEncodeOptions } from './ndjson.ts'
export { decodeLengthPrefixed, encodeLengthPrefixed } from './length-prefixed.ts'
export type { LengthPrefixedDecodeOptions, LengthPrefixedEncodeOptions } from './length-prefixed.ts'
export { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_FRAME_BYTES } from './limits.ts'
