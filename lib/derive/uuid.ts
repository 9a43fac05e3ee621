/**
 * The UUID of a document from the parts Flow sends in Read: `node` holds the 48-bit producer
 * id (high bytes) and the 10 flag bits (low bits); `clock` holds a 60-bit v1 timestamp and a
 * 4-bit sequence counter. The text is the RFC 4122 v1 UUID Flow writes into documents.
 */
import type Long from 'long'
import type { UuidParts } from './connector.ts'

const MASK_64 = (1n << 64n) - 1n

/** A protobuf 64-bit value (Long, or a number) as an unsigned bigint. */
export function unsigned64(value: Long | number | null | undefined): bigint {
  if (value === null || value === undefined) return 0n
  if (typeof value === 'number') return BigInt(Math.trunc(value)) & MASK_64
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)
}

const hex = (value: bigint, digits: number) => value.toString(16).padStart(digits, '0')

/** The UUID's text, `xxxxxxxx-xxxx-1xxx-yxxx-xxxxxxxxxxxx`. */
export function formatUuid(parts: UuidParts): string {
  const { node, clock } = parts
  const timeLow = (clock >> 4n) & 0xffff_ffffn
  const timeMid = (clock >> 36n) & 0xffffn
  const timeHigh = ((clock >> 52n) & 0x0fffn) | 0x1000n
  const sequence = ((clock << 10n) & 0x3c00n) | (node & 0x3ffn) | 0x8000n
  const producer = (node >> 16n) & 0xffff_ffff_ffffn
  return `${hex(timeLow, 8)}-${hex(timeMid, 4)}-${hex(timeHigh, 4)}-${hex(sequence, 4)}-${hex(producer, 12)}`
}
