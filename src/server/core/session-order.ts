// Per-session stanza order with asynchronous handlers. A stanza whose handling returns a promise
// holds back the later stanzas of the same session until it settles; stanzas of other sessions go
// on meanwhile. Synchronous handling (the usual case: routing to a bound session) costs one map
// lookup and allocates nothing.
import type { Element } from '@ferry/protocol/xml/element';
import type { LocalSession } from './session.js';

/** A session that floods the server while one of its stanzas waits is cut off at this many. */
export const MAX_HELD_STANZAS = 10_000;

export class SessionOrder {
  readonly #held = new Map<LocalSession, Element[]>();
  readonly #dispatch: (stanza: Element, origin: LocalSession) => Promise<void> | undefined;
  readonly #onOverflow: (origin: LocalSession) => void;

  constructor(
    dispatch: (stanza: Element, origin: LocalSession) => Promise<void> | undefined,
    onOverflow: (origin: LocalSession) => void,
  ) {
    this.#dispatch = dispatch;
    this.#onOverflow = onOverflow;
  }

  /** Dispatches now, or after the session's earlier stanzas have been handled. */
  push(stanza: Element, origin: LocalSession): void {
    const held = this.#held.get(origin);
    if (held !== undefined) {
      if (held.length >= MAX_HELD_STANZAS) {
        this.#onOverflow(origin);
        return;
      }
      held.push(stanza);
      return;
    }
    const pending = this.#dispatch(stanza, origin);
    if (pending !== undefined) this.#hold(origin, pending);
  }

  /** How many stanzas of this session wait (for tests and metrics). */
  heldFor(origin: LocalSession): number {
    return this.#held.get(origin)?.length ?? 0;
  }

  #hold(origin: LocalSession, pending: Promise<void>): void {
    const held: Element[] = [];
    this.#held.set(origin, held);
    const drain = (): void => {
      let next: Element | undefined;
      while ((next = held.shift()) !== undefined) {
        const again = this.#dispatch(next, origin);
        if (again !== undefined) {
          again.then(drain, drain);
          return;
        }
      }
      this.#held.delete(origin);
    };
    pending.then(drain, drain);
  }
}
