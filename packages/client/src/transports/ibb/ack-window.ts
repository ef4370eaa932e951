// XEP-0047 §2.2 paces the sender by the receiver's acknowledgements: each <data/> iq is answered
// with a result, and Openfire + Spark send the next block only after the
// previous one was acknowledged — a window of 1. A larger window keeps `size` unacknowledged
// blocks in flight for throughput. This is only the counting; no timers (each request has its own
// timeout, so every wait here ends when an ack, an error or a timeout releases a slot).

interface Waiter {
  until: 'room' | 'drained';
  resolve(): void;
  reject(error: Error): void;
}

export class AckWindow {
  readonly size: number;
  #inFlight = 0;
  #failure: Error | undefined;
  #waiters: Waiter[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`bad window size: ${size}`);
    this.size = size;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get hasRoom(): boolean {
    return this.#inFlight < this.size;
  }

  /** Takes a slot for a block about to be sent. Only call when hasRoom (after `room()`). */
  acquire(): void {
    if (this.#failure) throw this.#failure;
    if (!this.hasRoom) throw new RangeError(`the window of ${this.size} is full`);
    this.#inFlight += 1;
  }

  /** Frees the slot of an acknowledged block. */
  release(): void {
    if (this.#inFlight === 0) throw new RangeError('release() without a block in flight');
    this.#inFlight -= 1;
    this.#settle();
  }

  /**
   * Resolves as soon as a block may be sent; rejects once the window failed. Meant for one
   * writer (a Writable serialises its writes): acquire() right after it resolves.
   */
  room(): Promise<void> {
    return this.#wait('room');
  }

  /** Resolves when every block sent has been acknowledged; rejects once the window failed. */
  drained(): Promise<void> {
    return this.#wait('drained');
  }

  /** The stream broke: every waiter, now and later, rejects with `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(this.#failure);
  }

  #wait(until: Waiter['until']): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#isMet(until)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ until, resolve, reject }));
  }

  #isMet(until: Waiter['until']): boolean {
    return until === 'room' ? this.hasRoom : this.#inFlight === 0;
  }

  #settle(): void {
    if (this.#failure) return;
    // One freed slot wakes one writer waiting for room, so two waiters never both see it free.
    let free = this.size - this.#inFlight;
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.until === 'room' && free > 0) {
        free -= 1;
        waiter.resolve();
      } else if (waiter.until === 'drained' && this.#inFlight === 0) {
        waiter.resolve();
      } else {
        waiting.push(waiter);
      }
    }
    this.#waiters = waiting;
  }
}
