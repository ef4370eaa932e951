// Runs async tasks one at a time per key (an account's roster, say), in the order they were
// queued, so a read-modify-write over an asynchronous store cannot interleave with another one on
// the same key. Different keys run concurrently. A key's entry is dropped when its queue empties.
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const start = (): Promise<T> => {
      try {
        return task();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const result = previous === undefined ? start() : previous.then(start, start);
    // The tail never rejects, so a failed task does not fail the ones queued after it.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Settles when everything queued so far has finished (for teardown). */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.#tails.size;
  }
}
