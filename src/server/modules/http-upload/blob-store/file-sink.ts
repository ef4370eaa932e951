// Where an upload body meets its temp file: counts the bytes (BlobSizeError the moment they run past
// `size`), writes them in batches and syncs them to disk while the body is still arriving, so the
// last sync before the file gets its name has little left to do.
//
// Why not fs.WriteStream: a body arrives as 16 KiB TLS records, and WriteStream writes each one as
// it comes: one thread-pool round trip per 16 KiB, which cost the event loop more than the TLS and
// the SHA-256 together at 256 MiB. And syncing only at the end left a whole file of dirty pages to
// write out after the last byte arrived, while the client waited for its 201.
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { BlobSizeError } from './types.js';

/**
 * Bytes gathered before one write: 8 TLS records. What one upload holds is this plus QUEUE_BYTES,
 * so a hundred concurrent uploads hold 16 MiB at most.
 */
export const WRITE_BATCH_BYTES = 128 * 1024;
/** What may queue in front of a running write before the body is paused. */
const QUEUE_BYTES = 32 * 1024;
/** Bytes written between two background fdatasync calls (one at a time). */
export const SYNC_EVERY_BYTES = 16 * 1024 * 1024;

export class BlobFileSink extends Writable {
  /** Bytes the body has delivered so far (counted on arrival, before they are written). */
  received = 0;
  readonly #file: FileHandle;
  readonly #size: number;
  /**
   * The batch, reused: chunks are copied in rather than kept. A chunk kept until its batch fills
   * (slowly, with a hundred uploads sharing the CPU) outlives young-generation collections, and
   * its 16 KiB of external memory then waits for a full collection.
   */
  #batch: Buffer | undefined;
  #filled = 0;
  #unsyncedBytes = 0;
  #syncing: Promise<void> | undefined;
  #syncError: Error | undefined;

  /** `file` stays the caller's: the sink never closes it (it may still be syncing when destroyed). */
  constructor(file: FileHandle, size: number) {
    super({ highWaterMark: QUEUE_BYTES, decodeStrings: true });
    this.#file = file;
    this.#size = size;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#take([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.#take(
      chunks.map(({ chunk }) => chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#flush()
      .then(async () => {
        this.#batch = undefined;
        await this.#syncing;
        if (this.#syncError) throw this.#syncError;
        // On disk before it gets its name: a crash must not leave a named, partly written file.
        await this.#file.sync();
      })
      .then(() => callback(), callback);
  }

  #take(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    if (this.#syncError) return callback(this.#syncError);
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    const batch = (this.#batch ??= Buffer.allocUnsafeSlow(Math.max(1, Math.min(WRITE_BATCH_BYTES, this.#size))));
    if (this.received + bytes <= this.#size && this.#filled + bytes < batch.length) {
      // The common case, without a promise: the chunks fit in the batch.
      this.received += bytes;
      for (const chunk of chunks) this.#filled += chunk.copy(batch, this.#filled);
      return callback();
    }
    this.#takeAndWrite(chunks, batch).then(() => callback(), callback);
  }

  async #takeAndWrite(chunks: Buffer[], batch: Buffer): Promise<void> {
    for (const chunk of chunks) {
      this.received += chunk.length;
      if (this.received > this.#size) throw new BlobSizeError(this.#size, this.received);
      for (let offset = 0; offset < chunk.length;) {
        const copied = chunk.copy(batch, this.#filled, offset);
        this.#filled += copied;
        offset += copied;
        if (this.#filled === batch.length) await this.#flush();
      }
    }
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    const bytes = this.#filled;
    if (!batch || bytes === 0) return;
    // write() on a regular file writes everything short of an error, but that is not promised.
    for (let offset = 0; offset < bytes;) {
      const { bytesWritten } = await this.#file.write(batch, offset, bytes - offset);
      offset += bytesWritten;
    }
    this.#filled = 0;
    this.#unsyncedBytes += bytes;
    if (this.#unsyncedBytes >= SYNC_EVERY_BYTES && !this.#syncing) this.#startSync();
  }

  /** fdatasync in the background: the disk writes what has arrived while more keeps arriving. */
  #startSync(): void {
    this.#unsyncedBytes = 0;
    this.#syncing = this.#file
      .datasync()
      .catch((error: Error) => {
        this.#syncError ??= error;
      })
      .finally(() => {
        this.#syncing = undefined;
      });
  }
}
