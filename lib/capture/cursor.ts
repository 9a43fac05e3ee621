import { ConnectorError } from '../errors.ts'

/**
 * A cursor of an incremental resource: a number, or a date-time with a time zone (a Date, or
 * an RFC 3339 string ending in Z or an offset). Kept in the state as JSON (a Date as its ISO text).
 */
export type Cursor = number | string | Date

/** How two cursors order: negative, zero or positive as `a` is before, at or after `b`. */
export type CursorCompare = (a: Cursor, b: Cursor) => number

const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i

/** The time of a date-time cursor, in epoch ms; fails on a string without a time zone (its order would depend on the machine's zone). */
function timeOf(cursor: Cursor): number {
  if (cursor instanceof Date) return cursor.getTime()
  if (typeof cursor === 'string' && ZONED.test(cursor)) return Date.parse(cursor)
  throw new ConnectorError(`a cursor must be a number or a date-time with a time zone (a Date, or text such as 2026-01-01T00:00:00Z); got ${JSON.stringify(cursor)}`)
}

/** The default order: numbers by value, date-times by instant; a number and a date-time do not compare. */
export const compareCursors: CursorCompare = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number' || typeof b === 'number') throw new ConnectorError(`a number cursor and a date-time cursor do not compare: ${JSON.stringify(a)} and ${JSON.stringify(b)}`)
  return timeOf(a) - timeOf(b)
}

/** The cursor as it is kept in the state. */
export function cursorJson(cursor: Cursor): number | string {
  if (cursor instanceof Date) return cursor.toISOString()
  return cursor
}
