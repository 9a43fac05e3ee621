import { abortable } from './abort.ts'

/**
 * A FIFO of turns: `run(fn)` runs `fn` once every earlier turn has finished, and rejects at
 * once (without running `fn`) when its signal aborts while it waits. Limiters take their
 * permits through it, so permits are granted in the order they were asked for.
 */
export class Turns {
  #tail: Promise<void> = Promise.resolve()

  run<T>(fn: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.#tail
    const turn = abortable(previous, signal).then(() => fn(signal))
    // The next turn waits for this one's predecessor and for this one, whether it ran or was aborted.
    this.#tail = previous.then(() => turn.then(ignore, ignore))
    return turn
  }
}

function ignore(): void {}
