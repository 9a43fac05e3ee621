/**
 * One capture session as the conformance checks watch it: whether it opened, what it
 * committed, whether its documents fit their collections, and how it ended. A failure of the
 * session is kept, not thrown, so that each check can judge its own rule.
 */
import { ConnectorError, messageOf } from '../errors.ts'
import { locate, parsePointer } from '../json/pointer.ts'
import { runCaptureSession, type Transaction } from './capture-session.ts'
import type { CaptureTask } from './catalog.ts'
import { compileCollection, describeProblems, type CollectionChecker } from './document-check.ts'
import type { StartOptions } from './endpoint.ts'

export interface WatchOptions extends StartOptions {
  /** The state the session opens with. Default `{}`. */
  readonly state?: unknown
  /** The session is asked to stop (its stdin closed) after this many transactions. */
  readonly maxTransactions: number
  /** ... or after this long. */
  readonly timeoutMs: number
  /** How long an Acknowledge may wait to be taken. */
  readonly ackTimeoutMs: number
  /** Once asked to stop, how long the connector may take to end its session before it is killed. */
  readonly stopGraceMs: number
  /** Document keys (see `documentKey`) to look out for: those committed are in `seenKeys`. */
  readonly watchKeys?: ReadonlySet<string>
}

export interface WatchedSession {
  /** The connector answered Open with Opened. */
  readonly opened: boolean
  readonly explicitAcknowledgements: boolean
  readonly transactions: number
  readonly documents: number
  /** The state after the last committed transaction. */
  readonly state: unknown
  /** The session was stopped by `maxTransactions` or `timeoutMs`. */
  readonly stopped: boolean
  /** What is wrong with the first committed document that does not fit its collection (or with a collection's schema). */
  readonly documentProblem?: string
  /** How many committed documents do not fit their collection. */
  readonly documentProblems: number
  /** Keys of the documents of the first transaction that committed any. */
  readonly firstKeys: ReadonlySet<string>
  /** The `watchKeys` this session committed. */
  readonly seenKeys: ReadonlySet<string>
  /** Why the session failed, if it did. */
  readonly error?: unknown
}

/** Runs one session, checking each committed document itself so that a bad one does not end the session. */
export async function watchSession(task: CaptureTask, options: WatchOptions): Promise<WatchedSession> {
  const watch = new SessionWatch(task, options)
  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort(), options.timeoutMs)
  try {
    const result = await runCaptureSession(task, {
      logLevel: options.logLevel,
      onLog: options.onLog,
      state: options.state ?? {},
      checkDocuments: false,
      ackTimeoutMs: options.ackTimeoutMs,
      signal: stop.signal,
      stopGraceMs: options.stopGraceMs,
      onOpened: (opened) => watch.opened(opened.explicitAcknowledgements === true),
      onTransaction: (transaction) => {
        if (watch.commit(transaction) >= options.maxTransactions) stop.abort()
      },
    })
    return watch.result(result.stopped)
  } catch (error) {
    if (stop.signal.aborted && error instanceof ConnectorError && error.signal === 'SIGKILL') {
      const why = `the connector did not end its session within ${options.stopGraceMs / 1000} s of its stdin closing (how the runtime ends a session); it was killed`
      return watch.result(true, new ConnectorError(why, { cause: error, signal: 'SIGKILL' }))
    }
    return watch.result(stop.signal.aborted, error)
  } finally {
    clearTimeout(timer)
  }
}

/** What a session committed, gathered transaction by transaction. */
class SessionWatch {
  readonly #options: WatchOptions
  readonly #checkers: readonly CollectionChecker[] | undefined
  readonly #keys: readonly (readonly (readonly string[] | null)[])[]
  readonly #firstKeys = new Set<string>()
  readonly #seenKeys = new Set<string>()
  #opened = false
  #explicit = false
  #transactions = 0
  #documents = 0
  #state: unknown
  #problem: string | undefined
  #problems = 0

  constructor(task: CaptureTask, options: WatchOptions) {
    this.#options = options
    this.#state = options.state ?? {}
    try {
      this.#checkers = task.bindings.map((binding) => compileCollection(binding.collection))
    } catch (error) {
      this.#problem = messageOf(error)
    }
    this.#keys = task.bindings.map((binding) => binding.collection.key.map(parsePointerOrNull))
  }

  opened(explicitAcknowledgements: boolean): void {
    this.#opened = true
    this.#explicit = explicitAcknowledgements
  }

  /** Takes a committed transaction; returns how many there have been. */
  commit(transaction: Transaction): number {
    this.#state = transaction.state
    const first = this.#firstKeys.size === 0
    for (const [binding, text] of transaction.documents) {
      this.#documents++
      const document: unknown = JSON.parse(text)
      const key = documentKey(binding, document, text, this.#keys[binding] ?? [])
      if (first) this.#firstKeys.add(key)
      if (this.#options.watchKeys?.has(key)) this.#seenKeys.add(key)
      const checker = this.#checkers?.[binding]
      const problems = checker?.problems(document)
      if (checker && problems) {
        this.#problems++
        this.#problem ??= describeProblems(checker.collection.name, binding, problems)
      }
    }
    return ++this.#transactions
  }

  result(stopped: boolean, error?: unknown): WatchedSession {
    return {
      opened: this.#opened,
      explicitAcknowledgements: this.#explicit,
      transactions: this.#transactions,
      documents: this.#documents,
      state: this.#state,
      stopped,
      documentProblems: this.#problems,
      firstKeys: this.#firstKeys,
      seenKeys: this.#seenKeys,
      ...(this.#problem === undefined ? {} : { documentProblem: this.#problem }),
      ...(error === undefined ? {} : { error }),
    }
  }
}

function parsePointerOrNull(pointer: string): string[] | null {
  try {
    return parsePointer(pointer)
  } catch {
    return null
  }
}

/**
 * A document's identity across sessions: its binding and the values at its collection's key;
 * its whole text when it lacks a key value.
 */
export function documentKey(binding: number, document: unknown, text: string, key: readonly (readonly string[] | null)[]): string {
  const values: unknown[] = []
  for (const tokens of key) {
    const at = tokens === null ? { found: false } : locate(document, tokens)
    if (!at.found) return `${binding}:${text}`
    values.push(at.value)
  }
  return `${binding}:${JSON.stringify(values)}`
}
