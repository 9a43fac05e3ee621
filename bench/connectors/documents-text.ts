/**
 * The bench documents as JSON text, serialized before a session starts: one string per
 * transaction (the texts of its CHECKPOINT_EVERY documents, back to back, ~470 KB), from which
 * each document's text is sliced as the source emits it. A slice is V8's O(1) sliced string:
 * no copy, a distinct string per document, read from contiguous memory, the way a shim's
 * document is a slice of the text it just decoded from a child's stdout.
 *
 * Not one string per document built up front: a million strings promoted to the old
 * generation, scattered, had every case that read them pay cache misses and major GCs over
 * ~450 MB no connector would hold (the text case ran at 0.35-0.6 M docs/s that way, 0.75-1.4
 * M docs/s this way, on the same machine), and measured the bench's heap, not the encoder.
 */
import { CHECKPOINT_EVERY, makeDocument } from './documents.ts'

export interface DocumentTexts {
  /** Document i's JSON text: a slice, made on each call. */
  readonly text: (i: number) => string
}

export function documentTexts(documents: number): DocumentTexts {
  const transactions: string[] = []
  /** Where each document's text starts in its transaction's string; the next one's start ends it. */
  const starts = new Uint32Array(documents + 1)
  for (let t = 0; t * CHECKPOINT_EVERY < documents; t++) {
    const parts: string[] = []
    let at = 0
    for (let i = t * CHECKPOINT_EVERY; i < Math.min(documents, (t + 1) * CHECKPOINT_EVERY); i++) {
      const text = JSON.stringify(makeDocument(i))
      starts[i] = at
      at += text.length
      parts.push(text)
    }
    transactions.push(parts.join(''))
  }
  return {
    text(i) {
      const t = (i / CHECKPOINT_EVERY) | 0
      const all = transactions[t] as string
      return all.slice(starts[i], (i + 1) % CHECKPOINT_EVERY === 0 ? all.length : starts[i + 1])
    },
  }
}
