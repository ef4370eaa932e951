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
 * Bytes gathered before one writev: 8 TLS records. What one upload holds is this plus
 * QUEUE_BYTES, so a hundred concurrent uploads hold 16 MiB at most (256 KiB measured the same
 * single-upload speed and cost 100 concurrent uploads 70 MiB more RSS).
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
  #gathered: Buffer[] = [];
  #gatheredBytes = 0;
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
        await this.#syncing;
        if (this.#syncError) throw this.#syncError;
        // On disk before it gets its name: a crash must not leave a named, partly written file.
        await this.#file.sync();
      })
      .then(() => callback(), callback);
  }

  #take(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    for (const chunk of chunks) {
      this.received += chunk.length;
      if (this.received > this.#size) return callback(new BlobSizeError(this.#size, this.received));
      if (chunk.length === 0) continue;
      this.#gathered.push(chunk);
      this.#gatheredBytes += chunk.length;
    }
    if (this.#syncError) return callback(this.#syncError);
    if (this.#gatheredBytes < WRITE_BATCH_BYTES) return callback();
    this.#flush().then(() => callback(), callback);
  }

  async #flush(): Promise<void> {
    let buffers = this.#gathered;
    let bytes = this.#gatheredBytes;
    if (bytes === 0) return;
    this.#gathered = [];
    this.#gatheredBytes = 0;
    this.#unsyncedBytes += bytes;
    // writev on a regular file writes everything short of an error, but that is not promised.
    for (;;) {
      const { bytesWritten } = await this.#file.writev(buffers);
      if (bytesWritten >= bytes) break;
      buffers = remainderAfter(buffers, bytesWritten);
      bytes -= bytesWritten;
    }
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

function remainderAfter(buffers: Buffer[], skip: number): Buffer[] {
  let index = 0;
  while (skip >= buffers[index]!.length) skip -= buffers[index++]!.length;
  return [buffers[index]!.subarray(skip), ...buffers.slice(index + 1)];
}
