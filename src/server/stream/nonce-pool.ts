// RFC 5802 §5.1: each SCRAM exchange needs a fresh, unpredictable server nonce (public: it goes
// to the client in server-first-message). Drawing 18 bytes from the CSPRNG per login is a system
// call each; drawing them from a buffer refilled 256 nonces at a time is the same randomness,
// each byte used once, as Node does for randomUUID.
import { randomFillSync } from 'node:crypto';

const NONCE_BYTES = 18; // 24 base64 characters, no padding
const BATCH = 256;

export class NoncePool {
  readonly #pool = Buffer.alloc(NONCE_BYTES * BATCH);
  #offset = this.#pool.length;

  /** A nonce in base64: printable ASCII without "," (RFC 5802 §7). */
  next(): string {
    if (this.#offset === this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const nonce = this.#pool.toString('base64', this.#offset, this.#offset + NONCE_BYTES);
    this.#offset += NONCE_BYTES;
    return nonce;
  }
}
