// Token bucket for a connection's receive side: when a peer sends faster than its allowance, the
// socket is paused for the deficit, so TCP back-pressure slows the peer instead of the server
// buffering. Bursts (an IBB window) pass at full speed.
export class ReceiveRateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last = Date.now();

  constructor(bytesPerSecond: number, burstBytes: number) {
    this.#rate = bytesPerSecond;
    this.#burst = Math.max(burstBytes, 1);
    this.#tokens = this.#burst;
  }

  get isUnlimited(): boolean {
    return this.#rate <= 0;
  }

  /** Takes `bytes` from the bucket; returns how many ms to pause reading (0 = keep going). */
  take(bytes: number): number {
    if (this.#rate <= 0) return 0;
    const now = Date.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000);
    this.#last = now;
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens * 1000) / this.#rate);
  }
}
