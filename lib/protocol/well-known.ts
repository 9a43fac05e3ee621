import Long from 'long'
import { MessageError } from '../errors.ts'

/** google.protobuf.Timestamp and Duration as the generated code holds them. */
export interface SecondsNanos {
  seconds?: Long | number | null
  nanos?: number | null
}

const NANOS_PER_SECOND = 1_000_000_000
const MIN_SECONDS = -62_135_596_800 // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253_402_300_799 // 9999-12-31T23:59:59Z

function toNumber(value: Long | number | null | undefined): number {
  if (value == null) return 0
  return typeof value === 'number' ? value : value.toNumber()
}

/** Fraction of a second as Flow writes it: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return ''
  if (nanos % 1_000_000 === 0) return '.' + String(nanos / 1_000_000).padStart(3, '0')
  if (nanos % 1_000 === 0) return '.' + String(nanos / 1_000).padStart(6, '0')
  return '.' + String(nanos).padStart(9, '0')
}

/** Formats a Timestamp as RFC 3339 in UTC with a `+00:00` offset, e.g. `2023-11-14T22:21:40.123+00:00`. */
export function formatTimestamp(value: SecondsNanos): string {
  const seconds = toNumber(value.seconds)
  const nanos = value.nanos ?? 0
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos >= NANOS_PER_SECOND) {
    throw new MessageError(`timestamp out of range: seconds ${seconds}, nanos ${nanos}`)
  }
  const iso = new Date(seconds * 1000).toISOString() // YYYY-MM-DDTHH:MM:SS.000Z
  return iso.slice(0, 19) + fraction(nanos) + '+00:00'
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/** Parses an RFC 3339 timestamp with any offset into seconds and nanos since the epoch. */
export function parseTimestamp(text: string): { seconds: Long; nanos: number } {
  const m = TIMESTAMP.exec(text)
  if (!m) throw new MessageError(`not an RFC 3339 timestamp: ${JSON.stringify(text)}`)
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, 0)
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new MessageError(`not a valid date and time: ${JSON.stringify(text)}`)
  }
  let seconds = date.getTime() / 1000
  if (m[9] !== undefined) {
    const offset = Number(m[10]) * 3600 + Number(m[11]) * 60
    seconds -= m[9] === '-' ? -offset : offset
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw new MessageError(`timestamp out of range: ${JSON.stringify(text)}`)
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'))
  return { seconds: Long.fromNumber(seconds), nanos }
}

/** Formats a Duration as decimal seconds with an `s` suffix, e.g. `62.250s`, `-0.5s` → `-0.500s`. */
export function formatDuration(value: SecondsNanos): string {
  const seconds = toNumber(value.seconds)
  const nanos = value.nanos ?? 0
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0) || Math.abs(nanos) >= NANOS_PER_SECOND) {
    throw new MessageError(`duration has mismatched seconds ${seconds} and nanos ${nanos}`)
  }
  const sign = seconds < 0 || nanos < 0 ? '-' : ''
  return sign + String(Math.abs(seconds)) + fraction(Math.abs(nanos)) + 's'
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/

/** google.protobuf.Duration's range: about ±10,000 years. */
const MAX_DURATION_SECONDS = 315_576_000_000

/** Parses `"62.250s"`-style durations. */
export function parseDuration(text: string): { seconds: Long; nanos: number } {
  const m = DURATION.exec(text)
  if (!m) throw new MessageError(`not a duration like "1.5s": ${JSON.stringify(text)}`)
  const negative = m[1] === '-'
  // Long.fromString wraps past 64 bits: check the range on the digits first.
  if (Number(m[2]) > MAX_DURATION_SECONDS) throw new MessageError(`duration out of range: ${JSON.stringify(text)}`)
  let seconds = Long.fromString(m[2] as string)
  let nanos = m[3] === undefined ? 0 : Number(m[3].padEnd(9, '0'))
  if (negative) {
    seconds = seconds.negate()
    nanos = -nanos
  }
  return { seconds, nanos }
}

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/

/** Decodes standard or URL-safe base64, padded or not. */
export function parseBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw new MessageError(`not base64: ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)}`)
  return Buffer.from(text, 'base64')
}

/** Encodes bytes as standard base64 with padding. */
export function formatBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
