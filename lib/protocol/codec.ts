import protobuf from 'protobufjs/minimal.js'
import Long from 'long'
import { MessageError, messageOf } from '../errors.ts'
import { readJsonMessage } from './json-read.ts'
import { writeJsonMessage } from './json-write.ts'
import { generatedClass, messagePlan, type MessagePlan } from './message-plan.ts'

// 64-bit integers are held as Long. Set it explicitly: protobufjs finds `long` on its own only
// where `require` works, which a bundled connector cannot rely on.
protobuf.util.Long = Long
protobuf.configure()

/** A generated message class: what the static code offers for each type. */
interface GeneratedType<T> {
  encode(message: T, writer?: protobuf.Writer): protobuf.Writer
  decode(reader: protobuf.Reader | Uint8Array, length?: number): T
}

/** Both of Flow's codecs for one message type. */
export interface MessageCodec<T> {
  /** Full protobuf name, e.g. `capture.Request`. */
  readonly typeName: string
  /** Reads one message from Flow's JSON (the text of one frame). */
  fromJson(text: string): T
  /** Writes one message as Flow's JSON, compact, without a trailing newline. */
  toJson(message: T): string
  /** Decodes one message from protobuf bytes (one frame, without its length prefix). */
  fromProto(bytes: Uint8Array): T
  /** Encodes one message as protobuf, fields in ascending number order, defaults omitted. */
  toProto(message: T): Uint8Array
}

/** The codec of any message type of the generated code, by full name (`flow.CaptureSpec`). */
export function codecOf<T extends object>(typeName: string): MessageCodec<T> {
  const plan: MessagePlan = messagePlan(typeName)
  const generated = generatedClass(typeName) as unknown as GeneratedType<T>
  return {
    typeName,
    fromJson: (text) => readJsonMessage(plan, text) as T,
    toJson: (message) => writeJsonMessage(plan, message as Record<string, unknown>),
    fromProto(bytes) {
      try {
        return generated.decode(bytes)
      } catch (error) {
        throw new MessageError(`${typeName}: not a valid protobuf message (${messageOf(error)})`, { cause: error })
      }
    },
    toProto: (message) => generated.encode(message).finish(),
  }
}
