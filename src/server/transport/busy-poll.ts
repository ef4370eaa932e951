// Adaptive busy polling. After a read from a client, the event loop keeps polling its sockets
// without sleeping for a short window, so a reply that comes back within it is read at once.
//
// Why: an exchange that waits for each answer (IBB with one block in flight, an iq round trip)
// pays, at every hop, the time the kernel takes to wake an idle CPU. On a virtual machine that is
// tens of microseconds per hop, more than Ferry spends handling the stanza: on the 2-core
// benchmark machine it was most of an IBB 4096 round trip. Erlang's schedulers spin before
// sleeping for the same reason (ejabberd's `+sbwt`).
//
// Spinning only pays when the next read comes within the window, so the poller watches what its
// spins achieve: a spin that catches at least one read before it runs out was useful. When fewer
// than USEFUL_SPINS_NEEDED of the last SPINS_PER_VERDICT spins were (clients too slow for the
// window, sparse traffic), it stops spinning for a while, then tries again, backing off longer each
// time spinning still does not pay (up to a second). Fast exchanges keep it on; slow clients and
// idle servers cost next to nothing. ADR 0004 has the measurements.
import { performance } from 'node:perf_hooks';

const SPINS_PER_VERDICT = 16;
const USEFUL_SPINS_NEEDED = 4;
const FIRST_BACK_OFF_MS = 10;
const LONGEST_BACK_OFF_MS = 1_000;

export class BusyPoll {
  readonly #windowMs: number;
  readonly #now: () => number;
  #deadline = 0;
  #isSpinning = false;
  #isStopped = false;
  #hasCaughtRead = false;
  #spins = 0;
  #usefulSpins = 0;
  #backOffMs = FIRST_BACK_OFF_MS;
  /** No spinning before this time: a back-off after spins that did not pay. */
  #pausedUntil = Number.NEGATIVE_INFINITY;
  readonly #spin = (): void => {
    if (this.#isStopped) {
      this.#isSpinning = false;
      return;
    }
    const now = this.#now();
    if (now < this.#deadline) {
      // A pending immediate makes libuv poll with a zero timeout instead of sleeping.
      setImmediate(this.#spin);
      return;
    }
    this.#isSpinning = false;
    this.#spins += 1;
    if (this.#hasCaughtRead) this.#usefulSpins += 1;
    if (this.#spins < SPINS_PER_VERDICT) return;
    if (this.#usefulSpins >= USEFUL_SPINS_NEEDED) {
      this.#backOffMs = FIRST_BACK_OFF_MS;
    } else {
      this.#pausedUntil = now + this.#backOffMs;
      this.#backOffMs = Math.min(LONGEST_BACK_OFF_MS, this.#backOffMs * 2);
    }
    this.#spins = 0;
    this.#usefulSpins = 0;
  };

  /** `now` (milliseconds) is replaceable for tests. */
  constructor(windowMicroseconds: number, now: () => number = () => performance.now()) {
    this.#windowMs = windowMicroseconds / 1000;
    this.#now = now;
  }

  get isSpinning(): boolean {
    return this.#isSpinning;
  }

  /** Whether a read now would start a spin (false while backing off). */
  get isBackingOff(): boolean {
    return this.#now() < this.#pausedUntil;
  }

  /** Traffic arrived: keep polling until the window after it has passed, unless backing off. */
  touch(): void {
    if (this.#isStopped) return;
    const now = this.#now();
    if (this.#isSpinning) {
      this.#hasCaughtRead = true;
      this.#deadline = now + this.#windowMs;
      return;
    }
    if (now < this.#pausedUntil) return;
    this.#deadline = now + this.#windowMs;
    this.#hasCaughtRead = false;
    this.#isSpinning = true;
    setImmediate(this.#spin);
  }

  /** Ends the current window; later touches do nothing (the server is shutting down). */
  stop(): void {
    this.#isStopped = true;
  }
}

/** A BusyPoll with this window, or none when it is 0 (off). */
export function createBusyPoll(windowMicroseconds: number): BusyPoll | undefined {
  return windowMicroseconds > 0 ? new BusyPoll(windowMicroseconds) : undefined;
}
