// XEP-0047 §2.2: every <data/> carries at most 'block-size' bytes. The sender cuts whatever the
// Writable is given into blocks of exactly blockSize bytes, so only the last block of the stream
// may be shorter (fewer stanzas, and a receiver sees the size it agreed to). No chunk boundary of
// the input is assumed.
import { concatBytes } from '@ferry/protocol/bytes';

export class BlockChunker {
  readonly blockSize: number;
  /** Bytes waiting for the rest of their block; always fewer than blockSize. */
  #pending: Uint8Array = new Uint8Array(0);

  constructor(blockSize: number) {
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`bad block size: ${blockSize}`);
    this.blockSize = blockSize;
  }

  /** Bytes held back until a block is full (or the stream ends). */
  get buffered(): number {
    return this.#pending.length;
  }

  /**
   * Adds `chunk` and returns every block it completes, in order. Blocks may be views into
   * `chunk` (no copy): send or encode them before the Writable's callback lets the caller reuse
   * its buffer. What is held back is copied.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const blocks: Uint8Array[] = [];
    let offset = 0;
    if (this.#pending.length > 0) {
      const missing = this.blockSize - this.#pending.length;
      if (chunk.length < missing) {
        this.#pending = concatBytes([this.#pending, chunk]);
        return blocks;
      }
      blocks.push(concatBytes([this.#pending, chunk.subarray(0, missing)]));
      offset = missing;
    }
    while (chunk.length - offset >= this.blockSize) {
      blocks.push(chunk.subarray(offset, offset + this.blockSize));
      offset += this.blockSize;
    }
    this.#pending = concatBytes([chunk.subarray(offset)]);
    return blocks;
  }

  /** The last, short block at the end of the stream; undefined when nothing is held back. */
  flush(): Uint8Array | undefined {
    if (this.#pending.length === 0) return undefined;
    const last = this.#pending;
    this.#pending = new Uint8Array(0);
    return last;
  }
}
