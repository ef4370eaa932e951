// Authentication failure throttling: each failed login from an address doubles the delay before
// the next failure is answered (capped), so password guessing is slow while a typo costs little.
// Entries expire on their own; the table is bounded.
const MAX_DELAY_MS = 10_000;
const FORGET_AFTER_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  failures: number;
  last: number;
}

export class AuthThrottle {
  readonly #baseDelayMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(baseDelayMs: number) {
    this.#baseDelayMs = baseDelayMs;
  }

  /** Records a failure and returns how long to wait before answering it. */
  fail(address: string, now = Date.now()): number {
    const entry = this.#fresh(address, now) ?? { failures: 0, last: now };
    entry.failures += 1;
    entry.last = now;
    this.#entries.delete(address);
    this.#entries.set(address, entry); // re-insert: Map order is then least-recently-failed first
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    if (this.#baseDelayMs === 0) return 0;
    return Math.min(MAX_DELAY_MS, this.#baseDelayMs * 2 ** (entry.failures - 1));
  }

  /** Any failure remembered (from any address): success needs no bookkeeping otherwise. */
  get hasFailures(): boolean {
    return this.#entries.size > 0;
  }

  succeed(address: string): void {
    this.#entries.delete(address);
  }

  #fresh(address: string, now: number): Entry | undefined {
    const entry = this.#entries.get(address);
    if (entry && now - entry.last > FORGET_AFTER_MS) {
      this.#entries.delete(address);
      return undefined;
    }
    return entry;
  }
}
