import { MessageError, messageOf } from '../errors.ts'

/**
 * An error inside a message, with the path to it collected as the stack unwinds through
 * fields, elements and map entries (innermost first), so no path is built unless something fails.
 */
export class PathError extends Error {
  readonly segments: string[] = []

  constructor(
    readonly reason: string,
    readonly original: unknown,
  ) {
    super(reason)
  }
}

/** Adds `segment` (`.field`, `[3]`, `["key"]`) in front of the path of `error`. */
export function located(error: unknown, segment: string): PathError {
  const pathError = error instanceof PathError ? error : new PathError(messageOf(error), error)
  pathError.segments.unshift(segment)
  return pathError
}

/** The MessageError a caller sees: `capture.Request.open.range.keyEnd: reason`. */
export function messageError(typeName: string, error: unknown): unknown {
  if (!(error instanceof PathError)) return error
  return new MessageError(`${typeName}${error.segments.join('')}: ${error.reason}`, { cause: error.original })
}
