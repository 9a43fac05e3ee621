import { parseJsonBytes } from '../json/byte-cursor.ts'
import type { CaptureEvent, EventBatch } from './events.ts'

/** A document as a transform sees it: an object (JSON text and bytes are parsed first). */
export type DocumentObject = Record<string, unknown>

/**
 * Applies `transform` to every document, a batch at a time: one async step per batch, not per
 * document, which is what makes a per-document transform cheap (a per-item async operator costs
 * several times the work of serializing the document). Documents given as JSON text or bytes are parsed
 * for the transform; other events pass unchanged, in order. Yields a new array per batch.
 */
export function mapDocuments(transform: (doc: DocumentObject, binding: number) => object) {
  return async function* mapDocuments(source: AsyncIterable<EventBatch>): AsyncGenerator<EventBatch, void, undefined> {
    for await (const batch of source) {
      const out = new Array<CaptureEvent>(batch.length)
      for (let i = 0; i < batch.length; i++) {
        const event = batch[i] as CaptureEvent
        if (event.type !== 'document') {
          out[i] = event
          continue
        }
        const doc = documentObject(event.doc)
        out[i] = { type: 'document', binding: event.binding, doc: transform(doc, event.binding) }
      }
      yield out
    }
  }
}

/** A document as an object: text and bytes parsed. */
function documentObject(doc: object | string | Uint8Array): DocumentObject {
  if (typeof doc === 'string') return JSON.parse(doc) as DocumentObject
  if (doc instanceof Uint8Array) return parseJsonBytes(doc) as DocumentObject
  return doc as DocumentObject
}
