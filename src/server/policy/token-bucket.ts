// A token bucket for byte rates (proxy65's bandwidth_bytes_per_second, one per relayed direction;
// upload and download rates). It may go into debt by one chunk; the reader then stops reading
// until the debt is repaid, so the limit buffers nothing of its own and back-pressure still
// reaches the sender.

/** A first burst of up to this much (or one second's worth, if less) passes unthrottled. */
const DEFAULT_BURST_BYTES = 64 * 1024;

export interface TokenBucketOptions {
  burstBytes?: number;
  /** Milliseconds on a monotonic clock; injectable so unit tests need no real time. */
  now?: () => number;
}

export class TokenBucket {
  readonly #bytesPerMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(bytesPerSecond: number, options: TokenBucketOptions = {}) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) {
      throw new RangeError(`a bandwidth limit must be a positive number of bytes per second, got ${bytesPerSecond}`);
    }
    this.#bytesPerMs = bytesPerSecond / 1000;
    this.#capacity = options.burstBytes ?? Math.min(bytesPerSecond, DEFAULT_BURST_BYTES);
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.#capacity;
    this.#last = this.#now();
  }

  /** Spends `bytes` (possibly into debt); returns how many ms to wait before reading more, 0 for none. */
  take(bytes: number): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#bytesPerMs) - bytes;
    this.#last = now;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#bytesPerMs);
  }
}
