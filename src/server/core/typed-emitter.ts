// A minimal typed event emitter: event names and payloads are checked by the compiler, so a
// misspelt event (Prosody's string-keyed weak spot) fails to build instead of never firing.
// Listeners may be async. A listener that throws or rejects is reported to `onError` and the
// others still run: events fire from socket handlers, where an escaping error would end the process.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => unknown;
type Listener<A extends unknown[]> = (...args: A) => unknown;

export type ListenerErrorHandler = (error: unknown, event: string) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #listeners = new Map<keyof Events, Set<AnyListener>>();
  readonly #onError: ListenerErrorHandler;
  /** Async listeners still running, so shutdown can let them finish (idle()). */
  readonly #running = new Set<Promise<unknown>>();

  constructor(onError: ListenerErrorHandler = () => {}) {
    this.#onError = onError;
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        const outcome = listener(...args);
        if (outcome instanceof Promise) this.#track(outcome, String(event));
      } catch (error) {
        this.#onError(error, String(event));
      }
    }
  }

  /** Settles once every async listener started so far has (the server's shutdown waits, bounded). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #track(outcome: Promise<unknown>, event: string): void {
    const running = outcome.catch((error: unknown) => this.#onError(error, event));
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
  }
}
