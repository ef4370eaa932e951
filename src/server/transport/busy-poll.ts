// Adaptive busy polling. After a read from a client, the event loop keeps polling its sockets
// without sleeping for a short window, so a reply that comes back within it is read at once.
//
// Why: an exchange that waits for each answer (IBB with one block in flight, an iq round trip)
// pays, at every hop, the time the kernel takes to wake an idle CPU. On a virtual machine that is
// tens of microseconds per hop, more than Ferry spends handling the stanza: on the 2-core
// benchmark machine it was most of an IBB 4096 round trip. Erlang's schedulers spin before
// sleeping for the same reason (ejabberd's `+sbwt`). The cost is bounded: at most one window of
// CPU per burst of traffic, nothing when the server is idle, and nothing extra when it is busy
// (a busy loop never sleeps anyway). `tuning.busy_poll_microseconds = 0` switches it off. ADR 0004
// has the measurements.
import { performance } from 'node:perf_hooks';

export class BusyPoll {
  readonly #windowMs: number;
  readonly #now: () => number;
  #deadline = 0;
  #isSpinning = false;
  #isStopped = false;
  readonly #spin = (): void => {
    if (!this.#isStopped && this.#now() < this.#deadline) {
      // A pending immediate makes libuv poll with a zero timeout instead of sleeping.
      setImmediate(this.#spin);
    } else {
      this.#isSpinning = false;
    }
  };

  /** `now` (milliseconds) is replaceable for tests. */
  constructor(windowMicroseconds: number, now: () => number = () => performance.now()) {
    this.#windowMs = windowMicroseconds / 1000;
    this.#now = now;
  }

  /** Traffic arrived: keep polling until the window after it has passed. */
  touch(): void {
    if (this.#isStopped) return;
    this.#deadline = this.#now() + this.#windowMs;
    if (this.#isSpinning) return;
    this.#isSpinning = true;
    setImmediate(this.#spin);
  }

  get isSpinning(): boolean {
    return this.#isSpinning;
  }

  /** Ends the current window; later touches do nothing (the server is shutting down). */
  stop(): void {
    this.#isStopped = true;
  }
}

/** A BusyPoll for a window, or none when it is 0 (off). */
export function createBusyPoll(windowMicroseconds: number): BusyPoll | undefined {
  return windowMicroseconds > 0 ? new BusyPoll(windowMicroseconds) : undefined;
}
